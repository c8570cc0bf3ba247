/**
 * The in-memory filesystem a browser app seeds for its guests: one tree in preview2-shim's
 * `FileData` shape (`{ dir: { name: { source } } }`), served synchronously (no JSPI) by
 * molt-wasm's own filesystem through memory-backend.ts. Paths in the tree are "host" paths in the sense of
 * `--dir GUEST=HOST`: `files: { '/data/a.txt': 'hello' }` and a grant on `/data` give the
 * guest the tree's `/data` as its `/data` preopen. `data/a.txt` and `/data/a.txt` name the
 * same entry (the tree has one root). Pure: no DOM, no Node.
 */

/** preview2-shim's in-memory entry: a directory, a file or a symlink. */
export interface FileDataEntry {
  dir?: Record<string, FileDataEntry>;
  source?: Uint8Array | string;
  symlink?: string;
}

/** Tree path -> contents: a string is UTF-8 text. */
export type SeedFiles = Readonly<Record<string, string | Uint8Array>>;

function segmentsOf(path: string): string[] {
  const out: string[] = [];
  for (const part of path.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    // The tree is the app's data; `..` in a seed path is a mistake, not something to resolve.
    if (part === '..') throw new TypeError(`memory-fs: ".." is not allowed in ${JSON.stringify(path)}`);
    out.push(part);
  }
  return out;
}

/** An own entry of a directory (never an inherited field such as `__proto__` or `toString`). */
export function ownEntry(entries: Record<string, FileDataEntry>, name: string): FileDataEntry | undefined {
  return Object.hasOwn(entries, name) ? entries[name] : undefined;
}

/** Adds an own entry; plain assignment would take `__proto__` as the object's prototype. */
export function putEntry(entries: Record<string, FileDataEntry>, name: string, node: FileDataEntry): FileDataEntry {
  Object.defineProperty(entries, name, { value: node, enumerable: true, writable: true, configurable: true });
  return node;
}

/**
 * What guests may add to a tree, in bytes, unless the app says otherwise: every byte is the
 * page's memory, and without a total a guest under the open-file limit could still fill the
 * tab with 64 MiB files.
 */
export const MEMORY_FS_DEFAULT_GUEST_BYTES = 256 * 1024 * 1024;
/** What one directory entry costs besides its name (the node object and the key). */
export const MEMORY_FS_ENTRY_BYTES = 64;

/** The bytes an entry named `name` holds besides its contents. */
export function entryBytes(name: string): number {
  return MEMORY_FS_ENTRY_BYTES + name.length * 2;
}

export interface MemoryFsOptions {
  /** How many bytes guests may add beyond the seed (contents, names, entries). Default 256 MiB. */
  readonly maxGuestBytes?: number;
}

/** A node's times, inode number, and what keeps its contents alive (links and open handles). */
export interface NodeMeta {
  readonly ino: bigint;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  /** Directory entries naming the node (a seeded node has one). */
  links: number;
  /** Open handles on the node, across every guest sharing the tree. */
  opens: number;
}

export class MemoryFs {
  readonly root: FileDataEntry = { dir: {} };
  /** Times, inode numbers, link and open counts of nodes, kept beside the tree (memory-backend.ts). */
  readonly metadata = new WeakMap<FileDataEntry, NodeMeta>();
  #inode = 0n;
  #used = 0;
  #limit = Number.POSITIVE_INFINITY;

  /** A fresh inode number for a node seen for the first time. */
  nextInode(): bigint {
    return ++this.#inode;
  }

  constructor(files: SeedFiles = {}, symlinks: Readonly<Record<string, string>> = {}, options: MemoryFsOptions = {}) {
    for (const [path, contents] of Object.entries(files)) this.writeFile(path, contents);
    for (const [path, target] of Object.entries(symlinks)) this.symlink(path, target);
    const budget = options.maxGuestBytes ?? MEMORY_FS_DEFAULT_GUEST_BYTES;
    if (!Number.isSafeInteger(budget) || budget < 0)
      throw new TypeError(`memory-fs: maxGuestBytes must be a byte count, got ${String(budget)}`);
    // The seed is the app's; the budget bounds what guests add on top of it.
    this.#limit = this.#used + budget;
  }

  /** Bytes the tree holds now (contents, names, entries), seed included. */
  get usedBytes(): number {
    return this.#used;
  }

  /**
   * Accounts `bytes` more (or fewer, when negative) held by the tree. Growth past the budget is
   * refused with `insufficient-space` before anything is allocated.
   */
  charge(bytes: number): void {
    if (bytes > 0 && this.#used + bytes > this.#limit) throw 'insufficient-space';
    this.#used += bytes;
  }

  /** The directory entry at `path`, created (with its parents) when `create` and missing. */
  dir(path: string, create = false): FileDataEntry | undefined {
    let node = this.root;
    for (const seg of segmentsOf(path)) {
      const next = ownEntry(node.dir!, seg);
      if (next === undefined) {
        if (!create) return undefined;
        this.#used += entryBytes(seg);
        node = putEntry(node.dir!, seg, { dir: {} });
      } else if (next.dir === undefined) {
        return undefined;
      } else node = next;
    }
    return node;
  }

  #parent(path: string): { parent: FileDataEntry; name: string } {
    const segs = segmentsOf(path);
    const name = segs.pop();
    if (name === undefined) throw new TypeError(`memory-fs: ${JSON.stringify(path)} names the root`);
    const parent = this.dir(segs.join('/'), true);
    if (parent === undefined) throw new TypeError(`memory-fs: a parent of ${JSON.stringify(path)} is a file`);
    return { parent, name };
  }

  writeFile(path: string, contents: string | Uint8Array): void {
    const { parent, name } = this.#parent(path);
    const source = typeof contents === 'string' ? new TextEncoder().encode(contents) : contents.slice();
    this.#used += entryBytes(name) + source.length;
    putEntry(parent.dir!, name, { source });
  }

  symlink(path: string, target: string): void {
    const { parent, name } = this.#parent(path);
    this.#used += entryBytes(name) + target.length * 2;
    putEntry(parent.dir!, name, { symlink: target });
  }

  /** A file's bytes, or undefined when `path` is not a regular file (symlinks not followed). */
  readFile(path: string): Uint8Array | undefined {
    const segs = segmentsOf(path);
    const name = segs.pop();
    const parent = name === undefined ? undefined : this.dir(segs.join('/'))?.dir;
    const entry = parent === undefined ? undefined : ownEntry(parent, name!);
    if (entry === undefined || entry.source === undefined) return undefined;
    return typeof entry.source === 'string' ? new TextEncoder().encode(entry.source) : entry.source;
  }

  readText(path: string): string | undefined {
    const b = this.readFile(path);
    return b === undefined ? undefined : new TextDecoder().decode(b);
  }

  /** Every file and symlink as `/path` (sorted), for showing the tree after a run. */
  list(): string[] {
    const out: string[] = [];
    const walk = (node: FileDataEntry, prefix: string): void => {
      for (const [name, child] of Object.entries(node.dir ?? {})) {
        const p = `${prefix}/${name}`;
        if (child.dir !== undefined) walk(child, p);
        else out.push(child.symlink !== undefined ? `${p} -> ${child.symlink}` : p);
      }
    };
    walk(this.root, '');
    return out.sort();
  }
}

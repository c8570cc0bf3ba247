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

export class MemoryFs {
  readonly root: FileDataEntry = { dir: {} };
  /** Times and inode numbers of nodes, kept beside the tree (memory-backend.ts). */
  readonly metadata = new WeakMap<FileDataEntry, { readonly ino: bigint; atimeNs: bigint; mtimeNs: bigint; ctimeNs: bigint }>();
  #inode = 0n;

  /** A fresh inode number for a node seen for the first time. */
  nextInode(): bigint {
    return ++this.#inode;
  }

  constructor(files: SeedFiles = {}, symlinks: Readonly<Record<string, string>> = {}) {
    for (const [path, contents] of Object.entries(files)) this.writeFile(path, contents);
    for (const [path, target] of Object.entries(symlinks)) this.symlink(path, target);
  }

  /** The directory entry at `path`, created (with its parents) when `create` and missing. */
  dir(path: string, create = false): FileDataEntry | undefined {
    let node = this.root;
    for (const seg of segmentsOf(path)) {
      const next = ownEntry(node.dir!, seg);
      if (next === undefined) {
        if (!create) return undefined;
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
    putEntry(parent.dir!, name, { source: typeof contents === 'string' ? new TextEncoder().encode(contents) : contents.slice() });
  }

  symlink(path: string, target: string): void {
    const { parent, name } = this.#parent(path);
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

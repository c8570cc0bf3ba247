/**
 * The browser backend of molt-wasm's own `wasi:filesystem` (host/gate/fs/), over the app's
 * in-memory tree (memory-fs.ts): the counterpart of host/node/fs-backend.ts with the same
 * names and signatures, so the browser gets the same resolution, the same policy checks at a
 * descriptor's real location, the same link/rename read rule and deny-ancestor refusal.
 *
 * A handle holds the tree node itself, never a path: a directory renamed away keeps its
 * handles, like a file descriptor. File sizes are bounded (MEMORY_FS_MAX_FILE_BYTES) because
 * every byte is the page's memory: a guest writing at offset 2^40 gets `file-too-large`, not
 * a terabyte allocation, and so is the tree's total (MemoryFs's guest budget, default 256 MiB):
 * every entry, name and content byte a guest adds is charged before it is allocated, past the
 * budget the guest gets `insufficient-space`, and an unlinked file's bytes count until its
 * last handle is closed (they are still held). Pure: no DOM, no Node.
 */
import type { DescriptorType, DirListing, FileStat, FsBackend, NewTimestamp, OpenHow } from '../gate/fs/backend.js';
import { entryBytes, putEntry, type FileDataEntry, type MemoryFs, type NodeMeta } from './memory-fs.js';

/** The largest file a guest may make in the page's memory. */
export const MEMORY_FS_MAX_FILE_BYTES = 64 * 1024 * 1024;

type Meta = NodeMeta;

interface MemHandle {
  readonly node: FileDataEntry;
}

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

function nowNs(): bigint {
  return BigInt(Date.now()) * NS_PER_MS;
}

function typeOf(n: FileDataEntry): DescriptorType {
  if (n.dir !== undefined) return 'directory';
  if (n.symlink !== undefined) return 'symbolic-link';
  return 'regular-file';
}

function bytesOf(n: FileDataEntry): Uint8Array {
  if (n.source === undefined) return new Uint8Array(0);
  if (typeof n.source === 'string') n.source = new TextEncoder().encode(n.source);
  return n.source;
}

export class MemoryFsBackend implements FsBackend<MemHandle> {
  readonly #fs: MemoryFs;
  readonly #max: number;
  readonly #open = new Set<object>();
  readonly #meta: WeakMap<FileDataEntry, Meta>;
  #closed = false;

  constructor(fs: MemoryFs, maxOpenFiles: number) {
    this.#fs = fs;
    this.#max = maxOpenFiles;
    this.#meta = fs.metadata;
  }

  #metaOf(n: FileDataEntry): Meta {
    let m = this.#meta.get(n);
    if (m === undefined) {
      const t = nowNs();
      m = { ino: this.#fs.nextInode(), atimeNs: t, mtimeNs: t, ctimeNs: t, links: 1, opens: 0 };
      this.#meta.set(n, m);
    }
    return m;
  }

  #handle(node: FileDataEntry): MemHandle {
    if (this.#closed) throw 'bad-descriptor';
    if (this.#open.size >= this.#max) throw 'insufficient-memory';
    const h = { node };
    this.#open.add(h);
    this.#metaOf(node).opens++;
    return h;
  }

  /** The bytes a node's contents hold (a directory's entries are charged one by one). */
  #contentBytes(n: FileDataEntry): number {
    if (n.symlink !== undefined) return n.symlink.length * 2;
    if (n.source !== undefined) return typeof n.source === 'string' ? n.source.length * 3 : n.source.length;
    return 0;
  }

  /** One link fewer; the contents are freed (uncharged) when no link and no handle holds them. */
  #unlinked(n: FileDataEntry): void {
    const m = this.#metaOf(n);
    m.links--;
    if (m.links <= 0 && m.opens <= 0) this.#fs.charge(-this.#contentBytes(n));
  }

  #released(h: MemHandle): void {
    if (!this.#open.delete(h)) return;
    const m = this.#metaOf(h.node);
    m.opens--;
    if (m.links <= 0 && m.opens <= 0) this.#fs.charge(-this.#contentBytes(h.node));
  }

  #dirOf(h: MemHandle): Record<string, FileDataEntry> {
    if (!this.#open.has(h)) throw 'bad-descriptor';
    if (h.node.dir === undefined) throw 'not-directory';
    return h.node.dir;
  }

  #child(dir: MemHandle, name: string): FileDataEntry {
    const entries = this.#dirOf(dir);
    if (!Object.hasOwn(entries, name)) throw 'no-entry';
    return entries[name]!;
  }

  #touchDir(dir: MemHandle): void {
    const m = this.#metaOf(dir.node);
    m.mtimeNs = m.ctimeNs = nowNs();
  }

  openRoot(hostPath: string): MemHandle {
    // A preopen the app did not seed is an empty directory, made on demand (like a scratch --dir).
    const node = this.#fs.dir(hostPath, true);
    if (node === undefined) throw 'not-directory';
    return this.#handle(node);
  }

  openAt(dir: MemHandle, name: string, how: OpenHow): MemHandle {
    const entries = this.#dirOf(dir);
    let node = Object.hasOwn(entries, name) ? entries[name] : undefined;
    if (node !== undefined && how.create && how.exclusive) throw 'exist';
    if (node === undefined) {
      if (!how.create) throw 'no-entry';
      if (how.directory) throw 'invalid';
      this.#fs.charge(entryBytes(name));
      node = putEntry(entries, name, { source: new Uint8Array(0) });
      this.#touchDir(dir);
    }
    if (node.symlink !== undefined) throw 'loop';
    if (how.directory && node.dir === undefined) throw 'not-directory';
    if (node.dir !== undefined && how.write) throw 'is-directory';
    if (how.truncate && node.dir === undefined) {
      this.#fs.charge(-this.#contentBytes(node));
      node.source = new Uint8Array(0);
      const m = this.#metaOf(node);
      m.mtimeNs = m.ctimeNs = nowNs();
    }
    return this.#handle(node);
  }

  reopen(h: MemHandle, how: OpenHow): MemHandle {
    if (!this.#open.has(h)) throw 'bad-descriptor';
    if (h.node.dir !== undefined && how.write) throw 'is-directory';
    return this.#handle(h.node);
  }

  openDirStep(dir: MemHandle, name: string): MemHandle {
    const node = this.#child(dir, name);
    if (node.symlink !== undefined) throw 'loop';
    if (node.dir === undefined) throw 'not-directory';
    return this.#handle(node);
  }

  statAt(dir: MemHandle, name: string): FileStat {
    return this.#stat(this.#child(dir, name));
  }

  readlinkAt(dir: MemHandle, name: string): string {
    const node = this.#child(dir, name);
    if (node.symlink === undefined) throw 'invalid';
    return node.symlink;
  }

  mkdirAt(dir: MemHandle, name: string): void {
    const entries = this.#dirOf(dir);
    if (Object.hasOwn(entries, name)) throw 'exist';
    this.#fs.charge(entryBytes(name));
    putEntry(entries, name, { dir: {} });
    this.#touchDir(dir);
  }

  rmdirAt(dir: MemHandle, name: string): void {
    const node = this.#child(dir, name);
    if (node.dir === undefined) throw 'not-directory';
    if (Object.keys(node.dir).length > 0) throw 'not-empty';
    delete this.#dirOf(dir)[name];
    this.#fs.charge(-entryBytes(name));
    this.#touchDir(dir);
  }

  unlinkAt(dir: MemHandle, name: string): void {
    const node = this.#child(dir, name);
    if (node.dir !== undefined) throw 'is-directory';
    delete this.#dirOf(dir)[name];
    this.#fs.charge(-entryBytes(name));
    this.#unlinked(node);
    this.#touchDir(dir);
  }

  renameAt(dir: MemHandle, name: string, toDir: MemHandle, toName: string): void {
    const node = this.#child(dir, name);
    const to = this.#dirOf(toDir);
    const existing = Object.hasOwn(to, toName) ? to[toName] : undefined;
    if (existing === node) return;
    if (node.dir !== undefined && this.#contains(node, toDir.node)) throw 'invalid';
    if (existing !== undefined) {
      if (existing.dir !== undefined && node.dir === undefined) throw 'is-directory';
      if (existing.dir === undefined && node.dir !== undefined) throw 'not-directory';
      if (existing.dir !== undefined && Object.keys(existing.dir).length > 0) throw 'not-empty';
    }
    // The new name is charged first (refusal leaves the tree as it was); the replaced entry and
    // the old name are freed after.
    this.#fs.charge(entryBytes(toName));
    delete this.#dirOf(dir)[name];
    this.#fs.charge(-entryBytes(name));
    if (existing !== undefined) {
      this.#fs.charge(-entryBytes(toName));
      if (existing.dir === undefined) this.#unlinked(existing);
    }
    putEntry(to, toName, node);
    this.#touchDir(dir);
    this.#touchDir(toDir);
  }

  /** Whether `inner` is `outer` or lies below it (a directory cannot move into itself). */
  #contains(outer: FileDataEntry, inner: FileDataEntry): boolean {
    if (outer === inner) return true;
    for (const child of Object.values(outer.dir ?? {})) if (child.dir !== undefined && this.#contains(child, inner)) return true;
    return false;
  }

  linkAt(dir: MemHandle, name: string, toDir: MemHandle, toName: string): void {
    const node = this.#child(dir, name);
    if (node.dir !== undefined) throw 'not-permitted';
    const to = this.#dirOf(toDir);
    if (Object.hasOwn(to, toName)) throw 'exist';
    this.#fs.charge(entryBytes(toName));
    this.#metaOf(node).links++;
    putEntry(to, toName, node);
    this.#touchDir(toDir);
  }

  symlinkAt(target: string, dir: MemHandle, name: string): void {
    const entries = this.#dirOf(dir);
    if (Object.hasOwn(entries, name)) throw 'exist';
    this.#fs.charge(entryBytes(name) + target.length * 2);
    putEntry(entries, name, { symlink: target });
    this.#touchDir(dir);
  }

  setTimesAt(dir: MemHandle, name: string, atime: NewTimestamp, mtime: NewTimestamp): void {
    this.#setTimes(this.#child(dir, name), atime, mtime);
  }

  stat(h: MemHandle): FileStat {
    if (!this.#open.has(h)) throw 'bad-descriptor';
    return this.#stat(h.node);
  }

  typeOf(h: MemHandle): DescriptorType {
    if (!this.#open.has(h)) throw 'bad-descriptor';
    return typeOf(h.node);
  }

  #stat(n: FileDataEntry): FileStat {
    const m = this.#metaOf(n);
    const dt = (ns: bigint) => ({ seconds: ns / NS_PER_S, nanoseconds: Number(ns % NS_PER_S) });
    return {
      type: typeOf(n),
      linkCount: BigInt(Math.max(m.links, 0)),
      size: BigInt(n.dir !== undefined ? 0 : n.symlink !== undefined ? n.symlink.length : bytesOf(n).length),
      dataAccessTimestamp: dt(m.atimeNs),
      dataModificationTimestamp: dt(m.mtimeNs),
      statusChangeTimestamp: dt(m.ctimeNs),
      dev: 1n,
      ino: m.ino,
    };
  }

  read(h: MemHandle, length: number, offset: bigint): Uint8Array {
    if (!this.#open.has(h)) throw 'bad-descriptor';
    if (h.node.dir !== undefined) throw 'is-directory';
    const bytes = bytesOf(h.node);
    if (offset >= BigInt(bytes.length)) return new Uint8Array(0);
    const at = Number(offset);
    return bytes.slice(at, Math.min(bytes.length, at + length));
  }

  readInto(h: MemHandle, target: Uint8Array, offset: bigint): number {
    const bytes = this.read(h, target.length, offset);
    target.set(bytes);
    return bytes.length;
  }

  write(h: MemHandle, data: Uint8Array, offset: bigint | 'append'): number {
    if (!this.#open.has(h)) throw 'bad-descriptor';
    if (h.node.dir !== undefined) throw 'is-directory';
    const bytes = bytesOf(h.node);
    const at = offset === 'append' ? bytes.length : offset;
    const end = BigInt(at) + BigInt(data.length);
    if (end > BigInt(MEMORY_FS_MAX_FILE_BYTES)) throw 'file-too-large';
    const size = Math.max(bytes.length, Number(end));
    this.#fs.charge(size - bytes.length);
    const out = size === bytes.length ? bytes : grow(bytes, size);
    out.set(data, Number(at));
    h.node.source = out;
    const m = this.#metaOf(h.node);
    m.mtimeNs = m.ctimeNs = nowNs();
    return data.length;
  }

  setSize(h: MemHandle, size: bigint): void {
    if (!this.#open.has(h)) throw 'bad-descriptor';
    if (h.node.dir !== undefined) throw 'is-directory';
    if (size > BigInt(MEMORY_FS_MAX_FILE_BYTES)) throw 'file-too-large';
    const bytes = bytesOf(h.node);
    this.#fs.charge(Number(size) - bytes.length);
    h.node.source = Number(size) <= bytes.length ? bytes.slice(0, Number(size)) : grow(bytes, Number(size));
    const m = this.#metaOf(h.node);
    m.mtimeNs = m.ctimeNs = nowNs();
  }

  setTimes(h: MemHandle, atime: NewTimestamp, mtime: NewTimestamp): void {
    if (!this.#open.has(h)) throw 'bad-descriptor';
    this.#setTimes(h.node, atime, mtime);
  }

  #setTimes(n: FileDataEntry, atime: NewTimestamp, mtime: NewTimestamp): void {
    const m = this.#metaOf(n);
    const value = (t: NewTimestamp, keep: bigint): bigint => {
      if (t.tag === 'no-change') return keep;
      if (t.tag === 'now') return nowNs();
      if (!Number.isInteger(t.val.nanoseconds) || t.val.nanoseconds < 0 || t.val.nanoseconds >= 1e9) throw 'invalid';
      return t.val.seconds * NS_PER_S + BigInt(t.val.nanoseconds);
    };
    m.atimeNs = value(atime, m.atimeNs);
    m.mtimeNs = value(mtime, m.mtimeNs);
    m.ctimeNs = nowNs();
  }

  sync(h: MemHandle): void {
    if (!this.#open.has(h)) throw 'bad-descriptor';
  }

  syncData(h: MemHandle): void {
    this.sync(h);
  }

  list(h: MemHandle): DirListing {
    const entries = this.#dirOf(h);
    const listing = this.#handle(h.node);
    // Names now; each is looked up when reached, so an entry removed meanwhile is skipped.
    const names = Object.keys(entries);
    let i = 0;
    const open = this.#open;
    return {
      next: () => {
        if (!open.has(listing)) return undefined;
        while (i < names.length) {
          const name = names[i++]!;
          const node = Object.hasOwn(entries, name) ? entries[name] : undefined;
          if (node !== undefined) return { name, type: typeOf(node) };
        }
        return undefined;
      },
      close: () => this.#released(listing),
    };
  }

  close(h: MemHandle): void {
    this.#released(h);
  }

  closeAll(): void {
    this.#closed = true;
    for (const h of [...this.#open]) this.#released(h as MemHandle);
  }
}

function grow(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(bytes.subarray(0, Math.min(bytes.length, size)));
  return out;
}

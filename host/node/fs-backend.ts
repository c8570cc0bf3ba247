/**
 * The Node backend of molt-wasm's own `wasi:filesystem` (host/gate/fs/): every handle is a
 * real host file descriptor, every call is synchronous on the calling thread (no worker round
 * trip), and every name is reached through the descriptor of its directory.
 *
 * How a name is reached beneath a descriptor without a stored path (docs/filesystem.md):
 * - Linux with the native addon (native/fsat, fs-native.ts): the hot calls are the system
 *   calls themselves on the held descriptor: openat(N, name, O_NOFOLLOW|O_CLOEXEC|...) (the
 *   new descriptor's type is asked with fstat only when something needs it), fstatat(N, name,
 *   AT_SYMLINK_NOFOLLOW), fstat, pread, close. The rest (mkdir, rename, readlink, ...) goes
 *   through `/proc/self/fd/N/name` as below, which is as race-free, only slower.
 * - Linux without it (not built, or MOLT_WASM_NO_NATIVE_FS=1): `/proc/self/fd/N/name`. The
 *   kernel follows the magic link `/proc/self/fd/N` to the open directory itself, not to a
 *   path, so a rename of that directory or a symlink put where it was changes nothing; the
 *   final name is opened with O_NOFOLLOW (a symlink there is `loop`, and resolve.ts reads it
 *   and walks it inside the sandbox). Walk steps are O_PATH. Race-free with plain `node:fs`
 *   (Node has no `openat`), at the cost of a /proc lookup per call.
 * - elsewhere (macOS, BSDs): each descriptor keeps the host path it was opened by, and before
 *   every use the path is checked to still name the same directory (device and inode against
 *   `fstat` of the held descriptor): a held handle re-pointed by rename and symlink is refused
 *   (`no-entry`), but a second process racing between that check and the call is not stopped.
 */
import * as fs from 'node:fs';
import type { DescriptorType, DirListing, FileStat, FsBackend, NewTimestamp, OpenHow } from '../gate/fs/backend.js';
import { fsErrorCode, fsErrorCodeOfErrno } from './fs-errors.js';
import { fsNative, STAT_SLOTS, type FsatAddon } from './fs-native.js';
import { createTimeSetter } from './set-times.js';

const C = fs.constants;
/** O_PATH (Linux only; not in Node's constants): a handle for walking and stat, no read permission needed. */
const O_PATH = 0o10000000;
const PROC_FD = process.platform === 'linux' && fs.existsSync('/proc/self/fd') ? '/proc/self/fd/' : null;

// Made on first use: loading the native addon (dlopen) is start-up cost most runs never need.
let timeSetter: ReturnType<typeof createTimeSetter> | undefined;
const setTimes = (...args: Parameters<ReturnType<typeof createTimeSetter>['set']>): void =>
  (timeSetter ??= createTimeSetter()).set(...args);

const NS_PER_S = 1_000_000_000n;

function typeOfMode(mode: bigint | number): DescriptorType {
  switch (Number(mode) & C.S_IFMT) {
    case C.S_IFREG:
      return 'regular-file';
    case C.S_IFDIR:
      return 'directory';
    case C.S_IFLNK:
      return 'symbolic-link';
    case C.S_IFCHR:
      return 'character-device';
    case C.S_IFBLK:
      return 'block-device';
    case C.S_IFIFO:
      return 'fifo';
    case C.S_IFSOCK:
      return 'socket';
    default:
      return 'unknown';
  }
}

/** A stat the addon wrote (STAT_SLOTS: dev, ino, mode, nlink, size, then s/ns of atime, mtime, ctime). */
function statOfSlots(s: BigInt64Array): FileStat {
  return {
    type: typeOfMode(Number(s[2])),
    linkCount: s[3]!,
    size: s[4]!,
    dataAccessTimestamp: { seconds: s[5]!, nanoseconds: Number(s[6]) },
    dataModificationTimestamp: { seconds: s[7]!, nanoseconds: Number(s[8]) },
    statusChangeTimestamp: { seconds: s[9]!, nanoseconds: Number(s[10]) },
    dev: BigInt.asUintN(64, s[0]!),
    ino: BigInt.asUintN(64, s[1]!),
  };
}

function datetime(ns: bigint): { seconds: bigint; nanoseconds: number } {
  let s = ns / NS_PER_S;
  let n = ns % NS_PER_S;
  if (n < 0n) {
    s -= 1n;
    n += NS_PER_S;
  }
  return { seconds: s, nanoseconds: Number(n) };
}

function toStat(s: fs.BigIntStats): FileStat {
  return {
    type: typeOfMode(s.mode),
    linkCount: s.nlink,
    size: s.size,
    dataAccessTimestamp: datetime(s.atimeNs),
    dataModificationTimestamp: datetime(s.mtimeNs),
    statusChangeTimestamp: datetime(s.ctimeNs),
    dev: s.dev,
    ino: s.ino,
  };
}

function openFlags(how: OpenHow): number {
  let f = how.read && how.write ? C.O_RDWR : how.write ? C.O_WRONLY : C.O_RDONLY;
  if (how.create) f |= C.O_CREAT;
  if (how.exclusive) f |= C.O_EXCL;
  if (how.truncate) f |= C.O_TRUNC;
  if (how.directory) f |= C.O_DIRECTORY;
  if (how.sync === 'file') f |= C.O_SYNC;
  else if (how.sync === 'data') f |= C.O_DSYNC;
  return f;
}

/** Runs a `node:fs` call, turning what it throws into an error-code string. */
function sys<T>(call: () => T): T {
  try {
    return call();
  } catch (e) {
    throw fsErrorCode(e);
  }
}

export interface NodeFsBackendOptions {
  /** Host handles the guest may hold at once; past it opens fail `insufficient-memory`. */
  readonly maxOpenFiles: number;
  /**
   * The native addon to reach names with (default: `fsNative()`, the built one on Linux unless
   * MOLT_WASM_NO_NATIVE_FS=1); null for the `/proc/self/fd` way. Used only where /proc is.
   */
  readonly native?: FsatAddon | null | undefined;
}

export class NodeFsBackend implements FsBackend<number> {
  readonly #max: number;
  readonly #open = new Set<number>();
  /** Listings are Node `Dir`s: no descriptor number to record, counted against the limit. */
  readonly #dirs = new Set<fs.Dir>();
  /** Non-Linux only: the host path each descriptor was opened by. */
  readonly #paths = new Map<number, string>();
  #closed = false;
  /** The addon, when names are reached with openat (Linux, built, not turned off). */
  readonly #native: FsatAddon | null;
  /**
   * With the addon: the descriptors it opened (by fd number), each with its type once known.
   * `null`: not asked yet. An open does not fstat (a guest that opens, reads and closes a file
   * never needs the type, and each system call costs ~2 us here); O_DIRECTORY opens are
   * directories by construction. `undefined`: not the addon's (node:fs closes those).
   */
  readonly #types: Array<DescriptorType | null | undefined> = [];
  /** With the addon: where fstat and fstatat write (one per backend; read at once, never kept). */
  readonly #statOut = new BigInt64Array(STAT_SLOTS);

  constructor(options: NodeFsBackendOptions) {
    this.#max = options.maxOpenFiles;
    this.#native = PROC_FD === null ? null : options.native === undefined ? fsNative() : options.native;
  }

  /** How names beneath a descriptor are reached: the addon's openat, `/proc/self/fd/N/`, or checked host paths. */
  get via(): 'openat' | 'proc' | 'path' {
    return this.#native !== null ? 'openat' : PROC_FD !== null ? 'proc' : 'path';
  }

  /** Refuses a new handle past the guest's limit (or after closeAll). */
  #reserve(): void {
    if (this.#closed) throw 'bad-descriptor';
    if (this.#open.size + this.#dirs.size >= this.#max) throw 'insufficient-memory';
  }

  /** Opens with `open`, counting against the limit. */
  #track(open: () => number, hostPath: string | undefined): number {
    this.#reserve();
    const fd = sys(open);
    this.#open.add(fd);
    if (PROC_FD === null && hostPath !== undefined) this.#paths.set(fd, hostPath);
    return fd;
  }

  /** The host path of `name` beneath the directory descriptor `dir`, reached through the descriptor. */
  #child(dir: number, name: string): string {
    // On Windows `\` and `:` would be separators or drive letters: never a name's part there.
    if (process.platform === 'win32' && /[\\:]/.test(name)) throw 'not-permitted';
    if (PROC_FD !== null) return PROC_FD + dir + '/' + name;
    return this.#verifiedPath(dir) + '/' + name;
  }

  /** The descriptor itself as a path (Linux: its magic link). */
  #self(h: number): string {
    return PROC_FD !== null ? PROC_FD + h : this.#verifiedPath(h);
  }

  #verifiedPath(fd: number): string {
    const path = this.#paths.get(fd);
    if (path === undefined) throw 'bad-descriptor';
    const held = sys(() => fs.fstatSync(fd, { bigint: true }));
    let now: fs.BigIntStats;
    try {
      now = fs.lstatSync(path, { bigint: true });
    } catch {
      throw 'no-entry';
    }
    // Moved away, or something else put in its place: never follow the old path.
    if (now.dev !== held.dev || now.ino !== held.ino) throw 'no-entry';
    return path;
  }

  openRoot(hostPath: string): number {
    return this.#track(() => fs.openSync(hostPath, C.O_RDONLY | C.O_DIRECTORY), hostPath);
  }

  openAt(dir: number, name: string, how: OpenHow): number {
    const native = this.#native;
    if (native !== null) {
      this.#reserve();
      // The addon adds O_NOFOLLOW, O_CLOEXEC and O_NOCTTY itself; O_NONBLOCK as below.
      const fd = native.openat(dir, name, openFlags(how) | C.O_NONBLOCK, 0o666);
      if (fd < 0) {
        const e = fsErrorCodeOfErrno(fd);
        if (e === 'not-directory' && how.directory && this.statAt(dir, name).type === 'symbolic-link') throw 'loop';
        throw e;
      }
      this.#open.add(fd);
      this.#types[fd] = how.directory ? 'directory' : null;
      return fd;
    }
    const path = this.#child(dir, name);
    this.#reserve();
    let fd: number;
    try {
      // O_NONBLOCK: a FIFO (or a device) in the grant would otherwise block open(2) on the
      // guest's thread, out of --timeout's reach; on regular files and directories it changes nothing.
      fd = fs.openSync(path, openFlags(how) | C.O_NOFOLLOW | C.O_NONBLOCK, 0o666);
    } catch (thrown) {
      const e = fsErrorCode(thrown);
      // O_DIRECTORY|O_NOFOLLOW on a symlink is ENOTDIR on Linux; POSIX (and WASI) say ELOOP.
      if (e === 'not-directory' && how.directory && this.statAt(dir, name).type === 'symbolic-link') throw 'loop';
      throw e;
    }
    // What #track does, written out: this is every guest open's path.
    this.#open.add(fd);
    if (PROC_FD === null) this.#paths.set(fd, path);
    return fd;
  }

  reopen(h: number, how: OpenHow): number {
    const path = this.#self(h);
    // The magic link is followed on purpose: it is the open object itself.
    return this.#track(() => fs.openSync(path, openFlags(how)), PROC_FD === null ? path : undefined);
  }

  openDirStep(dir: number, name: string): number {
    const native = this.#native;
    if (native !== null) {
      this.#reserve();
      const fd = native.openat(dir, name, native.O_PATH | C.O_DIRECTORY, 0);
      if (fd < 0) throw fsErrorCodeOfErrno(fd);
      this.#open.add(fd);
      this.#types[fd] = 'directory';
      return fd;
    }
    const path = this.#child(dir, name);
    const flags = (PROC_FD !== null ? O_PATH : C.O_RDONLY) | C.O_DIRECTORY | C.O_NOFOLLOW;
    return this.#track(() => fs.openSync(path, flags), path);
  }

  statAt(dir: number, name: string): FileStat {
    const native = this.#native;
    if (native !== null) {
      const r = native.fstatat(dir, name, this.#statOut);
      if (r < 0) throw fsErrorCodeOfErrno(r);
      return statOfSlots(this.#statOut);
    }
    const path = this.#child(dir, name);
    return toStat(sys(() => fs.lstatSync(path, { bigint: true })));
  }

  readlinkAt(dir: number, name: string): string {
    const path = this.#child(dir, name);
    return sys(() => fs.readlinkSync(path, 'utf8'));
  }

  mkdirAt(dir: number, name: string): void {
    const path = this.#child(dir, name);
    sys(() => fs.mkdirSync(path, 0o777));
  }

  rmdirAt(dir: number, name: string): void {
    const path = this.#child(dir, name);
    sys(() => fs.rmdirSync(path));
  }

  unlinkAt(dir: number, name: string): void {
    const path = this.#child(dir, name);
    sys(() => fs.unlinkSync(path));
  }

  renameAt(dir: number, name: string, toDir: number, toName: string): void {
    const from = this.#child(dir, name);
    const to = this.#child(toDir, toName);
    sys(() => fs.renameSync(from, to));
  }

  linkAt(dir: number, name: string, toDir: number, toName: string): void {
    // link(2) never follows a symlink at the source: the caller resolved it if asked to.
    const from = this.#child(dir, name);
    const to = this.#child(toDir, toName);
    sys(() => fs.linkSync(from, to));
  }

  symlinkAt(target: string, dir: number, name: string): void {
    const path = this.#child(dir, name);
    sys(() => fs.symlinkSync(target, path));
  }

  setTimesAt(dir: number, name: string, atime: NewTimestamp, mtime: NewTimestamp): void {
    setTimes(this.#child(dir, name), atime, mtime, false);
  }

  stat(h: number): FileStat {
    const native = this.#native;
    if (native !== null) {
      const r = native.fstat(h, this.#statOut);
      if (r < 0) throw fsErrorCodeOfErrno(r);
      return statOfSlots(this.#statOut);
    }
    return toStat(sys(() => fs.fstatSync(h, { bigint: true })));
  }

  typeOf(h: number): DescriptorType {
    const known = this.#types[h];
    if (known !== undefined && known !== null) return known;
    if (this.#native !== null) {
      const type = this.stat(h).type;
      // The type of an open descriptor never changes: asked once.
      if (known === null) this.#types[h] = type;
      return type;
    }
    try {
      return typeOfMode(fs.fstatSync(h).mode);
    } catch (e) {
      throw fsErrorCode(e);
    }
  }

  read(h: number, length: number, offset: bigint): Uint8Array {
    const buf = Buffer.allocUnsafe(length);
    const n = this.#native !== null ? this.readInto(h, buf, offset) : sys(() => fs.readSync(h, buf, 0, length, offset));
    return n === length ? buf : buf.subarray(0, n);
  }

  readInto(h: number, target: Uint8Array, offset: bigint): number {
    const native = this.#native;
    if (native !== null) {
      const n = native.pread(h, target, offset);
      if (n < 0) throw fsErrorCodeOfErrno(n);
      return n;
    }
    try {
      return fs.readSync(h, target, 0, target.length, offset);
    } catch (e) {
      throw fsErrorCode(e);
    }
  }

  write(h: number, bytes: Uint8Array, offset: bigint | 'append'): number {
    const start = offset === 'append' ? sys(() => fs.fstatSync(h, { bigint: true })).size : offset;
    if (start + BigInt(bytes.length) > BigInt(Number.MAX_SAFE_INTEGER)) throw 'file-too-large';
    let at = Number(start);
    let done = 0;
    while (done < bytes.length) {
      const n = sys(() => fs.writeSync(h, bytes, done, bytes.length - done, at));
      if (n === 0) throw 'io';
      done += n;
      at += n;
    }
    return done;
  }

  setSize(h: number, size: bigint): void {
    if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw 'file-too-large';
    sys(() => fs.ftruncateSync(h, Number(size)));
  }

  setTimes(h: number, atime: NewTimestamp, mtime: NewTimestamp): void {
    // The magic link (Linux) names the open object itself; following it is the point.
    setTimes(this.#self(h), atime, mtime, true);
  }

  sync(h: number): void {
    sys(() => fs.fsyncSync(h));
  }

  syncData(h: number): void {
    sys(() => fs.fdatasyncSync(h));
  }

  list(h: number): DirListing {
    this.#reserve();
    const path = this.#self(h);
    // A new open of the directory: its own position, read in small batches (bounded memory).
    const dir = sys(() => fs.opendirSync(path, { bufferSize: 32 }));
    this.#dirs.add(dir);
    const dirs = this.#dirs;
    let open = true;
    return {
      next() {
        if (!open) return undefined;
        const e = sys(() => dir.readSync());
        if (e === null) return undefined;
        return { name: e.name, type: direntType(e) };
      },
      close() {
        if (!open) return;
        open = false;
        dirs.delete(dir);
        try {
          dir.closeSync();
        } catch {
          // already closed by closeAll
        }
      },
    };
  }

  close(h: number): void {
    if (!this.#open.delete(h)) return;
    this.#paths.delete(h);
    const native = this.#native;
    // Only what the addon opened (those have a type recorded) is closed by it: node:fs keeps
    // its own record of what it opened in a worker, and must close those itself.
    if (native !== null && this.#types[h] !== undefined) {
      this.#types[h] = undefined;
      // Whatever it answers, the descriptor is gone (Linux releases it even on EINTR).
      native.close(h);
      return;
    }
    try {
      fs.closeSync(h);
    } catch {
      // nothing to do: it is gone either way
    }
  }

  closeAll(): void {
    this.#closed = true;
    for (const fd of [...this.#open]) this.close(fd);
    for (const d of this.#dirs) {
      try {
        d.closeSync();
      } catch {
        // already closed
      }
    }
    this.#dirs.clear();
  }
}

function direntType(e: fs.Dirent): DescriptorType {
  if (e.isFile()) return 'regular-file';
  if (e.isDirectory()) return 'directory';
  if (e.isSymbolicLink()) return 'symbolic-link';
  if (e.isCharacterDevice()) return 'character-device';
  if (e.isBlockDevice()) return 'block-device';
  if (e.isFIFO()) return 'fifo';
  if (e.isSocket()) return 'socket';
  return 'unknown';
}

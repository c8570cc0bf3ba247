/**
 * The filesystem primitives a platform supplies to molt-wasm's own `wasi:filesystem` (SPEC
 * section 5). Every path-taking primitive takes a directory handle and ONE name (no `/`, never
 * `.` or `..`, never empty) and never follows a symlink at that name: walking paths, `..` and
 * symlinks is done above this layer, beneath a held handle, by resolve.ts (the algorithm of
 * cap-std's manual resolution, which Wasmtime uses). So a platform only has to make "this name
 * in this directory" race-free (Linux: `/proc/self/fd/N/name` with O_NOFOLLOW), and confinement
 * never rests on a stored host path string.
 *
 * Errors are thrown as `wasi:filesystem/types` error-code strings (`'no-entry'`, `'loop'`, ...).
 * Platform-neutral: Node (host/node/fs-backend.ts) and the browser's in-memory tree
 * (host/browser/memory-backend.ts) implement it with the same names and signatures.
 */

/** `wasi:filesystem/types#descriptor-type`. */
export type DescriptorType =
  'unknown' | 'block-device' | 'character-device' | 'directory' | 'fifo' | 'symbolic-link' | 'regular-file' | 'socket';

/** `wasi:clocks/wall-clock#datetime`. */
export interface Datetime {
  readonly seconds: bigint;
  readonly nanoseconds: number;
}

/** What a stat returns, in WASI terms plus the identity (device, inode) for hashes and sameness. */
export interface FileStat {
  readonly type: DescriptorType;
  readonly linkCount: bigint;
  readonly size: bigint;
  readonly dataAccessTimestamp: Datetime | undefined;
  readonly dataModificationTimestamp: Datetime | undefined;
  readonly statusChangeTimestamp: Datetime | undefined;
  readonly dev: bigint;
  readonly ino: bigint;
}

/** `wasi:filesystem/types#new-timestamp`. */
export type NewTimestamp = { readonly tag: 'no-change' } | { readonly tag: 'now' } | { readonly tag: 'timestamp'; readonly val: Datetime };

/** How to open one name (the union of open-flags and descriptor-flags that reach the OS). */
export interface OpenHow {
  readonly read: boolean;
  readonly write: boolean;
  readonly create: boolean;
  readonly exclusive: boolean;
  readonly truncate: boolean;
  /** Must be a directory (open-flags.directory, or a walk step). */
  readonly directory: boolean;
  readonly sync?: 'file' | 'data' | undefined;
}

/** One directory entry (`.` and `..` are never listed). */
export interface DirEntry {
  readonly name: string;
  readonly type: DescriptorType;
}

/** An open listing; `next()` gives `undefined` at the end. */
export interface DirListing {
  next(): DirEntry | undefined;
  close(): void;
}

/**
 * One guest's view of a platform filesystem: it owns every host handle it hands out, counts
 * them against a limit, and closes whatever is still open when the guest ends (`closeAll`).
 * `H` is the platform's handle (a Node file descriptor, a node of the in-memory tree).
 */
export interface FsBackend<H> {
  /** Opens a preopen's host directory. Throws `no-entry` / `not-directory` when it is missing. */
  openRoot(hostPath: string): H;

  /** `name` in `dir`, never following a symlink there (a symlink: `loop`). Counts against the limit. */
  openAt(dir: H, name: string, how: OpenHow): H;
  /** A new handle on the object `h` is open on, opened as `how` says (a directory named by `.` or `a/`). */
  reopen(h: H, how: OpenHow): H;
  /** A directory step of a walk: like openAt with `directory`, but may be cheaper (O_PATH). */
  openDirStep(dir: H, name: string): H;
  /** lstat of `name` in `dir`. */
  statAt(dir: H, name: string): FileStat;
  readlinkAt(dir: H, name: string): string;
  mkdirAt(dir: H, name: string): void;
  rmdirAt(dir: H, name: string): void;
  unlinkAt(dir: H, name: string): void;
  renameAt(dir: H, name: string, toDir: H, toName: string): void;
  linkAt(dir: H, name: string, toDir: H, toName: string): void;
  symlinkAt(target: string, dir: H, name: string): void;
  /** Sets the times of `name` itself (a symlink's own times when it is one). */
  setTimesAt(dir: H, name: string, atime: NewTimestamp, mtime: NewTimestamp): void;

  stat(h: H): FileStat;
  /** Only the type of what `h` is open on (cheaper than a whole stat: every open asks it). */
  typeOf(h: H): DescriptorType;
  /** Reads at most `length` bytes at `offset`; an empty result is the end of the file. */
  read(h: H, length: number, offset: bigint): Uint8Array;
  /** Reads into `target` (at most its length) at `offset`; returns the count, 0 at the end of the file. */
  readInto(h: H, target: Uint8Array, offset: bigint): number;
  /** Writes all of `bytes` at `offset` (or at the end when `offset` is `'append'`); returns the count. */
  write(h: H, bytes: Uint8Array, offset: bigint | 'append'): number;
  setSize(h: H, size: bigint): void;
  setTimes(h: H, atime: NewTimestamp, mtime: NewTimestamp): void;
  sync(h: H): void;
  syncData(h: H): void;
  /** A listing of a directory handle; counts against the limit until closed. */
  list(h: H): DirListing;
  close(h: H): void;

  /** Closes every handle still open. The backend is unusable afterwards. */
  closeAll(): void;
}

/** Every `wasi:filesystem/types#error-code` case, for mapping and validation. */
export const FS_ERROR_CODES: ReadonlySet<string> = new Set([
  'access',
  'would-block',
  'already',
  'bad-descriptor',
  'busy',
  'deadlock',
  'quota',
  'exist',
  'file-too-large',
  'illegal-byte-sequence',
  'in-progress',
  'interrupted',
  'invalid',
  'io',
  'is-directory',
  'loop',
  'too-many-links',
  'message-size',
  'name-too-long',
  'no-device',
  'no-entry',
  'no-lock',
  'insufficient-memory',
  'insufficient-space',
  'not-directory',
  'not-empty',
  'not-recoverable',
  'unsupported',
  'no-tty',
  'no-such-device',
  'overflow',
  'not-permitted',
  'pipe',
  'read-only',
  'invalid-seek',
  'text-file-busy',
  'cross-device',
]);

/** Default for the number of host handles one guest may hold at once (`maxOpenFiles`). */
export const DEFAULT_MAX_OPEN_FILES = 256;

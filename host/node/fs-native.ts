/**
 * The optional native addon `native/fsat` (built by node-gyp at install, like native/utimens):
 * openat(2), fstatat(2), fstat(2), pread(2) and close(2) on descriptors, for the Node backend
 * (fs-backend.ts). Node has no `openat`; without the addon a name beneath a held directory
 * descriptor N is reached as `/proc/self/fd/N/name`, which is as race-free but costs a /proc
 * lookup and Node's per-call JavaScript on every open (docs/filesystem.md, docs/benchmarks.md).
 *
 * The addon takes ONE name (no `/`, `.`, `..` or NUL: EINVAL), never follows a symlink there
 * (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW), never takes AT_FDCWD, and opens O_CLOEXEC. It returns a
 * negative errno instead of throwing; `fsErrorCodeOfErrno` maps it like any node:fs error.
 *
 * Linux only (elsewhere the backend keeps its checked host paths for every call, so one
 * openat would not make the rest race-free). `MOLT_WASM_NO_NATIVE_FS=1` makes the backend
 * use the `/proc/self/fd` way even when the addon is built: the tests run the confinement
 * suite both ways.
 */
import { loadNativeAddon } from './native-addon.js';

/** The addon's exports (native/fsat/src/fsat.c). */
export interface FsatAddon {
  /** The new descriptor, or -errno (no fstat: the caller asks the type when it needs it). */
  openat(dirfd: number, name: string, flags: number, mode: number): number;
  /** lstat of `name` in `dirfd` into `out` (STAT_SLOTS): 0 or -errno. */
  fstatat(dirfd: number, name: string, out: BigInt64Array): number;
  fstat(fd: number, out: BigInt64Array): number;
  /** Bytes read into `into` (0 at the end of the file), or -errno. */
  pread(fd: number, into: Uint8Array, position: bigint): number;
  /** 0 or -errno; only a descriptor the addon opened in this thread (else -EBADF). */
  close(fd: number): number;
  readonly O_PATH: number;
}

/** The slots of a stat output array: dev, ino, mode, nlink, size, then (s, ns) for atime, mtime, ctime. */
export const STAT_SLOTS = 11;

/** The addon as built, whatever the environment says (null when it was not built). */
export function loadFsatAddon(): FsatAddon | null {
  return loadNativeAddon<FsatAddon>('fsat', (a) => typeof a.openat === 'function' && typeof a.pread === 'function');
}

let chosen: FsatAddon | null | undefined;

/**
 * The addon the Node backend uses: the built one on Linux, unless `MOLT_WASM_NO_NATIVE_FS=1`.
 * Loaded once per process, on the first filesystem a guest gets (dlopen is start-up cost).
 */
export function fsNative(): FsatAddon | null {
  if (chosen === undefined) {
    chosen = process.platform === 'linux' && process.env.MOLT_WASM_NO_NATIVE_FS !== '1' ? loadFsatAddon() : null;
  }
  return chosen;
}

/**
 * molt-wasm's own `wasi:filesystem` 0.2 (`types` and `preopens`) for one guest, on a
 * platform's FsBackend (SPEC section 5). Confinement is ours, not a library's:
 * - every descriptor holds a real host handle; every path is resolved beneath the handle it is
 *   relative to by resolve.ts (one component at a time, symlinks resolved inside the sandbox,
 *   `..` never above it), never by re-resolving a stored host path;
 * - the policy is checked at the guest path the walk really reached (after symlinks), for
 *   every method of a held descriptor and of the streams and listings made from it, live;
 * - `link-at` and `rename-at` need fs.read on the source as well as fs.write on both sides
 *   (moving a file is a way to read it); renaming or removing a directory that holds a deny
 *   rule is refused (`access`);
 * - the guest holds a bounded number of host handles (`insufficient-memory` past it), and all
 *   of them are closed when it ends (`disposeFilesystem`).
 * Platform-neutral.
 */
import { UsageError } from '../../errors.js';
import type { Gate } from '../gate.js';
import type { PreopenPlan } from '../preopens.js';
import type { WasiImportsPart, WasiPlatform } from '../types.js';
import type {
  Advice,
  DescriptorFlags,
  DescriptorStat,
  DescriptorType,
  DirectoryEntry,
  FilesystemErrorCode,
  InputStream,
  MetadataHashValue,
  OpenFlags,
  OutputStream,
  PathFlags,
} from '../wasi.js';
import { FS_ERROR_CODES, type FileStat, type FsBackend, type NewTimestamp, type OpenHow } from './backend.js';
import { joinGuestName, joinGuestPath, OpenFiles, type OpenFile } from './open-files.js';
import { AllowedPaths } from './allowed-paths.js';
import { isPlainName, PathEscape, release, resolveBeneath, type Resolved } from './resolve.js';
import { createFileStreamClasses, FS_MAX_IO_BYTES } from './streams.js';

const T = 'wasi:filesystem/types';
type Cap = 'fs.read' | 'fs.write';
const READ: readonly Cap[] = ['fs.read'];
const WRITE: readonly Cap[] = ['fs.write'];
const READ_WRITE: readonly Cap[] = ['fs.write', 'fs.read'];

/**
 * Whether a path asks for a directory at its end (`a/`, `a/.`): such a path follows a final
 * symlink whatever the flags say, as POSIX does (cap-primitives GHSA-vqjp-4c8c-hfgg was a
 * trailing slash that skipped the sandbox check; here it takes the same walk as any follow).
 */
function endsAsDirectory(path: string): boolean {
  let end = path.length;
  while (end > 0) {
    if (path.charCodeAt(end - 1) === 0x2f) end--;
    else if (path.charCodeAt(end - 1) === 0x2e && (end === 1 || path.charCodeAt(end - 2) === 0x2f)) end--;
    else break;
  }
  return end < path.length && end > 0;
}

function follows(flags: PathFlags, path: string): boolean {
  return !!flags.symlinkFollow || endsAsDirectory(path);
}

/**
 * `path` below the guest path `base`, normalised lexically (`.`, `//` dropped, `..` popped),
 * or null when it is absolute or climbs above `base` (the walk refuses those anyway).
 */
export function lexicalGuestPath(base: string, path: string): string | null {
  if (path.length === 0 || path.charCodeAt(0) === 0x2f) return null;
  // The common case (every open of a file in the directory): one plain name, nothing to split.
  if (isPlainName(path)) return joinGuestName(base, path);
  const segments: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (segments.pop() === undefined) return null;
    } else segments.push(part);
  }
  return joinGuestPath(base, segments);
}

/** Whether `v` is one of `wasi:filesystem/types` error-code's names (an `io/error` payload). */
function isFsErrorCode(v: unknown): v is FilesystemErrorCode {
  return typeof v === 'string' && FS_ERROR_CODES.has(v);
}

/** Linux's PATH_MAX: a UTF-16 length above it is more UTF-8 bytes than any syscall accepts. */
const MAX_PATH_LENGTH = 4096;

const ADVICE = new Set(['normal', 'sequential', 'random', 'will-need', 'dont-need', 'no-reuse']);

/** How a preopen below a `--dir` mapping is opened once the walk reached it: a directory, for reading. */
const PREOPEN_HOW: OpenHow = Object.freeze({
  read: true,
  write: false,
  create: false,
  exclusive: false,
  truncate: false,
  directory: true,
  sync: undefined,
});

/** OpenHow records by their fields' bits: every open of the same kind shares one (frozen). */
const OPEN_HOWS = new Map<number, OpenHow>();

/** How the backend opens, from the guest's open-flags and descriptor-flags. */
function openHow(dflags: DescriptorFlags, open: OpenFlags): OpenHow {
  const read = !!dflags.read || !dflags.write;
  const write = !!dflags.write;
  const sync = dflags.fileIntegritySync ? 'file' : dflags.dataIntegritySync ? 'data' : undefined;
  const key =
    (read ? 1 : 0) |
    (write ? 2 : 0) |
    (open.create ? 4 : 0) |
    (open.exclusive ? 8 : 0) |
    (open.truncate ? 16 : 0) |
    (open.directory ? 32 : 0) |
    (sync === 'file' ? 64 : sync === 'data' ? 128 : 0);
  let how = OPEN_HOWS.get(key);
  if (how === undefined) {
    how = Object.freeze({
      read,
      write,
      create: !!open.create,
      exclusive: !!open.exclusive,
      truncate: !!open.truncate,
      directory: !!open.directory,
      sync,
    });
    OPEN_HOWS.set(key, how);
  }
  return how;
}

/** The 0.2 `descriptor-stat` record (no identity fields). */
function wasiStat(s: FileStat): DescriptorStat {
  return {
    type: s.type,
    linkCount: s.linkCount,
    size: s.size,
    // WIT options: an absent timestamp is `none` (jco lowers a missing field as none).
    ...(s.dataAccessTimestamp === undefined ? {} : { dataAccessTimestamp: s.dataAccessTimestamp }),
    ...(s.dataModificationTimestamp === undefined ? {} : { dataModificationTimestamp: s.dataModificationTimestamp }),
    ...(s.statusChangeTimestamp === undefined ? {} : { statusChangeTimestamp: s.statusChangeTimestamp }),
  };
}

/** `metadata-hash`: the identity of the object (device, inode), as Wasmtime derives it. */
function metadataHash(s: FileStat): MetadataHashValue {
  return { upper: BigInt.asUintN(64, s.dev), lower: BigInt.asUintN(64, s.ino) };
}

export interface GatedFilesystemOptions {
  /** Host handles the guest may hold at once. Default DEFAULT_MAX_OPEN_FILES. */
  readonly maxOpenFiles?: number | undefined;
}

/** One guest's filesystem imports, and how to close every host handle it still holds. */
export interface GatedFilesystem {
  readonly imports: WasiImportsPart<'wasi:filesystem/types' | 'wasi:filesystem/preopens'>;
  /** Closes every host handle the guest holds (descriptors, streams, listings). Idempotent. */
  dispose(): void;
}

export function createGatedFilesystem(
  gate: Gate,
  platform: WasiPlatform,
  preopens: readonly PreopenPlan[],
  options: GatedFilesystemOptions = {},
): GatedFilesystem {
  const backend = platform.createFilesystemBackend({
    ...(options.maxOpenFiles !== undefined ? { maxOpenFiles: options.maxOpenFiles } : {}),
  }) as FsBackend<unknown>;
  const files = new OpenFiles<unknown>(backend);

  // Allowed (capability, path) pairs are remembered while the policy is unchanged, when no
  // decision has to be recorded or prompted (allowed-paths.ts): a revocation counts at once.
  const allowed = AllowedPaths.forGate(gate);

  /** Whether the live policy allows `cap` at `path` (the gate's answer, or its remembered `ok`). */
  function allows(cap: Cap, path: string, func: string): boolean {
    if (allowed === undefined) return gate.allows(cap, { kind: 'path', path }, T, func);
    const bit = cap === 'fs.read' ? AllowedPaths.READ : AllowedPaths.WRITE;
    if (allowed.has(path, bit)) return true;
    const generation = allowed.generation();
    if (!gate.allows(cap, { kind: 'path', path }, T, func)) return false;
    allowed.add(path, bit, generation);
    return true;
  }

  function check(cap: Cap, path: string, func: string): void {
    if (!allows(cap, path, func)) throw 'access';
  }

  /** `check` for a function with no error channel: a denial traps (CapabilityTrap, SPEC section 5). */
  function require(cap: Cap, path: string, func: string): void {
    if (allowed?.has(path, cap === 'fs.read' ? AllowedPaths.READ : AllowedPaths.WRITE) !== true)
      gate.require(cap, { kind: 'path', path }, T, func);
  }

  // Streams check every call with the same remembered answers (a stream read is asked at the
  // file's path on every call: the policy question costs more than the read).
  const streams = createFileStreamClasses(allows, platform);

  /** Refuses to rename or remove `path` when a deny rule lies at or below it (SPEC section 5). */
  function checkNoDenyWithin(path: string, func: string): void {
    for (const cap of WRITE.concat(READ)) {
      if (gate.deniesWithin(cap, path, T, func)) throw 'access';
    }
  }

  class Descriptor {
    readonly #file: OpenFile<unknown>;
    readonly #flags: DescriptorFlags;
    #open = true;

    constructor(file: OpenFile<unknown>, flags: DescriptorFlags) {
      this.#file = file;
      this.#flags = flags;
    }

    /** The host handle; `bad-descriptor` once the guest dropped this descriptor. */
    get #handle(): unknown {
      if (!this.#open) throw 'bad-descriptor';
      return this.#file.handle;
    }

    #ensureOpen(): void {
      if (!this.#open) throw 'bad-descriptor';
    }

    /**
     * Resolves `path` beneath this descriptor and checks every capability in `caps` at the
     * guest path reached. An escape is `not-permitted` (audited), a denial `access`. The
     * caller releases the result.
     */
    #resolve(caps: readonly Cap[], path: string, follow: boolean, func: string): { r: Resolved<unknown>; guest: string } {
      // Longer than any path the OS takes (PATH_MAX): refused before it is split, so a guest
      // cannot make the host allocate an array slot per component of a gigantic path.
      if (path.length > MAX_PATH_LENGTH) throw 'name-too-long';
      // First the path as written: a walk must not even look inside a place the guest may not
      // touch (a missing name there would answer no-entry, telling what exists).
      const written = lexicalGuestPath(this.#file.path, path);
      if (written !== null) for (const cap of caps) check(cap, written, func);
      let r: Resolved<unknown>;
      let refusedAt: string | undefined;
      try {
        const base = this.#file.path;
        r = resolveBeneath(backend, this.#handle, path, follow, (segments) => {
          const at = joinGuestPath(base, segments);
          if (gate.mayStepInto(caps, at)) return true;
          refusedAt = at;
          return false;
        });
      } catch (e) {
        if (e === 'access' && refusedAt !== undefined) gate.record(caps[0]!, T, func, refusedAt, false, 'missing');
        if (e instanceof PathEscape) {
          gate.recordEscape(caps[0]!, T, func, `${this.#file.path}/${path}`);
          throw 'not-permitted';
        }
        throw e;
      }
      // Then where the walk really arrived, after symlinks (when that is somewhere else).
      const guest = joinGuestPath(this.#file.path, r.segments);
      try {
        if (guest !== written) for (const cap of caps) check(cap, guest, func);
      } catch (e) {
        release(backend, r);
        throw e;
      }
      return { r, guest };
    }

    /** Runs `op` on a resolution and releases it afterwards. */
    #at<T>(caps: readonly Cap[], path: string, follow: boolean, func: string, op: (r: Resolved<unknown>, guest: string) => T): T {
      const { r, guest } = this.#resolve(caps, path, follow, func);
      try {
        return op(r, guest);
      } finally {
        release(backend, r);
      }
    }

    // --- on this descriptor ---
    readViaStream(offset: bigint): InputStream {
      check('fs.read', this.#file.path, 'descriptor.read-via-stream');
      this.#ensureOpen();
      return new streams.InputStream(this.#file, offset);
    }
    writeViaStream(offset: bigint): OutputStream {
      check('fs.write', this.#file.path, 'descriptor.write-via-stream');
      this.#ensureOpen();
      return new streams.OutputStream(this.#file, offset);
    }
    appendViaStream(): OutputStream {
      check('fs.write', this.#file.path, 'descriptor.append-via-stream');
      this.#ensureOpen();
      return new streams.OutputStream(this.#file, 'append');
    }
    advise(_offset: bigint, _length: bigint, advice: Advice): void {
      this.#ensureOpen();
      // Advice is a hint; Node has no posix_fadvise, and ignoring it is always correct.
      if (!ADVICE.has(advice)) throw 'invalid';
    }
    syncData(): void {
      backend.syncData(this.#handle);
    }
    sync(): void {
      backend.sync(this.#handle);
    }
    getFlags(): DescriptorFlags {
      this.#ensureOpen();
      return this.#flags;
    }
    /**
     * Not gated, on purpose (SPEC section 5 gates reads, stat, readdir and readlink with
     * fs.read; this is none of them): the type was settled when the descriptor was opened,
     * an open the policy allowed (fs.read, or fs.write for a write open), and that open's own
     * answers already tell it (`is-directory`, `not-directory`), as do fs.write's own calls
     * (`unlink-file-at` on a directory). No new host fact is read here about anything the
     * guest could not open. And preview1's `fd_fdstat_get`, which every libc calls on every
     * descriptor, asks it: gating it with fs.read would break write-only files.
     */
    getType(): DescriptorType {
      this.#ensureOpen();
      return this.#file.type;
    }
    setSize(size: bigint): void {
      check('fs.write', this.#file.path, 'descriptor.set-size');
      backend.setSize(this.#handle, size);
    }
    setTimes(atime: NewTimestamp, mtime: NewTimestamp): void {
      check('fs.write', this.#file.path, 'descriptor.set-times');
      backend.setTimes(this.#handle, atime, mtime);
    }
    read(length: bigint, offset: bigint): [Uint8Array, boolean] {
      check('fs.read', this.#file.path, 'descriptor.read');
      // Bounded per call: a guest asking for a gigabyte gets at most FS_MAX_IO_BYTES.
      const n = length > BigInt(FS_MAX_IO_BYTES) ? FS_MAX_IO_BYTES : Number(length);
      const bytes = backend.read(this.#handle, n, offset);
      return [bytes, n > 0 && bytes.length === 0];
    }
    /**
     * Not WIT: `read` straight into a caller's buffer (the preview1 layer hands a view of guest
     * memory), sparing a host buffer and a copy per call. The same check and bound as `read`.
     */
    readInto(target: Uint8Array, offset: bigint): number {
      check('fs.read', this.#file.path, 'descriptor.read');
      const view = target.length > FS_MAX_IO_BYTES ? target.subarray(0, FS_MAX_IO_BYTES) : target;
      return view.length === 0 ? 0 : backend.readInto(this.#handle, view, offset);
    }
    write(buffer: Uint8Array, offset: bigint): bigint {
      check('fs.write', this.#file.path, 'descriptor.write');
      return BigInt(backend.write(this.#handle, buffer, offset));
    }
    readDirectory(): DirectoryEntryStream {
      check('fs.read', this.#file.path, 'descriptor.read-directory');
      return new DirectoryEntryStream(this.#file, backend.list(this.#handle));
    }
    stat(): DescriptorStat {
      check('fs.read', this.#file.path, 'descriptor.stat');
      return wasiStat(backend.stat(this.#handle));
    }
    /**
     * A stat of both descriptors (device and inode compared), so fs.read on both, like `stat`
     * and `metadata-hash` (which is the same identity as a hash): with fs.write alone a guest
     * could otherwise learn that a file it may only write is a hard link to another. The WIT
     * gives no error channel, so a denial traps (SPEC section 5).
     */
    isSameObject(other: unknown): boolean {
      if (!(other instanceof Descriptor)) return false;
      require('fs.read', this.#file.path, 'descriptor.is-same-object');
      require('fs.read', other.#file.path, 'descriptor.is-same-object');
      const a = backend.stat(this.#handle);
      const b = backend.stat(other.#handle);
      return a.dev === b.dev && a.ino === b.ino;
    }
    metadataHash(): MetadataHashValue {
      check('fs.read', this.#file.path, 'descriptor.metadata-hash');
      return metadataHash(backend.stat(this.#handle));
    }

    // --- on a path beneath this descriptor ---
    statAt(flags: PathFlags, path: string): DescriptorStat {
      return this.#at(READ, path, follows(flags, path), 'descriptor.stat-at', (r) => wasiStat(statOf(r)));
    }
    metadataHashAt(flags: PathFlags, path: string): MetadataHashValue {
      return this.#at(READ, path, follows(flags, path), 'descriptor.metadata-hash-at', (r) => metadataHash(statOf(r)));
    }
    readlinkAt(path: string): string {
      return this.#at(READ, path, false, 'descriptor.readlink-at', (r) => {
        if (r.name === null) throw 'invalid';
        return backend.readlinkAt(r.dir, r.name);
      });
    }
    setTimesAt(flags: PathFlags, path: string, atime: NewTimestamp, mtime: NewTimestamp): void {
      this.#at(WRITE, path, follows(flags, path), 'descriptor.set-times-at', (r) => {
        if (r.name === null) backend.setTimes(r.dir, atime, mtime);
        else backend.setTimesAt(r.dir, r.name, atime, mtime);
      });
    }
    createDirectoryAt(path: string): void {
      this.#at(WRITE, path, false, 'descriptor.create-directory-at', (r) => {
        if (r.name === null) throw 'exist';
        backend.mkdirAt(r.dir, r.name);
      });
    }
    removeDirectoryAt(path: string): void {
      const func = 'descriptor.remove-directory-at';
      this.#at(WRITE, path, false, func, (r, guest) => {
        if (r.name === null) throw 'invalid';
        checkNoDenyWithin(guest, func);
        backend.rmdirAt(r.dir, r.name);
      });
    }
    unlinkFileAt(path: string): void {
      this.#at(WRITE, path, false, 'descriptor.unlink-file-at', (r) => {
        if (r.name === null) throw 'is-directory';
        if (r.mustBeDirectory) {
          // `file/` names no file: POSIX says not-directory, and a directory is still not unlinked.
          throw backend.statAt(r.dir, r.name).type === 'directory' ? 'is-directory' : 'not-directory';
        }
        backend.unlinkAt(r.dir, r.name);
      });
    }
    symlinkAt(target: string, path: string): void {
      // The link is checked where it is made; what it points to is checked on every use. An
      // absolute target could never be followed inside the sandbox: refused, as in Wasmtime.
      if (target.startsWith('/')) {
        gate.recordEscape('fs.write', T, 'descriptor.symlink-at', target);
        throw 'not-permitted';
      }
      if (target.includes('\0')) throw 'invalid';
      if (target.length > MAX_PATH_LENGTH) throw 'name-too-long';
      this.#at(WRITE, path, false, 'descriptor.symlink-at', (r) => {
        if (r.name === null) throw 'exist';
        if (r.mustBeDirectory) newNameWithSlash(r);
        backend.symlinkAt(target, r.dir, r.name);
      });
    }
    openAt(flags: PathFlags, path: string, open: OpenFlags, dflags: DescriptorFlags): Descriptor {
      const func = 'descriptor.open-at';
      if (open.create && open.directory) throw 'invalid';
      const writes = !!(dflags.write || dflags.mutateDirectory || open.create || open.truncate);
      // Reading is asked for explicitly, or implied by an open that writes nothing.
      const caps = writes ? (dflags.read ? READ_WRITE : WRITE) : READ;
      const how = openHow(dflags, open);
      // O_CREAT|O_EXCL never follows a final symlink (it must fail `exist`).
      const follow = follows(flags, path) && !(open.create && open.exclusive);
      // The common open, one plain name in this directory: what #at does for it (resolveBeneath
      // returns this directory and the name, so the path as written is where it is), without
      // building a resolution. A symlink there takes the follow walk below, as in #at's case.
      if (isPlainName(path) && path.length <= MAX_PATH_LENGTH && path.indexOf('\0') === -1) {
        const guest = joinGuestName(this.#file.path, path);
        for (const cap of caps) check(cap, guest, func);
        let handle: unknown;
        try {
          handle = backend.openAt(this.#handle, path, how);
        } catch (e) {
          if ((e !== 'loop' && e !== 'not-directory') || !follow) throw e;
          return this.#at(caps, path, true, func, (r, g) => this.#openResolved(r, g, how, open, dflags));
        }
        return this.#adopt(handle, guest, dflags);
      }
      const opener = (r: Resolved<unknown>, guest: string): Descriptor => this.#openResolved(r, guest, how, open, dflags);
      // The final name is opened without following first (O_NOFOLLOW: nothing is created or
      // truncated through a symlink); only a symlink there (`loop`) takes the follow walk,
      // which checks the policy again where the link leads. Saves an lstat on every open.
      try {
        return this.#at(caps, path, false, func, opener);
      } catch (e) {
        // Linux answers ELOOP for a symlink opened O_NOFOLLOW, or ENOTDIR with O_DIRECTORY.
        if ((e !== 'loop' && e !== 'not-directory') || !follow) throw e;
      }
      return this.#at(caps, path, true, func, opener);
    }
    /** Opens what a resolution names, as `how` says. */
    #openResolved(r: Resolved<unknown>, guest: string, how: OpenHow, open: OpenFlags, dflags: DescriptorFlags): Descriptor {
      let handle: unknown;
      if (r.name === null) {
        if (open.create && open.exclusive) throw 'exist';
        handle = backend.reopen(r.dir, { ...how, create: false, exclusive: false, directory: true });
      } else {
        handle = backend.openAt(r.dir, r.name, r.mustBeDirectory ? { ...how, directory: true } : how);
      }
      return this.#adopt(handle, guest, dflags);
    }
    /** A new descriptor on a handle just opened, recorded at the guest path `guest`. */
    #adopt(handle: unknown, guest: string, dflags: DescriptorFlags): Descriptor {
      return new Descriptor(files.add(handle, guest), dflags);
    }
    linkAt(oldFlags: PathFlags, oldPath: string, newDir: unknown, newPath: string): void {
      const func = 'descriptor.link-at';
      if (!(newDir instanceof Descriptor)) throw 'bad-descriptor';
      // A link is a second name: reading it must have been allowed at the source.
      this.#at(READ_WRITE, oldPath, follows(oldFlags, oldPath), func, (from) => {
        if (from.name === null) throw 'is-directory';
        newDir.#at(WRITE, newPath, false, func, (to) => {
          if (to.name === null) throw 'exist';
          if (to.mustBeDirectory) newNameWithSlash(to);
          backend.linkAt(from.dir, from.name!, to.dir, to.name);
        });
      });
    }
    renameAt(oldPath: string, newDir: unknown, newPath: string): void {
      const func = 'descriptor.rename-at';
      if (!(newDir instanceof Descriptor)) throw 'bad-descriptor';
      this.#at(READ_WRITE, oldPath, false, func, (from, fromGuest) => {
        if (from.name === null) throw 'invalid';
        newDir.#at(WRITE, newPath, false, func, (to, toGuest) => {
          if (to.name === null) throw 'invalid';
          if (from.mustBeDirectory || to.mustBeDirectory) renameWithSlash(from, to);
          checkNoDenyWithin(fromGuest, func);
          checkNoDenyWithin(toGuest, func);
          backend.renameAt(from.dir, from.name!, to.dir, to.name);
          files.moved(fromGuest, toGuest);
        });
      });
    }
    [Symbol.dispose](): void {
      if (!this.#open) return;
      this.#open = false;
      this.#file.release();
    }
  }

  /**
   * A new name (link or symlink) spelled with a trailing `/` names no directory to make:
   * `exist` when the name is taken, else `no-entry`, as Linux answers. The slash is never
   * handed to the OS, where it would make the final lookup follow a symlink.
   */
  function newNameWithSlash(r: Resolved<unknown>): never {
    try {
      backend.statAt(r.dir, r.name!);
    } catch (e) {
      if (e === 'no-entry') throw 'no-entry';
      throw e;
    }
    throw 'exist';
  }

  /** A rename where either end ends in `/`: both must then be directories (what exists of them). */
  function renameWithSlash(from: Resolved<unknown>, to: Resolved<unknown>): void {
    if (backend.statAt(from.dir, from.name!).type !== 'directory') throw 'not-directory';
    let target: FileStat | undefined;
    try {
      target = backend.statAt(to.dir, to.name!);
    } catch (e) {
      if (e !== 'no-entry') throw e;
    }
    if (target !== undefined && target.type !== 'directory') throw 'not-directory';
  }

  /** stat of what a resolution names: the walked directory itself, or a name in it (lstat). */
  function statOf(r: Resolved<unknown>): FileStat {
    const s = r.name === null ? backend.stat(r.dir) : backend.statAt(r.dir, r.name);
    if (r.mustBeDirectory && s.type !== 'directory') throw 'not-directory';
    return s;
  }

  class DirectoryEntryStream {
    #file: OpenFile<unknown> | null;
    readonly #listing: ReturnType<FsBackend<unknown>['list']>;
    constructor(file: OpenFile<unknown>, listing: ReturnType<FsBackend<unknown>['list']>) {
      this.#file = file;
      this.#listing = listing;
      file.retain();
    }
    readDirectoryEntry(): DirectoryEntry | undefined {
      const file = this.#file;
      if (file === null) throw 'bad-descriptor';
      check('fs.read', file.path, 'directory-entry-stream.read-directory-entry');
      const e = this.#listing.next();
      return e === undefined ? undefined : { type: e.type, name: e.name };
    }
    [Symbol.dispose](): void {
      if (this.#file === null) return;
      this.#listing.close();
      this.#file.release();
      this.#file = null;
    }
  }

  /**
   * A preopen's handle and the guest path it is checked at. One below a `--dir` mapping is
   * reached by the sandbox walk beneath the mapping's directory, as a guest's own open of that
   * path would be (GHSA-vqjp-4c8c-hfgg's class at start-up): a symlink there that leads out is
   * an escape, and one that stays inside makes the preopen checked where it leads (SPEC
   * section 5: a descriptor's scope is where it really is), not at the name it was planned by.
   */
  function openPreopen(p: PreopenPlan): { handle: unknown; path: string } {
    const w = p.within;
    if (w === undefined) return { handle: backend.openRoot(p.host), path: p.guest };
    const root = backend.openRoot(w.host);
    try {
      // The trailing `/` walks into the last name too, following a symlink there inside the sandbox.
      let r: Resolved<unknown>;
      try {
        r = resolveBeneath(backend, root, w.path + '/', true);
      } catch (e) {
        if (e !== 'no-entry') throw e;
        // Missing: a backend that makes preopens on demand (the browser's in-memory tree)
        // makes it now; Node's answers no-entry again. The handle is never used: the walk
        // below is what opens the preopen.
        backend.close(backend.openRoot(p.host));
        r = resolveBeneath(backend, root, w.path + '/', true);
      }
      try {
        const handle = backend.reopen(r.dir, PREOPEN_HOW);
        return { handle, path: joinGuestPath(w.guest, r.segments) };
      } finally {
        release(backend, r);
      }
    } finally {
      backend.close(root);
    }
  }

  // Preopens are opened now: a missing host directory is the embedder's mistake, reported at once.
  // The table keeps each preopen's handle for the guest's whole life; `get-directories` hands
  // out a new descriptor on it each time, so a guest dropping one never closes the preopen.
  const roots: Array<[OpenFile<unknown>, string]> = [];
  for (const p of preopens) {
    let opened: { handle: unknown; path: string };
    try {
      opened = openPreopen(p);
    } catch (e) {
      // A scope mapped to itself whose directory does not exist here reaches nothing.
      if ((e === 'no-entry' || e === 'not-directory') && p.mapped === false) continue;
      files.closeAll();
      if (e instanceof PathEscape) {
        throw new UsageError(
          `the host directory ${JSON.stringify(p.host)} for ${JSON.stringify(p.guest)} leads outside ${JSON.stringify(p.within?.guest)} (a symlink)`,
        );
      }
      if (typeof e !== 'string') throw e;
      throw new UsageError(`the host directory ${JSON.stringify(p.host)} for ${JSON.stringify(p.guest)} cannot be opened (${e})`);
    }
    roots.push([files.add(opened.handle, opened.path, 'directory'), p.guest]);
  }
  const PREOPEN_FLAGS: DescriptorFlags = { read: true, mutateDirectory: true };

  const imports: GatedFilesystem['imports'] = {
    'wasi:filesystem/types': {
      Descriptor,
      DirectoryEntryStream,
      filesystemErrorCode(err: object): FilesystemErrorCode | undefined {
        const payload = (err as { payload?: unknown } | null)?.payload;
        return isFsErrorCode(payload) ? payload : undefined;
      },
    },
    'wasi:filesystem/preopens': {
      getDirectories(): Array<[Descriptor, string]> {
        // Only what the live policy grants is listed (read or write on the preopen itself).
        const out: Array<[Descriptor, string]> = [];
        for (const [file, guest] of roots) {
          const granted =
            gate.allows('fs.read', { kind: 'path', path: guest }, 'wasi:filesystem/preopens', 'get-directories') ||
            gate.allows('fs.write', { kind: 'path', path: guest }, 'wasi:filesystem/preopens', 'get-directories');
          if (!granted) continue;
          file.retain();
          out.push([new Descriptor(file, PREOPEN_FLAGS), guest]);
        }
        return out;
      },
    },
  };
  return {
    imports,
    dispose: () => files.closeAll(),
  };
}

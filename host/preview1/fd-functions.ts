/**
 * fd_* functions: reads, writes, offsets, stat, flags, readdir, close/renumber, prestat.
 * Semantics follow Wasmtime's preview1-on-preview2 (crates/wasi/src/preview1.rs): files keep
 * their offset here, reads and writes go through `descriptor.read/write(…, offset)`.
 */
import { ADVICE_0_2, Errno, Fdflags, Filetype, Fstflags, RIGHTS_ALL, Rights, Size, Whence } from './constants.js';
import { errnoFromThrown, fail } from './errno.js';
import type { Preview1Context, Preview1Functions } from './context.js';
import { currentPosition, type DirEntry, type FdEntry, type FileEntry, type FixedFileStat } from './fd-table.js';
import { encodeUtf8 } from './memory.js';
import { dropReaddirCursor, readDirents, type ReaddirHelpers } from './readdir.js';
import { datetimeToNs, nsToDatetime, type Descriptor02, type DescriptorStat02, type NewTimestamp02, type PathFlags02 } from './wasi02.js';

/** WASI 0.2 descriptor-type -> preview1 filetype. */
export function filetypeOf(type: string): number {
  switch (type) {
    case 'regular-file':
      return Filetype.regularFile;
    case 'directory':
      return Filetype.directory;
    case 'block-device':
      return Filetype.blockDevice;
    case 'character-device':
      return Filetype.characterDevice;
    case 'symbolic-link':
      return Filetype.symbolicLink;
    case 'socket':
      return Filetype.socketStream;
    default:
      return Filetype.unknown; // fifo and unknown: preview1 has no FIFO type
  }
}

export interface Filestat {
  dev: bigint;
  ino: bigint;
  filetype: number;
  nlink: bigint;
  size: bigint;
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
}

export function writeFilestat(ctx: Preview1Context, out: number, s: Filestat): void {
  ctx.mem.zero(out, Size.filestat);
  ctx.mem.setU64(out, s.dev);
  ctx.mem.setU64(out + 8, s.ino);
  ctx.mem.setU8(out + 16, s.filetype);
  ctx.mem.setU64(out + 24, s.nlink);
  ctx.mem.setU64(out + 32, s.size);
  ctx.mem.setU64(out + 40, s.atim);
  ctx.mem.setU64(out + 48, s.mtim);
  ctx.mem.setU64(out + 56, s.ctim);
}

/** A 0.2 stat as a preview1 filestat; dev is 1 and ino the metadata hash (Wasmtime). */
export function toFilestat(stat: DescriptorStat02, ino: bigint): Filestat {
  return {
    dev: 1n,
    ino,
    filetype: filetypeOf(stat.type),
    nlink: BigInt(stat.linkCount),
    size: BigInt(stat.size),
    atim: datetimeToNs(stat.dataAccessTimestamp),
    mtim: datetimeToNs(stat.dataModificationTimestamp),
    ctim: datetimeToNs(stat.statusChangeTimestamp),
  };
}

const FOLLOW: PathFlags02 = { symlinkFollow: true };

/**
 * stat() of a file or directory descriptor. preview2-shim's preopen descriptors answer
 * stat() with 'invalid'; for those, stat-at "." of the same preopen is the same object
 * (and passes the same fs.read check in the gate).
 */
export function statDescriptor(entry: FileEntry | DirEntry): DescriptorStat02 {
  try {
    return entry.desc.stat();
  } catch (e) {
    if (e === 'invalid' && entry.kind === 'dir') return entry.desc.statAt(FOLLOW, '.');
    throw e;
  }
}

/** metadata-hash lower half (the inode on Node), 0 when the 0.2 layer has no metadata-hash. */
function inoOf(desc: Descriptor02): bigint {
  return desc.metadataHash ? BigInt(desc.metadataHash().lower) : 0n;
}
export function inoAt(desc: Descriptor02, flags: PathFlags02, path: string): bigint {
  return desc.metadataHashAt ? BigInt(desc.metadataHashAt(flags, path).lower) : 0n;
}

/**
 * preview1 (timestamp, set, now) -> 0.2 new-timestamp. Both set and now is EINVAL.
 * `current` resolves no-change to the value it has, because preview2-shim applies no-change
 * from the wrong object in set-times-at (the directory, not the path).
 */
function newTimestamp(ns: bigint, set: boolean, now: boolean): NewTimestamp02 {
  if (set && now) fail(Errno.inval);
  if (set) return { tag: 'timestamp', val: nsToDatetime(BigInt.asUintN(64, ns)) };
  if (now) return { tag: 'now' };
  return { tag: 'no-change' };
}

export function timestampsFor(atim: bigint, mtim: bigint, flags: number): [NewTimestamp02, NewTimestamp02] {
  if (flags & ~0xf) fail(Errno.inval);
  return [
    newTimestamp(atim, (flags & Fstflags.atim) !== 0, (flags & Fstflags.atimNow) !== 0),
    newTimestamp(mtim, (flags & Fstflags.mtim) !== 0, (flags & Fstflags.mtimNow) !== 0),
  ];
}

/** Replaces one no-change (when the other is set) by the current value from `stat`. */
export function resolveNoChange(times: [NewTimestamp02, NewTimestamp02], stat: () => DescriptorStat02): [NewTimestamp02, NewTimestamp02] {
  const [a, m] = times;
  const oneNoChange = (a.tag === 'no-change') !== (m.tag === 'no-change');
  if (!oneNoChange) return times;
  const s = stat();
  const keep = (t: NewTimestamp02, d: DescriptorStat02['dataAccessTimestamp']): NewTimestamp02 =>
    t.tag === 'no-change' && d ? { tag: 'timestamp', val: d } : t;
  return [keep(a, s.dataAccessTimestamp), keep(m, s.dataModificationTimestamp)];
}

/**
 * Host memory per call (SPEC section 5, docs/limits.md): the iovecs are moved IO_CHUNK bytes at
 * a time, in order, never gathered into one buffer of their total; and one call moves at most
 * as many bytes as the guest's memory holds, so 1024 iovecs overlapping the same megabyte move
 * one megabyte, not a gigabyte. Moving less than asked is a short read or write, which
 * preview1 (like POSIX readv/writev) allows and the guest's libc loops on.
 */
export const IO_CHUNK = 64 * 1024;

/**
 * The iovecs one call looks at (Linux's IOV_MAX). Past these a call is a short read or write,
 * as Wasmtime's preview1 (which moves only the first non-empty iovec) allows: each iovec is
 * bounds-checked before any I/O, so without this a 4 GiB guest could name 512 Mi iovecs and
 * make one call spend tens of seconds of host time checking them.
 */
export const IOV_MAX = 1024;

/** One piece of an iovec: `len` (at most IO_CHUNK) bytes at `ptr`. */
interface Piece {
  readonly ptr: number;
  readonly len: number;
}

/**
 * The iovecs cut into pieces of at most IO_CHUNK bytes, in order, ending once the call's budget
 * (the memory size when called) is spent. Every iovec is bounds-checked first (memory.ts).
 */
function* pieces(ctx: Preview1Context, iovs: number, count: number): Generator<Piece> {
  const list = ctx.mem.iovecs(iovs, Math.min(count >>> 0, IOV_MAX));
  let budget = ctx.mem.size();
  for (const v of list) {
    for (let at = 0; at < v.len; at += IO_CHUNK) {
      if (budget === 0) return;
      const len = Math.min(IO_CHUNK, v.len - at, budget);
      budget -= len;
      yield { ptr: v.ptr + at, len };
    }
  }
}

/**
 * Runs `move` on each piece until it moves fewer bytes than the piece holds; returns the total.
 * An errno after some bytes moved ends the call with the short count (POSIX readv/writev);
 * before any, or anything that is not an errno (a trap, an exit), it propagates.
 */
function eachPiece(ctx: Preview1Context, iovs: number, count: number, move: (p: Piece, done: number) => number): number {
  if (count === 1) {
    // The common call (one buffer of at most a chunk): the same checks, no iterators. A
    // buffer inside the memory is no larger than it, so the budget cannot cut it.
    const len = singleIovec(ctx, iovs);
    if (len === 0) return 0;
    if (len <= IO_CHUNK) return move({ ptr: ctx.mem.u32(iovs), len }, 0);
  }
  let done = 0;
  for (const p of pieces(ctx, iovs, count)) {
    let n: number;
    try {
      n = move(p, done);
    } catch (e) {
      if (done > 0 && errnoFromThrown(e) !== undefined) return done;
      throw e;
    }
    done += n;
    if (n < p.len) break;
  }
  return done;
}

/** Reads up to `len` bytes from a file at `offset` (a short read at end of file). */
function readFile(desc: Descriptor02, len: number, offset: bigint): Uint8Array {
  if (len === 0) return new Uint8Array(0);
  const [bytes] = desc.read(BigInt(len), offset);
  return bytes;
}

/**
 * The length of the one iovec at `iovs`, after the checks `iovecs()` makes (the array, then the
 * buffer, inside the memory): reading its pointer again is then safe.
 */
function singleIovec(ctx: Preview1Context, iovs: number): number {
  ctx.mem.requireRange(iovs, 8);
  const ptr = ctx.mem.u32(iovs);
  const len = ctx.mem.u32(iovs + 4);
  ctx.mem.requireRange(ptr, len);
  return len;
}

/** Reads the file into the iovecs from `offset`, piece by piece; returns the byte count. */
function readFileInto(ctx: Preview1Context, desc: Descriptor02, iovs: number, count: number, offset: bigint): number {
  if (desc.readInto !== undefined) {
    if (count === 1) {
      // fd_read's usual call, one buffer of at most a chunk: no closure, no piece.
      const len = singleIovec(ctx, iovs);
      if (len === 0) return 0;
      if (len <= IO_CHUNK) return desc.readInto(ctx.mem.bytes(ctx.mem.u32(iovs), len), offset);
    }
    // Straight into guest memory (each piece bounds-checked): no host buffer, no copy.
    return eachPiece(ctx, iovs, count, (p, done) => desc.readInto!(ctx.mem.bytes(p.ptr, p.len), offset + BigInt(done)));
  }
  return eachPiece(ctx, iovs, count, (p, done) => {
    const bytes = readFile(desc, p.len, offset + BigInt(done));
    ctx.mem.write(p.ptr, bytes.subarray(0, p.len));
    return Math.min(bytes.length, p.len);
  });
}

/** Writes the ciovecs piece by piece with `write` (a copy each: the 0.2 layer may keep it). */
function writeFrom(ctx: Preview1Context, iovs: number, count: number, write: (data: Uint8Array, done: number) => number): number {
  return eachPiece(ctx, iovs, count, (p, done) => write(ctx.mem.copyOut(p.ptr, p.len), done));
}

/** One stdin read, into the first non-empty iovec, of at most IO_CHUNK bytes. */
function readStdinInto(ctx: Preview1Context, iovs: number, count: number): number {
  let first: { ptr: number; len: number } | undefined;
  for (const v of ctx.mem.iovecs(iovs, Math.min(count >>> 0, IOV_MAX))) {
    if (v.len > 0) {
      first = v;
      break;
    }
  }
  if (first === undefined) return 0;
  const bytes = readStdin(ctx, Math.min(first.len, IO_CHUNK));
  ctx.mem.write(first.ptr, bytes.subarray(0, first.len));
  return Math.min(bytes.length, first.len);
}

function readStdin(ctx: Preview1Context, len: number): Uint8Array {
  if (len === 0) return new Uint8Array(0);
  try {
    return ctx.stdin().blockingRead(BigInt(len));
  } catch (e) {
    // A closed stream is end of file, not an error (Wasmtime).
    if (e !== null && typeof e === 'object' && (e as { tag?: unknown }).tag === 'closed') {
      return new Uint8Array(0);
    }
    throw e;
  }
}

/** blocking-write-and-flush takes at most 4096 bytes per call (WASI 0.2 streams). */
function writeStream(stream: { blockingWriteAndFlush(b: Uint8Array): void }, data: Uint8Array): void {
  for (let at = 0; at < data.length; at += 4096) {
    stream.blockingWriteAndFlush(data.slice(at, at + 4096));
  }
}

function writeFile(file: FileEntry, data: Uint8Array, offset: bigint | undefined): number {
  if (file.append) {
    // Append mode ignores the offset, pwrite included (Linux semantics), and writes through
    // the descriptor's append stream, as Wasmtime's preview1 does: that needs fs.write alone
    // (asking the size with stat() would need fs.read; currentPosition() asks it later, only
    // if the guest wants the offset).
    if (data.length > 0) {
      const stream = file.desc.appendViaStream();
      try {
        writeStream(stream, data);
      } finally {
        (stream as { [Symbol.dispose]?(): void })[Symbol.dispose]?.();
      }
    }
    if (offset === undefined) file.atEnd = true; // fd_write moves the offset to the end; pwrite does not
    return data.length;
  }
  const at = offset ?? currentPosition(file);
  const written = data.length === 0 ? 0 : Number(file.desc.write(data, at));
  if (offset === undefined) file.position = at + BigInt(written);
  return written;
}

/**
 * A file opened without read (write), or whose guest dropped that right, refuses fd_read
 * (fd_write) with EBADF, as POSIX does for a descriptor not open for it.
 */
function requireRight(file: FileEntry, right: bigint): void {
  if ((file.rights.base & right) === 0n) fail(Errno.badf);
}

const READDIR_HELPERS: ReaddirHelpers = { filetypeOf, inoOf, inoAt: (desc, name) => inoAt(desc, {}, name) };

function disposeEntry(entry: FdEntry | undefined): void {
  if (entry && (entry.kind === 'file' || entry.kind === 'dir')) entry.desc[Symbol.dispose]?.();
}

export function fdFunctions(ctx: Preview1Context): Preview1Functions {
  const fds = () => ctx.fds;

  return {
    fd_advise: (fd: number, offset: bigint, len: bigint, advice: number) => {
      const name = ADVICE_0_2[advice] ?? fail(Errno.inval);
      fds().file(fd).desc.advise(BigInt.asUintN(64, offset), BigInt.asUintN(64, len), name);
    },

    fd_allocate: (fd: number, _offset: bigint, _len: bigint) => {
      fds().file(fd);
      return Errno.notsup; // WASI 0.2 has no allocate (Wasmtime)
    },

    fd_close: (fd: number) => {
      const entry = fds().remove(fd);
      dropReaddirCursor(ctx, entry);
      disposeEntry(entry);
    },

    fd_datasync: (fd: number) => fds().file(fd).desc.syncData(),
    fd_sync: (fd: number) => fds().file(fd).desc.sync(),

    // wasi-libc asks this after every open: a file's type and sync flags are asked of the 0.2
    // layer once per descriptor (neither can change while it is open), the rest is the table's.
    fd_fdstat_get: (fd: number, out: number) => {
      const entry = fds().get(fd);
      let filetype: number;
      let flags = 0;
      let base: bigint;
      let inheriting: bigint;
      if (entry.kind === 'stdin' || entry.kind === 'stdout' || entry.kind === 'stderr') {
        filetype = isTerminal(ctx, entry.kind) ? Filetype.characterDevice : Filetype.unknown;
        base = inheriting = entry.kind === 'stdin' ? Rights.fdRead : Rights.fdWrite;
      } else if (entry.kind === 'dir') {
        filetype = Filetype.directory;
        base = entry.rights.base;
        inheriting = entry.rights.inheriting;
      } else {
        const fixed = (entry.fixed ??= fixedFileStat(entry.desc));
        filetype = fixed.filetype;
        flags = fixed.syncFlags;
        base = entry.rights.base;
        inheriting = entry.rights.inheriting;
        if (entry.append) flags |= Fdflags.append;
        if (entry.nonblock) flags |= Fdflags.nonblock;
      }
      ctx.mem.zero(out, Size.fdstat);
      ctx.mem.setU8(out, filetype);
      ctx.mem.setU16(out + 2, flags);
      ctx.mem.setU64(out + 8, base & RIGHTS_ALL);
      ctx.mem.setU64(out + 16, inheriting & RIGHTS_ALL);
    },

    fd_fdstat_set_flags: (fd: number, flags: number) => {
      const file = fds().file(fd);
      // Only APPEND and NONBLOCK can change after open (Wasmtime).
      if (flags & (Fdflags.dsync | Fdflags.sync | Fdflags.rsync) || flags & ~0x1f) fail(Errno.inval);
      file.append = (flags & Fdflags.append) !== 0;
      file.nonblock = (flags & Fdflags.nonblock) !== 0;
    },

    // Rights only shrink: asking for one the fd does not have is ENOTCAPABLE.
    fd_fdstat_set_rights: (fd: number, base: bigint, inheriting: bigint) => {
      const entry = fds().get(fd);
      if (entry.kind !== 'file' && entry.kind !== 'dir') fail(Errno.badf);
      base = BigInt.asUintN(64, base);
      inheriting = BigInt.asUintN(64, inheriting);
      if ((base & ~entry.rights.base) !== 0n || (inheriting & ~entry.rights.inheriting) !== 0n) {
        fail(Errno.notcapable);
      }
      entry.rights = { base, inheriting };
    },

    fd_filestat_get: (fd: number, out: number) => {
      const entry = fds().get(fd);
      if (entry.kind === 'file' || entry.kind === 'dir') {
        const stat = statDescriptor(entry);
        writeFilestat(ctx, out, toFilestat(stat, inoOf(entry.desc)));
      } else {
        const filetype = isTerminal(ctx, entry.kind) ? Filetype.characterDevice : Filetype.unknown;
        writeFilestat(ctx, out, { dev: 0n, ino: 0n, filetype, nlink: 0n, size: 0n, atim: 0n, mtim: 0n, ctim: 0n });
      }
    },

    fd_filestat_set_size: (fd: number, size: bigint) => fds().file(fd).desc.setSize(BigInt.asUintN(64, size)),

    fd_filestat_set_times: (fd: number, atim: bigint, mtim: bigint, flags: number) => {
      const times = timestampsFor(atim, mtim, flags);
      const entry = fds().get(fd);
      if (entry.kind !== 'file' && entry.kind !== 'dir') fail(Errno.badf);
      const [a, m] = resolveNoChange(times, () => statDescriptor(entry));
      try {
        entry.desc.setTimes(a, m);
      } catch (e) {
        // preview2-shim preopens refuse set-times; set-times-at "." is the same directory.
        if (e === 'invalid' && entry.kind === 'dir') entry.desc.setTimesAt(FOLLOW, '.', a, m);
        else throw e;
      }
    },

    fd_read: (fd: number, iovs: number, count: number, out: number) => {
      // Unsettled: a file opened without O_DIRECTORY is read without asking its type first.
      const entry = fds().unsettled(fd);
      let n: number;
      if (entry.kind === 'file') {
        requireRight(entry, Rights.fdRead);
        try {
          n = readFileInto(ctx, entry.desc, iovs, count, currentPosition(entry));
        } catch (e) {
          // It was a directory after all: EBADF, as for any directory (get makes it one).
          if (entry.typeUnknown === true && fds().get(fd).kind === 'dir') fail(Errno.badf);
          throw e;
        }
        if (entry.typeUnknown === true) {
          // Bytes read: read(2) gives none of a directory. Nothing read (an empty buffer, or
          // the end) proves nothing, so the type is asked.
          if (n > 0) entry.typeUnknown = false;
          else if (fds().get(fd).kind === 'dir') fail(Errno.badf);
        }
        entry.position += BigInt(n);
      } else if (entry.kind === 'stdin') {
        n = readStdinInto(ctx, iovs, count);
      } else {
        return fail(Errno.badf);
      }
      ctx.mem.setU32(out, n);
    },

    fd_pread: (fd: number, iovs: number, count: number, offset: bigint, out: number) => {
      const entry = fds().get(fd);
      if (entry.kind === 'stdin') fail(Errno.spipe);
      if (entry.kind !== 'file') fail(Errno.badf);
      requireRight(entry, Rights.fdRead);
      ctx.mem.setU32(out, readFileInto(ctx, entry.desc, iovs, count, BigInt.asUintN(64, offset)));
    },

    fd_write: (fd: number, iovs: number, count: number, out: number) => {
      const entry = fds().get(fd);
      let n: number;
      if (entry.kind === 'file') {
        requireRight(entry, Rights.fdWrite);
        n = writeFrom(ctx, iovs, count, (data) => writeFile(entry, data, undefined));
        // Nothing to write still moves an append-mode offset to the end, as before.
        if (n === 0) writeFile(entry, new Uint8Array(0), undefined);
      } else if (entry.kind === 'stdout' || entry.kind === 'stderr') {
        const kind = entry.kind;
        n = writeFrom(ctx, iovs, count, (data) => {
          writeStream(kind === 'stdout' ? ctx.stdout() : ctx.stderr(), data);
          return data.length;
        });
      } else {
        return fail(Errno.badf);
      }
      ctx.mem.setU32(out, n);
    },

    fd_pwrite: (fd: number, iovs: number, count: number, offset: bigint, out: number) => {
      const entry = fds().get(fd);
      if (entry.kind === 'stdout' || entry.kind === 'stderr' || entry.kind === 'stdin') fail(Errno.spipe);
      if (entry.kind !== 'file') fail(Errno.badf);
      requireRight(entry, Rights.fdWrite);
      const at = BigInt.asUintN(64, offset);
      ctx.mem.setU32(
        out,
        writeFrom(ctx, iovs, count, (data, done) => writeFile(entry, data, at + BigInt(done))),
      );
    },

    fd_prestat_get: (fd: number, out: number) => {
      const entry = fds().lookup(fd);
      if (entry?.kind !== 'dir' || entry.preopenPath === undefined) return Errno.badf;
      ctx.mem.setU8(out, 0); // preopentype dir
      ctx.mem.setU32(out + 4, encodeUtf8(entry.preopenPath).length);
    },

    fd_prestat_dir_name: (fd: number, path: number, len: number) => {
      const entry = fds().get(fd);
      if (entry.kind !== 'dir' || entry.preopenPath === undefined) fail(Errno.notdir);
      const name = encodeUtf8(entry.preopenPath);
      if (name.length > len >>> 0) fail(Errno.nametoolong);
      ctx.mem.write(path, name);
    },

    fd_renumber: (from: number, to: number) => {
      const closed = fds().renumber(from, to);
      dropReaddirCursor(ctx, closed);
      disposeEntry(closed);
    },

    fd_seek: (fd: number, offset: bigint, whence: number, out: number) => {
      const file = fds().seekable(fd);
      let pos: bigint;
      switch (whence) {
        case Whence.set:
          pos = offset;
          break;
        case Whence.cur:
          pos = currentPosition(file) + offset;
          break;
        case Whence.end:
          pos = BigInt(file.desc.stat().size) + offset;
          break;
        default:
          return fail(Errno.inval);
      }
      if (pos < 0n || pos > 0xffff_ffff_ffff_ffffn) fail(Errno.inval);
      file.position = pos;
      file.atEnd = false;
      ctx.mem.setU64(out, pos);
    },

    fd_tell: (fd: number, out: number) => ctx.mem.setU64(out, currentPosition(fds().seekable(fd))),

    fd_readdir: (fd: number, buf: number, bufLen: number, cookie: bigint, out: number) => {
      // The buffer is guest memory, written in place (no host buffer of bufLen): check it first.
      ctx.mem.requireRange(buf, bufLen);
      const used = readDirents(ctx, fds().dir(fd), READDIR_HELPERS, buf, bufLen >>> 0, BigInt.asUintN(64, cookie));
      ctx.mem.setU32(out, used);
    },
  };
}

/** What fdstat says of an open file that cannot change while it is open: its type and sync flags. */
function fixedFileStat(desc: Descriptor02): FixedFileStat {
  const f = desc.getFlags();
  let syncFlags = 0;
  if (f.dataIntegritySync) syncFlags |= Fdflags.dsync;
  if (f.requestedWriteSync) syncFlags |= Fdflags.rsync;
  if (f.fileIntegritySync) syncFlags |= Fdflags.sync;
  return { filetype: filetypeOf(desc.getType()), syncFlags };
}

/** Whether a stdio stream is a terminal: the 0.2 terminal-* interface answers (none = not a tty). */
function isTerminal(ctx: Preview1Context, kind: 'stdin' | 'stdout' | 'stderr'): boolean {
  // A gate may omit an interface (then: not a tty); each one is looked up by its own name.
  switch (kind) {
    case 'stdin': {
      const i = ctx.wasi['wasi:cli/terminal-stdin'];
      return typeof i?.getTerminalStdin === 'function' && i.getTerminalStdin() !== undefined;
    }
    case 'stdout': {
      const i = ctx.wasi['wasi:cli/terminal-stdout'];
      return typeof i?.getTerminalStdout === 'function' && i.getTerminalStdout() !== undefined;
    }
    case 'stderr': {
      const i = ctx.wasi['wasi:cli/terminal-stderr'];
      return typeof i?.getTerminalStderr === 'function' && i.getTerminalStderr() !== undefined;
    }
  }
}

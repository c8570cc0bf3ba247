/**
 * preview1's file-descriptor table, kept on the host (never in guest memory, which is what
 * breaks jco's adapter on guests that own their memory growth). Numbering follows Wasmtime:
 * 0-2 are stdio, then the preopens in `get-directories` order; a new descriptor reuses the
 * highest freed number, else takes one past the highest in use.
 */
import { DIRECTORY_INHERITING, DIRECTORY_RIGHTS, Errno } from './constants.js';
import { fail } from './errno.js';
import type { Descriptor02 } from './wasi02.js';

export type StdioEntry = { kind: 'stdin' } | { kind: 'stdout' } | { kind: 'stderr' };
/**
 * preview1 rights are bookkeeping of this layer: WASI 0.2 has none. A guest may only shrink
 * them (fd_fdstat_set_rights), and fd_read/fd_write honour the shrunken set.
 */
export interface Rights {
  base: bigint;
  inheriting: bigint;
}

export interface DirEntry {
  kind: 'dir';
  desc: Descriptor02;
  rights: Rights;
  /** The guest path it was preopened as; undefined for directories opened with path_open. */
  preopenPath?: string;
}
export interface FileEntry {
  kind: 'file';
  desc: Descriptor02;
  rights: Rights;
  /** The current offset (fd_read/fd_write/fd_seek); read it with currentPosition(). */
  position: bigint;
  /**
   * After an append write the offset is the file's end. It is asked of stat() only when the
   * guest needs it (fd_tell, fd_seek, fd_read): stat needs fs.read, appending alone does not.
   */
  atEnd?: boolean;
  append: boolean;
  nonblock: boolean;
  /** fd_fdstat_get's answer from the 0.2 layer, asked once (see FixedFileStat). */
  fixed?: FixedFileStat;
  /**
   * Opened by path_open without O_DIRECTORY, so it may be a directory: its type is asked (an
   * fstat, ~2 us on these machines) only when something needs it, and a directory then
   * becomes a DirEntry (FdTable.get). fd_read and fd_close never ask: open, read and close
   * of a file is the loop every guest runs, and read(2) of a directory fails anyway.
   */
  typeUnknown?: boolean;
}

/**
 * What fd_fdstat_get reports of a file that cannot change while it is open: its filetype
 * (an open descriptor stays on the same object) and its sync flags (WASI 0.2 has no way to
 * change a descriptor's flags).
 */
export interface FixedFileStat {
  readonly filetype: number;
  readonly syncFlags: number;
}

/** The file's offset, resolving a pending end-of-file after an append. */
export function currentPosition(file: FileEntry): bigint {
  if (file.atEnd === true) {
    file.position = BigInt(file.desc.stat().size);
    file.atEnd = false;
  }
  return file.position;
}
export type FdEntry = StdioEntry | DirEntry | FileEntry;

export class FdTable {
  readonly #used = new Map<number, FdEntry>();
  /**
   * Freed numbers, ascending (the next push takes the last). Every number below
   * `#used.size + #free.length` is either in use or here: push and remove keep it so, and
   * renumber frees `from` and takes `to` (already in use). So with nothing free, one past the
   * highest in use is `#used.size`, and no push scans the table.
   */
  readonly #free: number[] = [];

  push(entry: FdEntry): number {
    let fd: number;
    if (this.#free.length > 0) {
      fd = this.#free.pop()!;
    } else {
      fd = this.#used.size;
      if (fd > 0xffff_ffff) fail(Errno.nfile);
    }
    this.#used.set(fd, entry);
    return fd;
  }

  /** Adds a freed number, keeping #free ascending (usually it is the highest: one step). */
  #addFree(fd: number): void {
    const free = this.#free;
    let i = free.length;
    while (i > 0 && free[i - 1]! > fd) i--;
    if (i === free.length) free.push(fd);
    else free.splice(i, 0, fd);
  }

  /** The entry, its type asked if it was not yet (FileEntry.typeUnknown), or EBADF. */
  get(fd: number): FdEntry {
    return this.lookup(fd) ?? fail(Errno.badf);
  }

  /** The entry or undefined (for hot paths that answer EBADF without throwing); as `get`. */
  lookup(fd: number): FdEntry | undefined {
    const e = this.#used.get(fd >>> 0);
    return e?.kind === 'file' && e.typeUnknown === true ? this.#settle(fd >>> 0, e) : e;
  }

  /**
   * The entry as opened, its type maybe not asked yet (FileEntry.typeUnknown), or EBADF: for
   * fd_read, which reads such an entry as a file and asks `get` when read(2) leaves it in doubt,
   * and for remove.
   */
  unsettled(fd: number): FdEntry {
    return this.#used.get(fd >>> 0) ?? fail(Errno.badf);
  }

  /** Asks the type of an entry opened as maybe a directory; a directory becomes a DirEntry. */
  #settle(fd: number, file: FileEntry): FdEntry {
    if (file.desc.getType() === 'directory') {
      const dir: DirEntry = { kind: 'dir', desc: file.desc, rights: { base: DIRECTORY_RIGHTS, inheriting: DIRECTORY_INHERITING } };
      this.#used.set(fd, dir);
      return dir;
    }
    file.typeUnknown = false; // not `delete`: that would turn the object into a slow dictionary
    return file;
  }

  has(fd: number): boolean {
    return this.#used.has(fd >>> 0);
  }

  /** Regular files only, else EBADF. */
  file(fd: number): FileEntry {
    const e = this.get(fd);
    return e.kind === 'file' ? e : fail(Errno.badf);
  }

  /** Directories only, else EBADF. */
  dir(fd: number): DirEntry {
    const e = this.get(fd);
    return e.kind === 'dir' ? e : fail(Errno.badf);
  }

  /** Files or directories (anything with a filesystem descriptor), else EBADF. */
  descriptor(fd: number): Descriptor02 {
    const e = this.get(fd);
    return e.kind === 'file' || e.kind === 'dir' ? e.desc : fail(Errno.badf);
  }

  /** Files that can seek; stdio is ESPIPE (legacy behaviour Wasmtime keeps), others EBADF. */
  seekable(fd: number): FileEntry {
    const e = this.get(fd);
    if (e.kind === 'file') return e;
    if (e.kind === 'stdin' || e.kind === 'stdout' || e.kind === 'stderr') fail(Errno.spipe);
    return fail(Errno.badf);
  }

  /** Removes the entry (its type is not asked: closing needs none). */
  remove(fd: number): FdEntry {
    const e = this.unsettled(fd);
    this.#used.delete(fd >>> 0);
    this.#addFree(fd >>> 0);
    return e;
  }

  /** fd_renumber: both must be open (EBADF otherwise); `to` is closed, `from` moves to `to`. */
  renumber(from: number, to: number): FdEntry | undefined {
    from >>>= 0;
    to >>>= 0;
    const entry = this.get(from);
    this.get(to);
    if (from === to) return undefined;
    const replaced = this.#used.get(to);
    this.#used.delete(from);
    this.#addFree(from); // `to` was in use, so it is not among the free numbers
    this.#used.set(to, entry);
    return replaced;
  }
}

/**
 * fd_readdir. A guest lists a directory in calls of one buffer each, passing back the cookie
 * of the last entry it took; wasi-libc's readdir asks with a 32 KiB buffer, `ls` of a large
 * directory many times. Listing the whole directory again on every call made reading a
 * directory of N entries cost O(N^2) host work. The stream of the last directory read is now
 * kept between calls (a cursor), so a read continued from where the last call stopped costs
 * only the entries it writes.
 *
 * What stays as it was: "." and ".." come first (Wasmtime); each entry's read from the stream
 * is a gated call, and so is every call that continues a held listing (the cursor's kept
 * entries are never written without one), so a revoked fs.read ends a listing mid-way; an entry's inode is asked
 * (metadata-hash-at, gated) only when it is written. A cookie of 0 (rewinddir) starts a new
 * stream and sees the directory as it is now; a cookie behind the cursor (seekdir back)
 * re-reads from the start. Entries added or removed during a listing may or may not show,
 * which POSIX readdir leaves unspecified; a listing never shows one twice, which relisting on
 * every call could (indexes shifted under it).
 *
 * Host resources: one cursor per guest (the last directory read), holding one open listing
 * (counted under --max-open-files like any listing) and at most one entry read but not yet
 * written. A guest reading two directories in turn pays a re-read from the start when it
 * switches back, never more memory.
 */
import { Filetype, Size } from './constants.js';
import type { Preview1Context } from './context.js';
import type { DirEntry } from './fd-table.js';
import { encodeUtf8 } from './memory.js';
import type { Descriptor02 } from './wasi02.js';

export interface ListedEntry {
  readonly name: string;
  /** Known for "." and ".."; the others are asked only when written. */
  ino?: bigint;
  readonly filetype: number;
}

interface EntryStream {
  readDirectoryEntry(): { name: string; type: string } | undefined;
}

/** How fd-functions answers an entry's type and inode (kept there, beside fdstat and filestat). */
export interface ReaddirHelpers {
  filetypeOf(type: string): number;
  inoOf(desc: Descriptor02): bigint;
  inoAt(desc: Descriptor02, name: string): bigint;
}

/** The open listing of one directory, positioned at `next`: the index of the entry it reads next. */
export class ReaddirCursor {
  /** The entry at index `next - 1`, read from the stream: a call that could not write it whole leaves it here. */
  #last: ListedEntry | undefined;
  #next = 0;
  #ended = false;

  private constructor(
    readonly dir: DirEntry,
    readonly helpers: ReaddirHelpers,
    private readonly stream: EntryStream & { [Symbol.dispose]?: () => void },
    /** The descriptor the stream lists (the directory's own, or "." opened from a preopen). */
    private readonly listed: Descriptor02,
    private readonly opened: Descriptor02 | undefined,
    private readonly selfIno: bigint,
  ) {}

  static open(dir: DirEntry, helpers: ReaddirHelpers): ReaddirCursor {
    const selfIno = helpers.inoOf(dir.desc);
    let listed = dir.desc;
    let opened: Descriptor02 | undefined;
    let stream;
    try {
      stream = listed.readDirectory();
    } catch (e) {
      // A preopen descriptor may not list itself on every 0.2 layer; "." opened from it is the same.
      if (e !== 'bad-descriptor' || dir.preopenPath === undefined) throw e;
      opened = listed = listed.openAt({}, '.', { directory: true }, { read: true });
      try {
        stream = listed.readDirectory();
      } catch (e2) {
        opened[Symbol.dispose]?.();
        throw e2;
      }
    }
    return new ReaddirCursor(dir, helpers, stream as EntryStream & { [Symbol.dispose]?: () => void }, listed, opened, selfIno);
  }

  /** True when the entry at `index` can be had without starting over. */
  reaches(index: number): boolean {
    return index >= this.#next - (this.#last === undefined ? 0 : 1);
  }

  /** The entry at `index` (at or after the cursor, see `reaches`), or undefined past the end. */
  at(index: number): ListedEntry | undefined {
    if (this.#last !== undefined && index === this.#next - 1) return this.#last;
    while (this.#next <= index) {
      const e = this.#read();
      if (e === undefined) return undefined;
      this.#last = e;
      this.#next++;
    }
    return this.#last;
  }

  /**
   * Asks the gate again (fs.read on the listed directory, through metadata-hash) before a call
   * continues this listing. The cursor keeps entries already read ("." and "..", and the one a
   * short buffer cut): without this, a call after fs.read was revoked would write those with
   * no gated call at all, where a listing started afresh is refused at once.
   */
  recheck(): void {
    this.helpers.inoOf(this.listed);
  }

  ino(e: ListedEntry): bigint {
    return (e.ino ??= this.helpers.inoAt(this.listed, e.name));
  }

  #read(): ListedEntry | undefined {
    const i = this.#next;
    if (i === 0 || i === 1) return { name: i === 0 ? '.' : '..', ino: this.selfIno, filetype: Filetype.directory };
    if (this.#ended) return undefined;
    const e = this.stream.readDirectoryEntry();
    if (e === undefined) {
      this.#ended = true;
      return undefined;
    }
    return { name: e.name, filetype: this.helpers.filetypeOf(e.type) };
  }

  [Symbol.dispose](): void {
    this.stream[Symbol.dispose]?.();
    this.opened?.[Symbol.dispose]?.();
  }
}

/** The guest's one cursor (see the header), per preview1 context. */
const cursors = new WeakMap<Preview1Context, ReaddirCursor>();

/** Closes the cursor of `dir` if it has one: its descriptor was closed or renumbered over. */
export function dropReaddirCursor(ctx: Preview1Context, dir: unknown): void {
  const c = cursors.get(ctx);
  if (c !== undefined && c.dir === dir) {
    cursors.delete(ctx);
    c[Symbol.dispose]();
  }
}

/** fd_readdir's body: serialises dirents from `cookie` into guest memory; returns the bytes used. */
export function readDirents(
  ctx: Preview1Context,
  dir: DirEntry,
  helpers: ReaddirHelpers,
  buf: number,
  bufLen: number,
  cookie: bigint,
): number {
  // Cookies are entry indexes; one past any real listing is simply its end.
  const from = cookie > 0xffff_ffffn ? 0xffff_ffff : Number(cookie);
  let cursor = cursors.get(ctx);
  if (cursor === undefined || cursor.dir !== dir || from === 0 || !cursor.reaches(from)) {
    cursor?.[Symbol.dispose]();
    cursors.delete(ctx);
    cursor = ReaddirCursor.open(dir, helpers);
    cursors.set(ctx, cursor);
  } else {
    cursor.recheck();
  }
  let at = 0;
  for (let i = from; ; i++) {
    const e = cursor.at(i);
    if (e === undefined) return at;
    const name = encodeUtf8(e.name);
    const header = new Uint8Array(Size.dirent);
    const view = new DataView(header.buffer);
    view.setBigUint64(0, BigInt(i + 1), true);
    view.setBigUint64(8, cursor.ino(e), true);
    view.setUint32(16, name.length, true);
    view.setUint8(20, e.filetype);
    for (const part of [header, name]) {
      const n = Math.min(part.length, bufLen - at);
      ctx.mem.write(buf + at, part.subarray(0, n));
      at += n;
      if (at === bufLen) return at;
    }
  }
}

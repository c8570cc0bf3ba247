/**
 * `wasi:filesystem/*` for one guest. The platform's isolated filesystem confines paths to
 * their preopen (no `..` above a descriptor, no absolute paths, no symlink leading out); this
 * layer adds the policy: every method checks fs.read or fs.write for the guest path it
 * touches, after normalisation and symlink resolution, and read-only grants are enforced here
 * (the shim has no read-only preopens).
 *
 * The guest sees `GatedDescriptor`, a class created per guest that holds the platform's
 * descriptor by composition; platform descriptors never reach the guest, and descriptors the
 * guest passes back (rename/link targets) are unwrapped after an `instanceof` check.
 *
 * Known limit: Node has no `openat`, so a symlink planted between our resolution and the
 * platform's own resolution (a race inside the preopen) is checked against the earlier path;
 * the platform still keeps the access inside the preopen. Platform-neutral.
 */
import type { Gate } from './gate.js';
import type { PreopenPlan } from './preopens.js';
import { disposeInner } from './resource.js';
import { resolveSymlinks, SymlinkEscape } from './symlinks.js';
import type { NewTimestamp, WasiImportObject, WasiInterface, WasiPlatform } from './types.js';

const T = 'wasi:filesystem/types';

type Cap = 'fs.read' | 'fs.write';
const READ: readonly Cap[] = ['fs.read'];
const WRITE: readonly Cap[] = ['fs.write'];
const READ_WRITE: readonly Cap[] = ['fs.write', 'fs.read'];
type StreamClass = new () => WasiInterface;

interface PathFlags {
  readonly symlinkFollow?: boolean;
}
interface OpenFlags {
  readonly create?: boolean;
  readonly directory?: boolean;
  readonly exclusive?: boolean;
  readonly truncate?: boolean;
}
interface DescriptorFlags {
  readonly read?: boolean;
  readonly write?: boolean;
  readonly mutateDirectory?: boolean;
}

/** Thrown internally for a path that leaves its descriptor; becomes `not-permitted`. */
class Escape {
  constructor(readonly path: string) {}
}

/** A descriptor's guest `path` below its preopen `root`, `/`-separated (`''`: the preopen). */
function belowRoot(root: string, path: string, more: readonly string[] = []): string {
  const own = path === root ? '' : root === '/' ? path.slice(1) : root === '.' ? path : path.slice(root.length + 1);
  return [own, ...more].filter((s) => s !== '').join('/');
}

function joinGuest(base: string, segments: readonly string[]): string {
  if (segments.length === 0) return base;
  if (base === '/') return '/' + segments.join('/');
  if (base === '.') return segments.join('/');
  return base + '/' + segments.join('/');
}

/** Lexical split the way the shim does it: `\` is `/`, `//` is `/`, `.` dropped, `..` pops. */
function lexicalSegments(path: string): { segments: string[]; trailingSlash: boolean } {
  const clean = path.replace(/\\/g, '/');
  if (clean.startsWith('/')) throw new Escape(path);
  const segments: string[] = [];
  for (const part of clean.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (segments.pop() === undefined) throw new Escape(path);
    } else segments.push(part);
  }
  return { segments, trailingSlash: clean.endsWith('/') };
}

export function createGatedFilesystem(
  gate: Gate,
  platform: WasiPlatform,
  preopens: readonly PreopenPlan[],
): WasiImportObject {
  const hostMap: Record<string, string> = {};
  for (const p of preopens) hostMap[p.guest] = p.host;
  const fs = platform.createFilesystem(hostMap);
  const streams = platform.io.streams;
  const BaseInput = streams.InputStream as StreamClass;
  const BaseOutput = streams.OutputStream as StreamClass;

  function check(cap: Cap, path: string, func: string): void {
    if (!gate.allows(cap, { kind: 'path', path }, T, func)) throw 'access';
  }

  /**
   * A file stream that re-checks its capability on every call (revocation is immediate),
   * delegating to the platform's stream. Subclass of the platform class for `instanceof`.
   */
  class GatedInputStream extends BaseInput {
    readonly #inner: WasiInterface;
    readonly #path: string;
    constructor(inner: WasiInterface, path: string) {
      super();
      this.#inner = inner;
      this.#path = path;
    }
    read(len: bigint): Uint8Array {
      check('fs.read', this.#path, 'input-stream.read');
      return this.#inner.read(len);
    }
    blockingRead(len: bigint): Uint8Array {
      check('fs.read', this.#path, 'input-stream.blocking-read');
      return this.#inner.blockingRead(len);
    }
    skip(len: bigint): bigint {
      return this.#inner.skip(len);
    }
    blockingSkip(len: bigint): bigint {
      return this.#inner.blockingSkip(len);
    }
    subscribe(): object {
      return this.#inner.subscribe();
    }
    [Symbol.dispose](): void {
      disposeInner(this.#inner);
    }
  }

  class GatedOutputStream extends BaseOutput {
    readonly #inner: WasiInterface;
    readonly #path: string;
    constructor(inner: WasiInterface, path: string) {
      super();
      this.#inner = inner;
      this.#path = path;
    }
    #check(func: string): void {
      if (!gate.allows('fs.write', { kind: 'path', path: this.#path }, T, func)) {
        // stream-error has no `access`; a denied write is a failed operation.
        throw { tag: 'closed' };
      }
    }
    checkWrite(): bigint {
      return this.#inner.checkWrite();
    }
    write(buf: Uint8Array): void {
      this.#check('output-stream.write');
      this.#inner.write(buf);
    }
    blockingWriteAndFlush(buf: Uint8Array): void {
      this.#check('output-stream.blocking-write-and-flush');
      this.#inner.blockingWriteAndFlush(buf);
    }
    flush(): void {
      this.#inner.flush();
    }
    blockingFlush(): void {
      this.#inner.blockingFlush();
    }
    writeZeroes(len: bigint): void {
      this.#check('output-stream.write-zeroes');
      this.#inner.writeZeroes(len);
    }
    blockingWriteZeroesAndFlush(len: bigint): void {
      this.#check('output-stream.blocking-write-zeroes-and-flush');
      this.#inner.blockingWriteZeroesAndFlush(len);
    }
    splice(src: WasiInterface, len: bigint): bigint {
      const bytes = src.read(len) as Uint8Array;
      this.write(bytes);
      return BigInt(bytes.length);
    }
    blockingSplice(src: WasiInterface, len: bigint): bigint {
      const bytes = src.blockingRead(len) as Uint8Array;
      this.blockingWriteAndFlush(bytes);
      return BigInt(bytes.length);
    }
    subscribe(): object {
      return this.#inner.subscribe();
    }
    [Symbol.dispose](): void {
      disposeInner(this.#inner);
    }
  }

  class GatedDescriptor {
    readonly #inner: WasiInterface;
    /** This descriptor's own guest path (normalised), e.g. `/data/sub`. */
    readonly #path: string;
    /** The guest name of the preopen it was opened from (for the platform's set-times). */
    readonly #root: string;

    constructor(inner: WasiInterface, path: string, root: string = path) {
      this.#inner = inner;
      this.#path = path;
      this.#root = root;
    }

    static unwrap(d: unknown): WasiInterface {
      if (!(d instanceof GatedDescriptor)) throw 'bad-descriptor';
      return d.#inner;
    }

    /**
     * The guest path `path` names, relative to this descriptor, with every symlink resolved
     * the way the platform will resolve it (the final one only when `followFinal`).
     * Symlinks are read through the platform descriptor itself, so this stays inside it.
     */
    #resolve(path: string, followFinal: boolean): string {
      const { segments, trailingSlash } = lexicalSegments(path);
      const inner = this.#inner;
      try {
        const resolved = resolveSymlinks(segments, trailingSlash, followFinal, {
          isLink(at) {
            try {
              return (inner.statAt({ symlinkFollow: false }, at.join('/')) as { type: string }).type === 'symbolic-link';
            } catch {
              // Does not exist (or cannot be examined): the rest is taken lexically, as the platform does.
              return null;
            }
          },
          readLink: (at) => String(inner.readlinkAt(at.join('/'))),
        });
        return joinGuest(this.#path, resolved);
      } catch (e) {
        throw e instanceof SymlinkEscape ? new Escape(path) : e;
      }
    }

    /**
     * Resolves once and checks each capability on the result; throws `not-permitted`
     * (escape, recorded against the first capability) or `access` (policy).
     */
    #checkAt(caps: readonly Cap[], path: string, followFinal: boolean, func: string): void {
      let guest: string;
      try {
        guest = this.#resolve(path, followFinal);
      } catch (e) {
        if (e instanceof Escape) {
          gate.recordEscape(caps[0]!, T, func, `${this.#path}/${path}`);
          throw 'not-permitted';
        }
        throw e;
      }
      for (const cap of caps) check(cap, guest, func);
    }

    #wrapChild(inner: WasiInterface, path: string): GatedDescriptor {
      // The child's guest path is the lexical one: the platform bases later `*-at` calls on it.
      return new GatedDescriptor(inner, joinGuest(this.#path, lexicalSegments(path).segments), this.#root);
    }

    // --- on this descriptor ---
    readViaStream(offset: bigint): WasiInterface {
      check('fs.read', this.#path, 'descriptor.read-via-stream');
      return new GatedInputStream(this.#inner.readViaStream(offset), this.#path);
    }
    writeViaStream(offset: bigint): WasiInterface {
      check('fs.write', this.#path, 'descriptor.write-via-stream');
      return new GatedOutputStream(this.#inner.writeViaStream(offset), this.#path);
    }
    appendViaStream(): WasiInterface {
      check('fs.write', this.#path, 'descriptor.append-via-stream');
      return new GatedOutputStream(this.#inner.appendViaStream(), this.#path);
    }
    advise(offset: bigint, length: bigint, advice: string): void {
      this.#inner.advise(offset, length, advice);
    }
    syncData(): void {
      this.#inner.syncData();
    }
    getFlags(): unknown {
      return this.#inner.getFlags();
    }
    getType(): string {
      return this.#inner.getType();
    }
    setSize(size: bigint): void {
      check('fs.write', this.#path, 'descriptor.set-size');
      this.#inner.setSize(size);
    }
    setTimes(atime: unknown, mtime: unknown): void {
      check('fs.write', this.#path, 'descriptor.set-times');
      // The platform's own set-times when it has one (exact; the shim's loses precision).
      if (fs.setTimes) fs.setTimes(this.#root, belowRoot(this.#root, this.#path), atime as NewTimestamp, mtime as NewTimestamp, true);
      else this.#inner.setTimes(atime, mtime);
    }
    read(length: bigint, offset: bigint): [Uint8Array, boolean] {
      check('fs.read', this.#path, 'descriptor.read');
      return this.#inner.read(length, offset);
    }
    write(buffer: Uint8Array, offset: bigint): bigint {
      check('fs.write', this.#path, 'descriptor.write');
      return this.#inner.write(buffer, offset);
    }
    readDirectory(): unknown {
      check('fs.read', this.#path, 'descriptor.read-directory');
      return this.#inner.readDirectory();
    }
    sync(): void {
      this.#inner.sync();
    }
    stat(): unknown {
      check('fs.read', this.#path, 'descriptor.stat');
      return this.#inner.stat();
    }
    isSameObject(other: unknown): boolean {
      return other instanceof GatedDescriptor && this.#inner.isSameObject(GatedDescriptor.unwrap(other));
    }
    metadataHash(): unknown {
      check('fs.read', this.#path, 'descriptor.metadata-hash');
      return this.#inner.metadataHash();
    }

    // --- on a path below this descriptor ---
    statAt(flags: PathFlags, path: string): unknown {
      this.#checkAt(READ, path, !!flags.symlinkFollow, 'descriptor.stat-at');
      return this.#inner.statAt(flags, path);
    }
    metadataHashAt(flags: PathFlags, path: string): unknown {
      this.#checkAt(READ, path, !!flags.symlinkFollow, 'descriptor.metadata-hash-at');
      return this.#inner.metadataHashAt(flags, path);
    }
    readlinkAt(path: string): string {
      this.#checkAt(READ, path, false, 'descriptor.readlink-at');
      return this.#inner.readlinkAt(path);
    }
    setTimesAt(flags: PathFlags, path: string, atime: unknown, mtime: unknown): void {
      this.#checkAt(WRITE, path, !!flags.symlinkFollow, 'descriptor.set-times-at');
      if (fs.setTimes) {
        const { segments, trailingSlash } = lexicalSegments(path);
        const below = belowRoot(this.#root, this.#path, segments);
        const [a, m] = [atime as NewTimestamp, mtime as NewTimestamp];
        fs.setTimes(this.#root, below + (trailingSlash && below !== '' ? '/' : ''), a, m, !!flags.symlinkFollow);
      } else this.#inner.setTimesAt(flags, path, atime, mtime);
    }
    createDirectoryAt(path: string): void {
      this.#checkAt(WRITE, path, false, 'descriptor.create-directory-at');
      this.#inner.createDirectoryAt(path);
    }
    removeDirectoryAt(path: string): void {
      this.#checkAt(WRITE, path, false, 'descriptor.remove-directory-at');
      this.#inner.removeDirectoryAt(path);
    }
    unlinkFileAt(path: string): void {
      this.#checkAt(WRITE, path, false, 'descriptor.unlink-file-at');
      this.#inner.unlinkFileAt(path);
    }
    symlinkAt(target: string, path: string): void {
      // The link is checked where it is created; what it points to is checked on every use.
      this.#checkAt(WRITE, path, false, 'descriptor.symlink-at');
      this.#inner.symlinkAt(target, path);
    }
    openAt(flags: PathFlags, path: string, open: OpenFlags, dflags: DescriptorFlags): GatedDescriptor {
      const func = 'descriptor.open-at';
      const follow = !!flags.symlinkFollow;
      const writes = !!(dflags.write || dflags.mutateDirectory || open.create || open.truncate || open.exclusive);
      // Reading is asked for explicitly, or implied by an open that writes nothing. One
      // resolution for both checks.
      this.#checkAt(writes ? (dflags.read ? READ_WRITE : WRITE) : READ, path, follow, func);
      return this.#wrapChild(this.#inner.openAt(flags, path, open, dflags), path);
    }
    linkAt(oldFlags: PathFlags, oldPath: string, newDir: unknown, newPath: string): void {
      const other = newDir instanceof GatedDescriptor ? newDir : null;
      if (other === null) throw 'bad-descriptor';
      // Both ends, each against its own descriptor: a link across two preopens with different rights.
      this.#checkAt(WRITE, oldPath, !!oldFlags.symlinkFollow, 'descriptor.link-at');
      other.#checkAt(WRITE, newPath, false, 'descriptor.link-at');
      this.#inner.linkAt(oldFlags, oldPath, other.#inner, newPath);
    }
    renameAt(oldPath: string, newDir: unknown, newPath: string): void {
      const other = newDir instanceof GatedDescriptor ? newDir : null;
      if (other === null) throw 'bad-descriptor';
      this.#checkAt(WRITE, oldPath, false, 'descriptor.rename-at');
      other.#checkAt(WRITE, newPath, false, 'descriptor.rename-at');
      this.#inner.renameAt(oldPath, other.#inner, newPath);
    }
    [Symbol.dispose](): void {
      disposeInner(this.#inner);
    }
  }

  const entries: Array<[GatedDescriptor, string]> = fs.preopens
    .getDirectories()
    .map(([inner, guest]) => [new GatedDescriptor(inner, guest), guest]);

  return {
    'wasi:filesystem/types': {
      Descriptor: GatedDescriptor,
      DirectoryEntryStream: fs.types.DirectoryEntryStream,
      filesystemErrorCode(err: unknown): unknown {
        return fs.types.filesystemErrorCode(err);
      },
    },
    'wasi:filesystem/preopens': {
      getDirectories(): Array<[GatedDescriptor, string]> {
        // Only what the live policy grants is listed (read or write on the preopen itself).
        return entries.filter(
          ([, guest]) =>
            gate.allows('fs.read', { kind: 'path', path: guest }, 'wasi:filesystem/preopens', 'get-directories') ||
            gate.allows('fs.write', { kind: 'path', path: guest }, 'wasi:filesystem/preopens', 'get-directories'),
        );
      },
    },
  };
}

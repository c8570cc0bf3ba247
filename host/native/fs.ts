/**
 * The native API's files, on the same confinement as a guest's (SPEC sections 5 and 7): every
 * path is resolved beneath a handle on its mapped directory, one component at a time, by the
 * guests' own walk (host/gate/fs/resolve.ts over the Node backend), never from a host path
 * string. So a second process swapping a directory for a symlink between the check and the
 * operation cannot lead a host-side call outside its directory either, and the rules are the
 * guests' rules: checked as written and where the walk really arrived, no probing inside a
 * place the caller may not touch, rename needs fs.read on the source, and renaming or removing
 * a path that holds a deny rule is refused.
 *
 * Each call opens its directory handle and closes every handle it opened before it returns:
 * the native API has no lifetime to tie held handles to.
 */
import type { OpenHow } from '../gate/fs/backend.js';
import { PathEscape, release, resolveBeneath, type Resolved } from '../gate/fs/resolve.js';
import type { Gate } from '../gate/gate.js';
import { NodeFsBackend } from '../node/fs-backend.js';
import { findMappedDir, type MappedDir } from './paths.js';
import { fsCodeOf, type FsCode } from './result.js';

type Cap = 'fs.read' | 'fs.write';
const IFACE = 'molt:native';
/** Handles one native call may hold at once: a walk's stack plus the two ends of a rename. */
const MAX_HANDLES_PER_CALL = 128;
/** The most one readFile returns; a larger file is `io` (the host asked for a whole file in memory). */
export const NATIVE_MAX_READ_BYTES = 1024 * 1024 * 1024;

/** A failure with its wasi:filesystem code, thrown inside a call and turned into a result. */
class Refusal {
  constructor(readonly code: FsCode) {}
}

/** What `stat` tells the host. */
export interface NativeStat {
  readonly type: 'directory' | 'regular-file' | 'symbolic-link' | 'unknown';
  readonly size: bigint;
}

const NONE: OpenHow = { read: false, write: false, create: false, exclusive: false, truncate: false, directory: false };

export class NativeFs {
  readonly #gate: Gate;
  readonly #dirs: readonly MappedDir[];

  constructor(gate: Gate, dirs: readonly MappedDir[]) {
    this.#gate = gate;
    this.#dirs = dirs;
  }

  /** Runs `body` with a backend whose every handle is closed afterwards, mapping failures to codes. */
  #call<T>(body: (backend: NodeFsBackend) => T): { ok: true; value: T } | { ok: false; code: FsCode } {
    const backend = new NodeFsBackend({ maxOpenFiles: MAX_HANDLES_PER_CALL });
    try {
      return { ok: true, value: body(backend) };
    } catch (e) {
      if (e instanceof Refusal) return { ok: false, code: e.code };
      return { ok: false, code: fsCodeOf(e) };
    } finally {
      backend.closeAll();
    }
  }

  #check(cap: Cap, guestPath: string, func: string): void {
    if (!this.#gate.allows(cap, { kind: 'path', path: guestPath }, IFACE, func)) throw new Refusal('access');
  }

  /**
   * Resolves `guestPath` beneath its mapped directory and checks `caps` where it is written
   * and where the walk arrived. The result's directory stays open until the call ends.
   */
  #resolve(
    backend: NodeFsBackend,
    caps: readonly Cap[],
    guestPath: string,
    follow: boolean,
    func: string,
  ): { r: Resolved<number>; guest: string } {
    const found = findMappedDir(this.#dirs, guestPath);
    if (found === undefined) {
      this.#gate.recordEscape(caps[0]!, IFACE, func, guestPath);
      throw new Refusal('not-permitted');
    }
    const { dir, rest, written } = found;
    // As written first, so the walk never looks inside a place the caller may not touch.
    if (written !== null) for (const cap of caps) this.#check(cap, written, func);
    const root = backend.openRoot(dir.host);
    let r: Resolved<number>;
    try {
      r =
        rest === ''
          ? { dir: root, owned: false, name: null, segments: [], mustBeDirectory: true }
          : resolveBeneath(backend, root, rest, follow, (segments) => this.#gate.mayStepInto(caps, joinGuest(dir.guest, segments)));
    } catch (e) {
      if (e instanceof PathEscape) {
        this.#gate.recordEscape(caps[0]!, IFACE, func, guestPath);
        throw new Refusal('not-permitted');
      }
      if (e === 'loop') throw new Refusal('io');
      throw e;
    }
    const guest = joinGuest(dir.guest, r.segments);
    if (guest !== written) for (const cap of caps) this.#check(cap, guest, func);
    return { r, guest };
  }

  /** Opens what `guestPath` names (following a final symlink) as `how` says. */
  #open(backend: NodeFsBackend, cap: Cap, guestPath: string, func: string, how: Partial<OpenHow>): number {
    const { r } = this.#resolve(backend, [cap], guestPath, true, func);
    const opts = { ...NONE, ...how };
    return r.name === null ? backend.reopen(r.dir, opts) : backend.openAt(r.dir, r.name, opts);
  }

  /** Refuses to rename or remove `guest` when a deny rule lies at or below it. */
  #checkNoDenyWithin(guest: string, func: string): void {
    for (const cap of ['fs.write', 'fs.read'] as const) {
      if (this.#gate.deniesWithin(cap, guest, IFACE, func)) throw new Refusal('access');
    }
  }

  readFile(guestPath: string) {
    return this.#call((backend) => {
      const h = this.#open(backend, 'fs.read', guestPath, 'read-file', { read: true });
      const size = backend.stat(h).size;
      if (size > BigInt(NATIVE_MAX_READ_BYTES)) throw new Refusal('io');
      const chunks: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        const chunk = backend.read(h, 1 << 20, BigInt(total));
        if (chunk.length === 0) break;
        total += chunk.length;
        if (total > NATIVE_MAX_READ_BYTES) throw new Refusal('io');
        chunks.push(chunk);
      }
      const out = new Uint8Array(total);
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.length;
      }
      return out;
    });
  }

  writeFile(guestPath: string, data: Uint8Array | string) {
    return this.#call((backend) => {
      const h = this.#open(backend, 'fs.write', guestPath, 'write-file', { write: true, create: true, truncate: true });
      const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
      for (let at = 0; at < bytes.length;) at += backend.write(h, bytes.subarray(at), BigInt(at));
    });
  }

  stat(guestPath: string) {
    return this.#call((backend): NativeStat => {
      const { r } = this.#resolve(backend, ['fs.read'], guestPath, true, 'stat');
      const s = r.name === null ? backend.stat(r.dir) : backend.statAt(r.dir, r.name);
      const type = s.type === 'directory' || s.type === 'regular-file' || s.type === 'symbolic-link' ? s.type : 'unknown';
      return { type, size: s.size };
    });
  }

  readdir(guestPath: string) {
    return this.#call((backend) => {
      const h = this.#open(backend, 'fs.read', guestPath, 'readdir', { directory: true });
      const listing = backend.list(h);
      const names: string[] = [];
      try {
        for (let e = listing.next(); e !== undefined; e = listing.next()) names.push(e.name);
      } finally {
        listing.close();
      }
      return names.sort();
    });
  }

  mkdir(guestPath: string) {
    return this.#call((backend) => {
      const { r } = this.#resolve(backend, ['fs.write'], guestPath, false, 'mkdir');
      if (r.name === null) throw new Refusal('exist');
      backend.mkdirAt(r.dir, r.name);
    });
  }

  /** A file, or an empty directory (WASI's unlink-file-at / remove-directory-at). */
  unlink(guestPath: string) {
    return this.#call((backend) => {
      const { r, guest } = this.#resolve(backend, ['fs.write'], guestPath, false, 'unlink');
      if (r.name === null) throw new Refusal('not-permitted');
      this.#checkNoDenyWithin(guest, 'unlink');
      if (backend.statAt(r.dir, r.name).type === 'directory') backend.rmdirAt(r.dir, r.name);
      else backend.unlinkAt(r.dir, r.name);
    });
  }

  /**
   * Both ends need fs.write (a rename target is a second path: Deno CVE-2024-27931) and the
   * source fs.read as well (moving a file out of a write-only place is a way to read it).
   */
  rename(from: string, to: string) {
    return this.#call((backend) => {
      const a = this.#resolve(backend, ['fs.write', 'fs.read'], from, false, 'rename');
      if (a.r.name === null) throw new Refusal('not-permitted');
      this.#checkNoDenyWithin(a.guest, 'rename');
      const b = this.#resolve(backend, ['fs.write'], to, false, 'rename');
      if (b.r.name === null) throw new Refusal('not-permitted');
      try {
        backend.renameAt(a.r.dir, a.r.name, b.r.dir, b.r.name);
      } finally {
        release(backend, a.r);
        release(backend, b.r);
      }
    });
  }
}

function joinGuest(base: string, segments: readonly string[]): string {
  if (segments.length === 0) return base;
  return base === '/' ? `/${segments.join('/')}` : `${base}/${segments.join('/')}`;
}

/**
 * The native (host-side) gated API, SPEC section 7: the counterpart of Molt's runtime OS-call
 * wrappers. Host code calls these instead of node:fs / process.env / Date / node:net, and
 * every call asks the SAME PolicyEngine, for the same subject, as a guest's WIT imports do,
 * so one policy means one answer on both sides (test/parity holds them side by side).
 *
 * Shape of the answers (the choice this module documents):
 * - fs, net, fetch: `{ ok: true, value } | { ok: false, code }` with the WIT error code the
 *   guest would get (`access`, `not-permitted`, `no-entry`, `access-denied`,
 *   `HTTP-request-denied`, ...). Never throws for a denial.
 * - clocks, whose WIT functions have no error channel: throw CapabilityDeniedError when
 *   `time` is not granted (the guest traps there).
 * - env reads as empty without the `env` grant (SPEC section 5: `getEnv` gives undefined,
 *   `listEnv` `{}`, the denial is audited), as a guest's get-environment does; never throws.
 *   With `env` granted by names, variables outside the grant are simply absent.
 * - check/checkId: the four codes of SPEC section 2.
 * Every decision is live: a revoke/deny/drop on the engine shows at the next call.
 */
import type { Stats } from 'node:fs';
import { mkdir, readdir, readFile, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { CapabilityDeniedError } from '../errors.js';
import type { AuditSink } from '../gate/audit.js';
import { CapId, Gate } from '../gate/gate.js';
import type { PolicyEngine } from '../policy/index.js';
import type { CheckResult, CheckTarget, SubjectId } from '../policy/types.js';
import { NativeNet, type FetchResponse, type ResolvedAddress } from './net.js';
import { mapDirs, resolveGuestPath } from './paths.js';
import { fail, fsCodeOf, ok, type FsCode, type HttpCode, type NativeResult, type NetCode } from './result.js';

export type { FetchResponse, ResolvedAddress } from './net.js';
export type { FsCode, HttpCode, NativeResult, NetCode } from './result.js';

export interface NativeApiOptions {
  readonly engine: PolicyEngine;
  /** The caller's subject in that engine (engine.createSubject(manifest)). */
  readonly subject: SubjectId;
  /** Guest path -> host directory; paths outside every mapped directory are `not-permitted`. Default none. */
  readonly dirs?: Readonly<Record<string, string>>;
  /** The environment the `env` grant filters. Default `{}` (process.env is NOT read implicitly). */
  readonly env?: Readonly<Record<string, string>>;
  /** One record per decision, in the guest gate's format (operation `molt:native#<func>`). */
  readonly audit?: AuditSink;
}

export interface WallTime {
  readonly seconds: bigint;
  readonly nanoseconds: number;
}

export interface NativeStat {
  readonly type: 'directory' | 'regular-file' | 'symbolic-link' | 'unknown';
  readonly size: bigint;
}

export interface NativeApi {
  readonly subject: SubjectId;
  readFile(guestPath: string): Promise<NativeResult<Uint8Array, FsCode>>;
  writeFile(guestPath: string, data: Uint8Array | string): Promise<NativeResult<void, FsCode>>;
  stat(guestPath: string): Promise<NativeResult<NativeStat, FsCode>>;
  readdir(guestPath: string): Promise<NativeResult<string[], FsCode>>;
  mkdir(guestPath: string): Promise<NativeResult<void, FsCode>>;
  /** Removes a file (or an empty directory, like WASI's unlink-file-at/remove-directory-at). */
  unlink(guestPath: string): Promise<NativeResult<void, FsCode>>;
  rename(from: string, to: string): Promise<NativeResult<void, FsCode>>;
  /** Undefined without any `env` grant (audited as a denial), when outside the grant, or when unset. */
  getEnv(name: string): string | undefined;
  /** `{}` without any `env` grant (audited as a denial); only the granted names otherwise. */
  listEnv(): Record<string, string>;
  /** Throws CapabilityDeniedError without `time`. */
  wallClock(): WallTime;
  /** Nanoseconds, monotonic. Throws CapabilityDeniedError without `time`. */
  monotonicClock(): bigint;
  lookup(host: string): Promise<NativeResult<ResolvedAddress[], NetCode>>;
  connect(host: string, port: number): Promise<NativeResult<import('node:net').Socket, NetCode>>;
  fetch(url: string, init?: { method?: string; body?: Uint8Array }): Promise<NativeResult<FetchResponse, HttpCode>>;
  /** SPEC section 2 codes for a capability name (unscoped). */
  check(cap: string): CheckResult;
  /** SPEC section 2 codes for a capability id. */
  checkId(id: number): CheckResult;
}

const IFACE = 'molt:native';

export function createNativeApi(options: NativeApiOptions): NativeApi {
  const { engine, subject, audit } = options;
  const dirs = mapDirs(options.dirs ?? {});
  const env = Object.entries(options.env ?? {});

  // The guest gate's decision point (checks, audit records), so both APIs decide alike.
  const gate = new Gate(engine, subject, audit);
  const allows = (cap: string, target: CheckTarget, func: string): boolean => gate.allows(cap, target, IFACE, func);

  /** Unscoped gate for functions without an error channel: the native trap. */
  function requireCap(id: number, cap: string, func: string): void {
    // Same bit the guest gate reads (checkId), so an invalid subject traps here too.
    if (!gate.allowsId(id, IFACE, func)) {
      throw new CapabilityDeniedError(`capability '${cap}' denied: ${IFACE}#${func}`, cap, IFACE, func);
    }
  }

  type Gated = { ok: true; host: string } | { ok: false; code: FsCode };
  /** Confinement first (`not-permitted`), then the policy on the resolved guest path (`access`). */
  function gatePath(cap: 'fs.read' | 'fs.write', guestPath: string, followFinal: boolean, func: string): Gated {
    const r = resolveGuestPath(dirs, guestPath, followFinal);
    if (r.kind === 'escape') {
      gate.recordEscape(cap, IFACE, func, guestPath);
      return { ok: false, code: 'not-permitted' };
    }
    if (r.kind === 'loop') return { ok: false, code: 'io' };
    if (!allows(cap, { kind: 'path', path: r.guest }, func)) return { ok: false, code: 'access' };
    return { ok: true, host: r.host };
  }

  async function run<T>(p: () => Promise<T>): Promise<NativeResult<T, FsCode>> {
    try {
      return ok(await p());
    } catch (e) {
      return fail(fsCodeOf(e));
    }
  }

  const net = new NativeNet(engine, subject, (host, port, func) =>
    allows('net', port === undefined ? { kind: 'net', host } : { kind: 'net', host, port }, func),
  );

  return {
    subject,
    async readFile(p) {
      const g = gatePath('fs.read', p, true, 'read-file');
      return g.ok ? run(async () => new Uint8Array(await readFile(g.host))) : g;
    },
    async writeFile(p, data) {
      const g = gatePath('fs.write', p, true, 'write-file');
      return g.ok ? run(() => writeFile(g.host, data)) : g;
    },
    async stat(p) {
      const g = gatePath('fs.read', p, true, 'stat');
      return g.ok ? run(async () => toStat(await stat(g.host))) : g;
    },
    async readdir(p) {
      const g = gatePath('fs.read', p, true, 'readdir');
      return g.ok ? run(async () => (await readdir(g.host)).sort()) : g;
    },
    async mkdir(p) {
      const g = gatePath('fs.write', p, false, 'mkdir');
      return g.ok ? run(() => mkdir(g.host)) : g;
    },
    async unlink(p) {
      const g = gatePath('fs.write', p, false, 'unlink');
      if (!g.ok) return g;
      return run(async () => {
        try {
          await unlink(g.host);
        } catch (e) {
          // Linux says EISDIR, macOS EPERM for a directory: remove it as an empty directory.
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== 'EISDIR' && code !== 'EPERM') throw e;
          await rmdir(g.host);
        }
      });
    },
    async rename(from, to) {
      // Both ends need fs.write (a rename target is a second path: Deno CVE-2024-27931).
      const a = gatePath('fs.write', from, false, 'rename');
      if (!a.ok) return a;
      const b = gatePath('fs.write', to, false, 'rename');
      if (!b.ok) return b;
      return run(() => rename(a.host, b.host));
    },
    getEnv(name) {
      if (!gate.allowsId(CapId.env, IFACE, 'get-env')) return undefined;
      if (!allows('env', { kind: 'env', name }, 'get-env')) return undefined;
      return env.find(([k]) => k === name)?.[1];
    },
    listEnv() {
      const out: Record<string, string> = {};
      if (!gate.allowsId(CapId.env, IFACE, 'list-env')) return out;
      for (const [k, v] of env) if (allows('env', { kind: 'env', name: k }, 'list-env')) out[k] = v;
      return out;
    },
    wallClock() {
      requireCap(CapId.time, 'time', 'wall-clock');
      const ms = BigInt(Date.now());
      return { seconds: ms / 1000n, nanoseconds: Number(ms % 1000n) * 1_000_000 };
    },
    monotonicClock() {
      requireCap(CapId.time, 'time', 'monotonic-clock');
      return process.hrtime.bigint();
    },
    lookup: (host) => net.lookup(host),
    connect: (host, port) => net.connect(host, port),
    fetch: (url, init) => net.fetch(url, init),
    check: (cap) => engine.check(subject, cap),
    checkId: (id) => engine.check(subject, id),
  };
}

function toStat(s: Stats): NativeStat {
  return {
    type: s.isDirectory() ? 'directory' : s.isFile() ? 'regular-file' : s.isSymbolicLink() ? 'symbolic-link' : 'unknown',
    size: BigInt(s.size),
  };
}

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
import { CapabilityDeniedError } from '../errors.js';
import type { AuditSink } from '../gate/audit.js';
import { CapId, Gate } from '../gate/gate.js';
import type { PolicyEngine } from '../policy/index.js';
import type { CheckResult, CheckTarget, SubjectId } from '../policy/types.js';
import { NativeNet, type FetchResponse, type ResolvedAddress } from './net.js';
import { NativeFs, type NativeStat } from './fs.js';
import { mapDirs } from './paths.js';
import type { FsCode, HttpCode, NativeResult, NetCode } from './result.js';

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

export type { NativeStat } from './fs.js';

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

  // Files resolve beneath a handle on their mapped directory, by the guests' own walk.
  const files = new NativeFs(gate, dirs);

  const net = new NativeNet(engine, subject, (host, port, func) =>
    allows('net', port === undefined ? { kind: 'net', host } : { kind: 'net', host, port }, func),
  );

  return {
    subject,
    readFile: async (p) => files.readFile(p),
    writeFile: async (p, data) => files.writeFile(p, data),
    stat: async (p) => files.stat(p),
    readdir: async (p) => files.readdir(p),
    mkdir: async (p) => files.mkdir(p),
    unlink: async (p) => files.unlink(p),
    rename: async (from, to) => files.rename(from, to),
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

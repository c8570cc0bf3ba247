/**
 * The gated WASI 0.2 import object for one guest (SPEC section 5), keyed by unversioned
 * interface name with camelCase members exactly like preview2-shim's
 * `WASIShim.getImportObject()`, plus `molt:capabilities/capabilities`. The preview1 layer
 * (host/preview1/) builds on this same object. Platform-neutral: the platform supplies the
 * ungated implementations.
 */
import { normalizeGuestPath, pathCovers } from '../policy/scopes/path.js';
import type { SubjectId } from '../policy/types.js';
import { CoalescingAudit, type AuditSink, type DenialSink } from './audit.js';
import { createCapabilitiesInterface } from './capabilities.js';
import { createGatedCli } from './cli.js';
import { createGatedClocks } from './clocks.js';
import { createGatedFilesystem } from './filesystem.js';
import { Gate, type PolicyChecker } from './gate.js';
import type { GatePrompt } from './prompt.js';
import { createGatedNet } from './net.js';
import { HttpGuestResources } from './http.js';
import { countHeldResources, DEFAULT_MAX_HOST_RESOURCES } from './held.js';
import { LiveResources } from './resource.js';
import { GuestSockets } from './sockets.js';
import { createGatedRandom } from './random.js';
import type { PreopenPlan } from './preopens.js';
import type { GuestIo, WasiImportObject, WasiPlatform } from './types.js';

export interface GatedWasiOptions {
  /** The policy engine (PolicyEngine from host/policy). */
  readonly engine: PolicyChecker;
  /** The guest's subject in that engine: each guest instance has its own. */
  readonly subject: SubjectId;
  /** Receives one record per decision. Default: none (nothing is recorded). */
  readonly audit?: AuditSink;
  /** The guest's args, env, cwd, stdio. Default: all empty, output discarded. */
  readonly io?: GuestIo;
  /** Preopened directories (see planPreopens). Default: none. */
  readonly preopens?: readonly PreopenPlan[];
  /** The ungated WASI implementations (host/node/platform.ts in Node). */
  readonly platform: WasiPlatform;
  /** Asked when the policy denies (see prompt.ts PromptGate). Default: none (denials stand). */
  readonly prompt?: GatePrompt;
  /** Host file handles the guest may hold at once (past it: `insufficient-memory`). Default 256. */
  readonly maxOpenFiles?: number | undefined;
  /** Told of every denial, with the checked target (see DenialSink). Default: none. */
  readonly denials?: DenialSink;
  /**
   * `wasi:http/types` resources the guest may hold at once that it made without a capability
   * (fields, outgoing-request, outgoing-response, request-options); past it the guest traps.
   * Default 1024 (DEFAULT_MAX_HTTP_RESOURCES).
   */
  readonly maxHttpResources?: number | undefined;
  /**
   * Resources any call hands the guest that it may hold at once (pollables, streams, bodies,
   * futures, sockets, descriptors, each `headers()`, ...; host/gate/held.ts); past it the
   * guest traps. Default 16384 (DEFAULT_MAX_HOST_RESOURCES).
   */
  readonly maxHostResources?: number | undefined;
  /**
   * Whether resources handed out are counted against maxHostResources (default true). False
   * only for a preview1 guest: the preview1 layer (host code) holds every 0.2 resource for it,
   * in a descriptor table bounded by maxOpenFiles, and the guest never holds a handle.
   */
  readonly countHostResources?: boolean | undefined;
}

/** Each import object's HTTP resources (see httpResourcesOf). */
const httpResources = new WeakMap<object, HttpGuestResources>();

/**
 * The HTTP resources of the guest of `imports`: what a host that hands the guest resources
 * of its own (`serve`'s incoming request) counts them against.
 */
export function httpResourcesOf(imports: object): HttpGuestResources | undefined {
  return httpResources.get(imports);
}

/** Whether the guest imports an interface under `prefix` (`wasi:cli/`); every one when `interfaces` is not given. */
function importsUnder(interfaces: ReadonlySet<string> | undefined, prefix: string): boolean {
  if (interfaces === undefined) return true;
  for (const i of interfaces) if (i.startsWith(prefix)) return true;
  return false;
}

/** How to release each import object's host resources (see disposeGatedWasi). */
const disposers = new WeakMap<object, () => void>();

/**
 * Closes every host resource the guest of `imports` still holds (files, directories,
 * listings, sockets, outgoing HTTP connections). Both hosts call it when a guest ends, however it ends. Idempotent.
 */
export function disposeGatedWasi(imports: object): void {
  disposers.get(imports)?.();
}

export function createGatedWasi(options: GatedWasiOptions): WasiImportObject {
  // Every part is built when no interface list is given: the whole object.
  return buildGatedWasi(options, undefined) as WasiImportObject;
}

/**
 * The gated import object of a guest that imports `interfaces` (unversioned names, as the
 * transpile cache lists them): only the parts that hold one of them are built (each part
 * whole, under the same gate as createGatedWasi's), the others are absent. For a server that
 * makes an import object per request (host/serve/): a proxy that imports no filesystem,
 * sockets or CLI interface has none of those built, which were a third of a request's host
 * allocations. Released with disposeGatedWasi like the whole object.
 */
export function createGatedWasiFor(options: GatedWasiOptions, interfaces: ReadonlySet<string>): Partial<WasiImportObject> {
  return buildGatedWasi(options, interfaces);
}

function buildGatedWasi(options: GatedWasiOptions, interfaces: ReadonlySet<string> | undefined): Partial<WasiImportObject> {
  const { platform } = options;
  const has = (prefix: string): boolean => importsUnder(interfaces, prefix);
  // Repeats coalesced, what is held bounded: a guest chooses how many decisions it causes.
  const audit = options.audit === undefined ? undefined : new CoalescingAudit(options.audit);
  const gate = new Gate(options.engine, options.subject, audit?.sink, options.prompt, options.denials);
  const preopens = options.preopens ?? [];
  const fs = has('wasi:filesystem/') ? createGatedFilesystem(gate, platform, preopens, { maxOpenFiles: options.maxOpenFiles }) : undefined;
  const withHttp = has('wasi:http/');
  const withSockets = has('wasi:sockets/');
  const http = withHttp ? new HttpGuestResources({ maxResources: options.maxHttpResources }) : undefined;
  const sockets = withSockets ? new GuestSockets() : undefined;
  const netOptions = { ...(http !== undefined ? { httpResources: http } : {}), ...(sockets !== undefined ? { sockets } : {}) };
  // Every part the guest could reach, each under the same gate; a part it does not import is left out whole.
  const parts: Partial<WasiImportObject> = {
    ...(has('wasi:cli/') ? createGatedCli(gate, { ...options.io, cwd: guestCwd(options.io?.cwd, preopens) }, platform) : {}),
    ...(has('wasi:clocks/') ? createGatedClocks(gate, platform) : {}),
    ...fs?.imports,
    ...(withHttp || withSockets ? createGatedNet(gate, platform, netOptions, { http: withHttp, sockets: withSockets }) : {}),
    'wasi:io/error': platform.io.error,
    'wasi:io/poll': platform.io.poll,
    'wasi:io/streams': platform.io.streams,
    ...(has('wasi:random/') ? createGatedRandom(platform) : {}),
    ...(has('molt:capabilities/') ? createCapabilitiesInterface(gate) : {}),
  };
  // Every resource a call hands the guest is counted until it drops it (held.ts).
  const imports =
    options.countHostResources === false
      ? parts
      : countHeldResources(
          parts,
          new LiveResources(
            options.maxHostResources ?? DEFAULT_MAX_HOST_RESOURCES,
            'maxHostResources, --max-host-resources',
            'host resources',
          ),
        );
  if (http !== undefined) httpResources.set(imports, http);
  disposers.set(imports, () => {
    fs?.dispose();
    http?.closeAll();
    sockets?.closeAll();
    audit?.flush();
  });
  return imports;
}

/**
 * `initial-cwd` is a guest path inside a preopen, or none: never a host path, never a place
 * the guest was given no directory for (SPEC section 5).
 */
function guestCwd(cwd: string | undefined, preopens: readonly PreopenPlan[]): string | undefined {
  if (cwd === undefined) return undefined;
  const norm = normalizeGuestPath(cwd);
  if (norm === null) return undefined;
  return preopens.some((p) => pathCovers(p.guest, norm)) ? norm : undefined;
}

export { Gate, CapId, type PolicyChecker } from './gate.js';
export { CapabilityTrap, isCapabilityTrap } from './trap.js';
export { DEFAULT_MAX_HTTP_RESOURCES } from './http.js';
export { DEFAULT_MAX_HOST_RESOURCES, holdResource } from './held.js';
export { MAX_FIELDS_BYTES } from './fields-size.js';
export { HostLimitTrap, ResourceLimitTrap, RANDOM_BYTES_MAX, STREAM_CHUNK, STREAM_READ_MAX, STREAM_WRITE_PERMIT } from './host-limits.js';
export { GuestExit, isGuestExit } from './exit.js';
export type { AuditRecord, AuditSink, DenialSink } from './audit.js';
export {
  PromptGate,
  escapeForTerminal,
  broadenScope,
  formatQuestion,
  parseAnswer,
  type GatePrompt,
  type PromptAnswer,
  type PromptCallback,
  type PromptGateOptions,
  type PromptOutcome,
  type PromptPolicy,
  type PromptQuestion,
} from './prompt.js';
export { planPreopens, guestPathOfHost, type PreopenPlan } from './preopens.js';
export { MOLT_CAPABILITIES_IMPORT } from './capabilities.js';
export type {
  GuestIo,
  OutputSink,
  PlatformOutgoingHandler,
  PlatformSockets,
  WasiImportObject,
  WasiImports,
  WasiImportsPart,
  WasiPlatform,
} from './types.js';

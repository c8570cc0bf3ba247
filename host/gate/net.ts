/**
 * The network part of a guest's import object (SPEC section 5): `wasi:sockets/*`
 * (host/gate/sockets.ts) and `wasi:http/*` (host/gate/http.ts), both deciding through one
 * NetDecider per guest (host/gate/net-policy.ts), so a name the guest looked up through
 * `ip-name-lookup` and the addresses it got are remembered for that guest alone.
 * Platform-neutral.
 */
import type { Gate } from './gate.js';
import { createGatedHttp, HttpGuestResources, type Resolution } from './http.js';
import { NetDecider } from './net-policy.js';
import { createGatedSockets, type GuestSockets } from './sockets.js';
import type { WasiImportsPart, WasiPlatform } from './types.js';

export interface GatedNetOptions {
  /** Replaces the platform resolver HTTP uses for deny rules on addresses (tests, embedders). */
  readonly resolve?: (name: string) => Resolution;
  /** The guest's HTTP resources (bounded; closed by the caller when the guest ends). Default: a new one. */
  readonly httpResources?: HttpGuestResources;
  /** The guest's sockets (bounded; closed by the caller when the guest ends). Default: a new set. */
  readonly sockets?: GuestSockets;
}

/** Which parts createGatedNet builds (createGatedWasiFor leaves out what the guest does not import). */
export interface GatedNetParts {
  readonly sockets: boolean;
  readonly http: boolean;
}

type NetImports = ReturnType<typeof createGatedSockets> &
  ReturnType<typeof createGatedHttp> &
  Partial<WasiImportsPart<'wasi:http/incoming-handler'>>;

/** Both parts. */
export function createGatedNet(gate: Gate, platform: WasiPlatform, options?: GatedNetOptions): NetImports;
/** Only the parts asked for; the others are absent. */
export function createGatedNet(gate: Gate, platform: WasiPlatform, options: GatedNetOptions, parts: GatedNetParts): Partial<NetImports>;
export function createGatedNet(
  gate: Gate,
  platform: WasiPlatform,
  options: GatedNetOptions = {},
  parts: GatedNetParts = { sockets: true, http: true },
): Partial<NetImports> {
  const decider = new NetDecider(gate);
  return {
    ...(parts.sockets ? createGatedSockets(decider, platform, options.sockets) : {}),
    ...(parts.http ? createGatedHttp(decider, platform, options.resolve, options.httpResources) : {}),
    ...(parts.http && platform.http.incomingHandler ? { 'wasi:http/incoming-handler': platform.http.incomingHandler } : {}),
  };
}

export { NetDecider } from './net-policy.js';
export type { Resolution } from './http.js';

/**
 * The capability registry, SPEC section 1. Append-only: an id is never renumbered or reused
 * (test/policy/capabilities.test.ts pins every pair). Unknown ids and names are `cap-invalid`.
 */
import type { CapabilityId, CapabilityName, ScopeKind } from './types.js';

export interface CapabilityInfo {
  readonly id: CapabilityId;
  readonly name: CapabilityName;
  /** Which scope syntax the capability takes; `none` means only `true` grants exist. */
  readonly scopeKind: ScopeKind;
  readonly description: string;
}

export const CAPABILITIES: readonly CapabilityInfo[] = Object.freeze([
  Object.freeze({
    id: 1,
    name: 'console.write',
    scopeKind: 'none',
    description: 'the guest writing to stdout/stderr',
  }),
  Object.freeze({
    id: 2,
    name: 'net',
    scopeKind: 'net',
    description: 'outbound and inbound network: DNS lookups, TCP/UDP, outgoing HTTP',
  }),
  Object.freeze({
    id: 3,
    name: 'fs.read',
    scopeKind: 'path',
    description: 'reading files, directories, metadata, links',
  }),
  Object.freeze({
    id: 4,
    name: 'fs.write',
    scopeKind: 'path',
    description: 'creating, writing, truncating, renaming, linking, deleting, setting times/size',
  }),
  Object.freeze({
    id: 5,
    name: 'env',
    scopeKind: 'env',
    description: 'reading environment variables',
  }),
  Object.freeze({
    id: 6,
    name: 'time',
    scopeKind: 'none',
    description: 'wall clock, monotonic clock, sleeping on a clock',
  }),
] satisfies CapabilityInfo[]);

/** Every capability name, in id order. */
export const ALL_CAPABILITY_NAMES: readonly CapabilityName[] = Object.freeze(CAPABILITIES.map((c) => c.name));

/** The largest id in use. The engine's bitset keeps one bit per id, so this must stay below 32. */
export const MAX_CAPABILITY_ID: number = CAPABILITIES.reduce((m, c) => Math.max(m, c.id), 0);

const byName = new Map<string, CapabilityInfo>(CAPABILITIES.map((c) => [c.name, c]));
// Indexed by id for the hot path; slot 0 and gaps stay undefined.
const byId: (CapabilityInfo | undefined)[] = [];
for (const c of CAPABILITIES) byId[c.id] = c;

/** Exact, case-sensitive lookup (`Net` is not `net`). */
export function capabilityByName(name: string): CapabilityInfo | undefined {
  return byName.get(name);
}

/** Lookup by numeric id; non-integers, 0, negatives and unassigned ids give undefined. */
export function capabilityById(id: number): CapabilityInfo | undefined {
  if (!Number.isInteger(id) || id < 0 || id >= byId.length) return undefined;
  return byId[id];
}

export function isCapabilityName(name: string): name is CapabilityName {
  return byName.has(name);
}

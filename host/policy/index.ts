/** The policy core (SPEC sections 1-3): pure, usable in Node and in the browser. */
export * from './types.js';
export {
  ALL_CAPABILITY_NAMES,
  CAPABILITIES,
  MAX_CAPABILITY_ID,
  capabilityById,
  capabilityByName,
  isCapabilityName,
  type CapabilityInfo,
} from './capabilities.js';
export { PathScope, normalizeGuestPath } from './scopes/path.js';
export { NetScope, normalizeHostName, type NetTarget } from './scopes/net.js';
export { canonicalIp, formatIp, parseIpAddress, type IpAddress } from './scopes/ip.js';
export { EnvScope, isValidEnvName } from './scopes/env.js';
export {
  compileScopeObjects,
  compileScopes,
  isValidTarget,
  parseTarget,
  parseScope,
  parseScopeObject,
  scopeCovers,
  scopeMatches,
  type AnyScope,
  type ParsedTarget,
  type ScopeSet,
} from './scopes/index.js';
export { emptyManifest, manifestCovers, mergeManifests, normalizeManifest } from './manifest.js';
export { CompiledPolicy } from './policy.js';
export { PolicyEngine, SubjectHandle, type PolicyChange, type PolicyChangeListener, type SubjectOptions } from './engine.js';
export { PolicyRules, type RuleMap, type ScopeGrant } from './rules.js';
export { resolvePolicy, type PolicyLayer, type ResolvePolicyInput, type ResolvedPolicy } from './precedence.js';

/**
 * One entry point for scopes by capability: `parseScope` (validate + canonicalise one
 * pattern, used by the manifest codec) and `compileScopes` (a list to a matcher).
 */
import { ScopeError, UnknownCapabilityError } from '../../errors.js';
import { capabilityByName } from '../capabilities.js';
import type { CapabilityName, CheckTarget, ScopeKind } from '../types.js';
import { EnvScope, isValidEnvName } from './env.js';
import { NetScope, parseHost } from './net.js';
import { normalizeGuestPath, PathScope } from './path.js';

export type AnyScope = PathScope | NetScope | EnvScope;

function scopeKindOf(cap: CapabilityName, where: string): ScopeKind {
  const info = capabilityByName(cap);
  if (info === undefined) {
    throw new UnknownCapabilityError(`unknown capability ${JSON.stringify(cap)}`, where, cap);
  }
  return info.scopeKind;
}

/** Parses one pattern for `cap` into its scope object. Throws ScopeError / UnknownCapabilityError. */
export function parseScopeObject(cap: CapabilityName, input: string, where = `${cap} scope`): AnyScope {
  const kind = scopeKindOf(cap, where);
  switch (kind) {
    case 'path':
      return PathScope.parse(input, where);
    case 'net':
      return NetScope.parse(input, where);
    case 'env':
      return EnvScope.parse(input, where);
    case 'none':
      throw new ScopeError(
        `capability "${cap}" takes no scopes, got ${JSON.stringify(input)}; grant it with true`,
        where,
        input,
      );
  }
}

/** Whether scope `outer` covers everything `inner` covers; scopes of different kinds never do. */
export function scopeCovers(outer: AnyScope, inner: AnyScope): boolean {
  if (outer instanceof PathScope) return inner instanceof PathScope && outer.covers(inner);
  if (outer instanceof NetScope) return inner instanceof NetScope && outer.covers(inner);
  return inner instanceof EnvScope && outer.covers(inner);
}

/**
 * Whether two scopes may match a common target (conservative: true when unsure). Used by
 * revocation, which must never leave a revoked target reachable.
 */
export function scopesMayOverlap(a: AnyScope, b: AnyScope): boolean {
  if (scopeCovers(a, b) || scopeCovers(b, a)) return true;
  if (a instanceof NetScope && b instanceof NetScope) {
    // Different ports never meet; otherwise compare the host parts alone.
    if (a.port !== undefined && b.port !== undefined && a.port !== b.port) return false;
    const ha = a.withoutPort();
    const hb = b.withoutPort();
    return ha.covers(hb) || hb.covers(ha);
  }
  return false;
}

/**
 * Validates one scope pattern for `cap` and returns its canonical string
 * (`parseScope('net', 'API.Example.com.:443')` is `"api.example.com:443"`).
 * `where` (default `"<cap> scope"`) names the source in errors. Throws ScopeError for a bad
 * pattern or a capability without scopes, UnknownCapabilityError for an unknown capability.
 */
export function parseScope(cap: CapabilityName, input: string, where?: string): string {
  return parseScopeObject(cap, input, where).toString();
}

/** A compiled list of scopes of one capability. */
export interface ScopeSet {
  readonly kind: ScopeKind;
  readonly scopes: readonly AnyScope[];
  /** Whether some scope allows the target. A target of the wrong kind or malformed: false. */
  allows(target: CheckTarget): boolean;
  /** Whether some scope, read as a deny rule, matches the target. */
  blocks(target: CheckTarget): boolean;
  /** Whether the target is well formed for this kind (malformed targets are refused by the policy). */
  isValidTarget(target: CheckTarget): boolean;
}

/** Whether a target is well formed: a path that does not escape, a host name or IP, a valid env name and port. */
export function isValidTarget(target: CheckTarget): boolean {
  switch (target.kind) {
    case 'path':
      return normalizeGuestPath(target.path) !== null;
    case 'net':
      return (
        parseHost(target.host) !== null &&
        (target.port === undefined || (Number.isInteger(target.port) && target.port >= 1 && target.port <= 65535))
      );
    case 'env':
      return isValidEnvName(target.name);
  }
}

class CompiledScopeSet implements ScopeSet {
  constructor(
    readonly kind: ScopeKind,
    readonly scopes: readonly AnyScope[],
  ) {}

  private match(target: CheckTarget, mode: 'allow' | 'deny'): boolean {
    if (target.kind !== this.kind) return false;
    switch (target.kind) {
      case 'path': {
        const norm = normalizeGuestPath(target.path);
        if (norm === null) return false;
        // Normalised once per check, not once per scope (that dominated a 100-entry scope).
        return this.scopes.some((s) => (s as PathScope).allowsNormalized(norm));
      }
      case 'env':
        return this.scopes.some((s) => (s as EnvScope).allows(target.name));
      case 'net': {
        const host = parseHost(target.host);
        if (host === null) return false;
        return this.scopes.some((s) => (s as NetScope).matchesHost(host, target.port, mode));
      }
    }
  }

  allows(target: CheckTarget): boolean {
    return this.isValidTarget(target) && this.match(target, 'allow');
  }

  blocks(target: CheckTarget): boolean {
    return this.match(target, 'deny');
  }

  isValidTarget(target: CheckTarget): boolean {
    return target.kind === this.kind && isValidTarget(target);
  }
}

/** Compiles scope patterns of `cap` into a matcher; throws like parseScope on a bad pattern. */
export function compileScopes(cap: CapabilityName, list: readonly string[], where = `${cap} scopes`): ScopeSet {
  const kind = scopeKindOf(cap, where);
  const scopes = list.map((s, i) => parseScopeObject(cap, s, `${where}[${i}]`));
  return new CompiledScopeSet(kind, scopes);
}

export { EnvScope, NetScope, PathScope };

/**
 * One entry point for scopes by capability: `parseScope` (validate + canonicalise one
 * pattern, used by the manifest codec) and `compileScopes` (a list to a matcher).
 */
import { ScopeError, UnknownCapabilityError } from '../../errors.js';
import { capabilityByName } from '../capabilities.js';
import type { CapabilityName, CheckTarget, ScopeKind } from '../types.js';
import { EnvScope, isValidEnvName } from './env.js';
import { NetScope, parseHost, type HostValue } from './net.js';
import { normalizeGuestPath, PathScope } from './path.js';
import { NetIndex, PathIndex } from './scope-index.js';

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
      throw new ScopeError(`capability "${cap}" takes no scopes, got ${JSON.stringify(input)}; grant it with true`, where, input);
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

/**
 * A check target read once per check: the normalised path, the parsed host, the env name.
 * Every scope of the kind is compared against this, never against the raw target.
 */
export type ParsedTarget =
  | { readonly kind: 'path'; readonly norm: string }
  | { readonly kind: 'net'; readonly host: HostValue; readonly port: number | undefined }
  | { readonly kind: 'env'; readonly name: string };

/**
 * Reads a target, or null when it is malformed: a path that escapes with `..` (or is empty,
 * or holds NUL), a host that is neither a name nor an IP, a port outside 1..65535, an env
 * name that is empty or holds `=` or NUL. The policy refuses what it cannot read.
 */
export function parseTarget(target: CheckTarget): ParsedTarget | null {
  switch (target.kind) {
    case 'path': {
      const norm = normalizeGuestPath(target.path);
      return norm === null ? null : { kind: 'path', norm };
    }
    case 'net': {
      const port = target.port;
      if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) return null;
      const host = parseHost(target.host);
      return host === null ? null : { kind: 'net', host, port };
    }
    case 'env':
      return isValidEnvName(target.name) ? { kind: 'env', name: target.name } : null;
  }
}

/** Whether a target is well formed (parseTarget reads it). */
export function isValidTarget(target: CheckTarget): boolean {
  return parseTarget(target) !== null;
}

/** A compiled list of scopes of one capability. */
export interface ScopeSet {
  readonly kind: ScopeKind;
  readonly scopes: readonly AnyScope[];
  /** Whether some scope allows the target. A target of the wrong kind or malformed: false. */
  allows(target: CheckTarget): boolean;
  /** Whether some scope, read as a deny rule, matches the target. Malformed: false. */
  blocks(target: CheckTarget): boolean;
  /** Whether the target is well formed for this kind (malformed targets are refused by the policy). */
  isValidTarget(target: CheckTarget): boolean;
  /** `allows` (mode `allow`) or `blocks` (mode `deny`) on a target parsed once by the caller. */
  matches(target: ParsedTarget, mode: 'allow' | 'deny'): boolean;
  /**
   * The first scope (in canonical order) that matches, for saying why a decision was taken.
   * A linear scan: asked on denials and audited decisions, never on the allow hot path.
   */
  findMatch(target: ParsedTarget, mode: 'allow' | 'deny'): AnyScope | undefined;
}

/** Whether one scope matches a parsed target, read as an allow or a deny rule. */
export function scopeMatches(s: AnyScope, target: ParsedTarget, mode: 'allow' | 'deny'): boolean {
  switch (target.kind) {
    case 'path':
      return s instanceof PathScope && s.allowsNormalized(target.norm);
    case 'env':
      return s instanceof EnvScope && s.allows(target.name);
    case 'net':
      return s instanceof NetScope && s.matchesHost(target.host, target.port, mode);
  }
}

class CompiledScopeSet implements ScopeSet {
  /** Built on first use: most sets are checked often or never. */
  #pathIndex: PathIndex | undefined;
  #netIndex: NetIndex | undefined;

  constructor(
    readonly kind: ScopeKind,
    readonly scopes: readonly AnyScope[],
  ) {}

  matches(target: ParsedTarget, mode: 'allow' | 'deny'): boolean {
    if (target.kind !== this.kind) return false;
    switch (target.kind) {
      case 'path':
        // The index probes the path's ancestors (scope-index.ts).
        this.#pathIndex ??= new PathIndex(this.scopes as readonly PathScope[]);
        return this.#pathIndex.matches(target.norm);
      case 'env':
        // Env grants are a handful of names; a list is as fast as an index would be.
        return this.scopes.some((s) => (s as EnvScope).allows(target.name));
      case 'net':
        this.#netIndex ??= new NetIndex(this.scopes as readonly NetScope[]);
        return this.#netIndex.matches(target.host, target.port, mode);
    }
  }

  findMatch(target: ParsedTarget, mode: 'allow' | 'deny'): AnyScope | undefined {
    if (target.kind !== this.kind) return undefined;
    return this.scopes.find((s) => scopeMatches(s, target, mode));
  }

  allows(target: CheckTarget): boolean {
    const t = parseTarget(target);
    return t !== null && this.matches(t, 'allow');
  }

  blocks(target: CheckTarget): boolean {
    const t = parseTarget(target);
    return t !== null && this.matches(t, 'deny');
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

/** A matcher over scopes already parsed (the compiled policy's path: nothing is parsed again). */
export function compileScopeObjects(kind: ScopeKind, scopes: readonly AnyScope[]): ScopeSet {
  return new CompiledScopeSet(kind, scopes);
}

export { EnvScope, NetScope, PathScope };

/**
 * Collects grants from any input form, validating each capability name and scope with the
 * policy core (each scope parsed once, here), then hands the parsed scopes to PolicyRules so
 * every form ends in the same canonical manifest (scopes canonical, sorted, deduplicated).
 */
import { ScopeError, UnknownCapabilityError } from '../../errors.js';
import {
  ALL_CAPABILITY_NAMES,
  capabilityByName,
  parseScopeObject,
  PolicyRules,
  type AnyScope,
  type CanonicalManifest,
  type CapabilityName,
  type ScopeGrant,
} from '../../policy/index.js';
import { quote } from './location.js';

/**
 * Looks a capability up by its exact name; UnknownCapabilityError quoting it otherwise.
 * `context` (default none) is added to the message, e.g. `in "net,fs"`.
 */
export function requireCapability(name: string, where: string, context?: string): CapabilityName {
  const info = capabilityByName(name);
  if (info !== undefined) return info.name;
  const hint = name === 'fs' ? ' (did you mean "fs.read" or "fs.write"?)' : name === 'console' ? ' (did you mean "console.write"?)' : '';
  throw new UnknownCapabilityError(
    `unknown capability ${quote(name)}${context === undefined ? '' : ` ${context}`}${hint}; known capabilities: ${ALL_CAPABILITY_NAMES.join(', ')}`,
    where,
    name,
  );
}

/**
 * One scope pattern, parsed (the only parse it gets: the collector, the manifest and the
 * policy keep the object); an empty pattern is refused here so the message can quote it.
 */
export function requireScope(cap: CapabilityName, input: string, where: string): AnyScope {
  if (input.trim().length === 0) {
    throw new ScopeError(`empty ${cap} scope ${quote(input)}`, where, input);
  }
  return parseScopeObject(cap, input, where);
}

/** Grants of one section (allow or deny) being collected; `true` absorbs any list. */
export class GrantCollector {
  private readonly grants = new Map<CapabilityName, ScopeGrant>();

  /** Grants `cap` on every target. */
  addAll(cap: CapabilityName): void {
    this.grants.set(cap, true);
  }

  /** Grants `cap` on these parsed scopes; an empty list declares `cap` without a scope. */
  addScopes(cap: CapabilityName, scopes: readonly AnyScope[]): void {
    const old = this.grants.get(cap);
    if (old === true) return;
    this.grants.set(cap, [...(old ?? []), ...scopes]);
  }

  has(cap: CapabilityName): boolean {
    return this.grants.has(cap);
  }

  /** The grants collected, by capability. */
  toMap(): ReadonlyMap<CapabilityName, ScopeGrant> {
    return this.grants;
  }
}

/** The typed rules of two collectors (sorted, deduplicated; nothing parsed again). */
export function buildRules(allow: GrantCollector, deny: GrantCollector): PolicyRules {
  return PolicyRules.of(allow.toMap(), deny.toMap());
}

/**
 * The canonical manifest of two collectors: the view of buildRules, which maps back to
 * those rules unparsed. `where` is kept for callers naming the source.
 */
export function buildManifest(allow: GrantCollector, deny: GrantCollector, _where: string): CanonicalManifest {
  return buildRules(allow, deny).toManifest();
}

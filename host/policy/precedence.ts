/**
 * Policy sources and precedence, SPEC section 3 (deka): 1. defaults, 2. the manifest
 * (embedded, or a profile / molt.toml), 3. allow flags, 4. deny flags; deny always wins.
 * The embedded manifest is the ceiling: a user-given manifest can only narrow it and an
 * allow flag beyond it is refused unless `allowUndeclared`.
 */
import { UndeclaredCapabilityError } from '../errors.js';
import { ALL_CAPABILITY_NAMES } from './capabilities.js';
import { PolicyRules, type ScopeGrant } from './rules.js';
import type { AnyScope } from './scopes/index.js';
import type { CanonicalManifest, CapabilityName } from './types.js';

/** A layer: a canonical manifest (parsed unless the policy core made it) or typed rules. */
export type PolicyLayer = CanonicalManifest | PolicyRules;

export interface ResolvePolicyInput {
  /** The manifest carried in the binary (`molt:capabilities`): the ceiling. Default: none. */
  readonly embedded?: PolicyLayer | undefined;
  /** A profile or molt.toml given by the user. Default: none. */
  readonly manifest?: PolicyLayer | undefined;
  /** `--allow-…` flags as a manifest (its `allow` section; a `deny` section is kept as denies). Default: none. */
  readonly allowFlags?: PolicyLayer | undefined;
  /** `--deny-…` flags as a manifest: every entry, in `deny` or in `allow`, is a denial. Default: none. */
  readonly denyFlags?: PolicyLayer | undefined;
  /**
   * Layer 1 grants, used only when there is no embedded manifest (the embedded manifest
   * replaces defaults); merged with a user manifest. Default: nothing (the CLI passes
   * `{allow:{"console.write":true}}`).
   */
  readonly defaultGrants?: PolicyLayer | undefined;
  /** Grant allow flags the embedded manifest does not declare, with a warning. Default: false. */
  readonly allowUndeclared?: boolean | undefined;
}

export interface ResolvedPolicy {
  /** The one canonical manifest to enforce (the view of `rules`; maps back to them unparsed). */
  readonly manifest: CanonicalManifest;
  /** The same policy, typed: what the engine compiles. */
  readonly rules: PolicyRules;
  /** Human-readable warnings (narrowed-away profile entries, undeclared grants). */
  readonly warnings: string[];
  /** What was granted beyond the embedded manifest under `allowUndeclared` (for the audit log). */
  readonly undeclared: { capability: CapabilityName; scope?: string }[];
}

function describe(cap: CapabilityName, scope?: AnyScope): string {
  return scope === undefined ? `"${cap}"` : `"${cap}" scope "${scope.toString()}"`;
}

function rulesOf(layer: PolicyLayer | undefined, where: string): PolicyRules | undefined {
  if (layer === undefined) return undefined;
  return layer instanceof PolicyRules ? layer : PolicyRules.fromManifest(layer, where);
}

/** The user manifest clipped to the embedded one: only what both allow, denies of both. */
function narrow(ceiling: PolicyRules, user: PolicyRules, warnings: string[]): PolicyRules {
  const allow = new Map<CapabilityName, ScopeGrant>();
  for (const cap of ALL_CAPABILITY_NAMES) {
    const u = user.allow.get(cap);
    if (u === undefined) continue;
    const e = ceiling.allow.get(cap);
    if (e === undefined) {
      warnings.push(`the manifest allows ${describe(cap)}, which the embedded manifest does not declare; ignored`);
      continue;
    }
    if (u === true) {
      allow.set(cap, e); // "all of it" within the ceiling is the ceiling
      continue;
    }
    const kept: AnyScope[] = [];
    for (const s of u) {
      if (ceiling.covers(cap, s)) kept.push(s);
      else warnings.push(`the manifest allows ${describe(cap, s)}, which the embedded manifest does not declare; ignored`);
    }
    allow.set(cap, kept);
  }
  return PolicyRules.of(allow, ceiling.deny).withDenies(user.deny);
}

/**
 * Resolves every policy source into one policy (see ResolvePolicyInput for each layer's
 * default). An allow flag `true` for a capability the embedded manifest declares
 * with scopes is clamped to those scopes; an allow flag for a capability or scope the
 * embedded manifest does not declare throws UndeclaredCapabilityError naming it, unless
 * `allowUndeclared`, when it is granted, listed in `undeclared` and warned about. Every
 * layer given as a manifest is validated first (unless the policy core made it), so
 * malformed input throws ManifestError / ScopeError. Layers are combined as typed rules:
 * no scope is parsed twice.
 */
export function resolvePolicy(input: ResolvePolicyInput): ResolvedPolicy {
  const warnings: string[] = [];
  const undeclared: { capability: CapabilityName; scope?: string }[] = [];
  const embedded = rulesOf(input.embedded, 'embedded manifest');
  const user = rulesOf(input.manifest, 'manifest');
  const allowFlags = rulesOf(input.allowFlags, 'allow flags') ?? PolicyRules.EMPTY;
  const denyFlags = rulesOf(input.denyFlags, 'deny flags') ?? PolicyRules.EMPTY;

  // Layers 1 and 2.
  let base: PolicyRules;
  if (embedded !== undefined) {
    base = user !== undefined ? narrow(embedded, user, warnings) : embedded;
  } else {
    const defaults = rulesOf(input.defaultGrants, 'default grants') ?? PolicyRules.EMPTY;
    base = user !== undefined ? defaults.merge(user) : defaults;
  }

  // Layer 3: allow flags, held against the ceiling.
  const added = new Map<CapabilityName, ScopeGrant>();
  const refuse = (cap: CapabilityName, scope?: AnyScope): void => {
    if (input.allowUndeclared !== true) {
      throw new UndeclaredCapabilityError(
        `the allow flag for ${describe(cap, scope)} asks for what the embedded manifest does not declare; ` +
          'rebuild with it declared, or pass --allow-undeclared',
        cap,
        scope?.toString(),
      );
    }
    undeclared.push(scope === undefined ? { capability: cap } : { capability: cap, scope: scope.toString() });
    warnings.push(`granting ${describe(cap, scope)}, which the embedded manifest does not declare (--allow-undeclared)`);
  };
  for (const cap of ALL_CAPABILITY_NAMES) {
    const g = allowFlags.allow.get(cap);
    if (g === undefined) continue;
    if (embedded === undefined) {
      added.set(cap, g);
      continue;
    }
    const ceiling = embedded.allow.get(cap);
    const declared = ceiling === true || (ceiling !== undefined && ceiling.length > 0);
    if (g === true) {
      if (declared && ceiling !== undefined) {
        added.set(cap, ceiling); // unscoped flag: everything the manifest declares
      } else {
        refuse(cap);
        added.set(cap, true);
      }
      continue;
    }
    for (const s of g) if (!embedded.covers(cap, s)) refuse(cap, s);
    added.set(cap, g);
  }
  const withFlags = base.merge(PolicyRules.of(added, allowFlags.deny));

  // Layer 4: deny flags; deny always wins at check time.
  const rules = withFlags.withDenies(denyFlags.deny).withDenies(denyFlags.allow);
  return { manifest: rules.toManifest(), rules, warnings, undeclared };
}

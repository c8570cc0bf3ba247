/**
 * Policy sources and precedence, SPEC section 3 (deka): 1. defaults, 2. the manifest
 * (embedded, or a profile / molt.toml), 3. allow flags, 4. deny flags; deny always wins.
 * The embedded manifest is the ceiling: a user-given manifest can only narrow it and an
 * allow flag beyond it is refused unless `allowUndeclared`.
 */
import { UndeclaredCapabilityError } from '../errors.js';
import { ALL_CAPABILITY_NAMES } from './capabilities.js';
import { emptyManifest, manifestCovers, mergeManifests, normalizeManifest } from './manifest.js';
import type { CanonicalManifest, CapabilityName, Grant } from './types.js';

export interface ResolvePolicyInput {
  /** The manifest carried in the binary (`molt:capabilities`): the ceiling. Default: none. */
  readonly embedded?: CanonicalManifest;
  /** A profile or molt.toml given by the user. Default: none. */
  readonly manifest?: CanonicalManifest;
  /** `--allow-…` flags as a manifest (its `allow` section; a `deny` section is kept as denies). Default: none. */
  readonly allowFlags?: CanonicalManifest;
  /** `--deny-…` flags as a manifest: every entry, in `deny` or in `allow`, is a denial. Default: none. */
  readonly denyFlags?: CanonicalManifest;
  /**
   * Layer 1 grants, used only when there is no embedded manifest (the embedded manifest
   * replaces defaults); merged with a user manifest. Default: nothing (the CLI passes
   * `{allow:{"console.write":true}}`).
   */
  readonly defaultGrants?: CanonicalManifest;
  /** Grant allow flags the embedded manifest does not declare, with a warning. Default: false. */
  readonly allowUndeclared?: boolean;
}

export interface ResolvedPolicy {
  /** The one canonical manifest to enforce. */
  readonly manifest: CanonicalManifest;
  /** Human-readable warnings (narrowed-away profile entries, undeclared grants). */
  readonly warnings: string[];
  /** What was granted beyond the embedded manifest under `allowUndeclared` (for the audit log). */
  readonly undeclared: { capability: CapabilityName; scope?: string }[];
}

type GrantMap = Partial<Record<CapabilityName, Grant>>;

function describe(cap: CapabilityName, scope?: string): string {
  return scope === undefined ? `"${cap}"` : `"${cap}" scope "${scope}"`;
}

/** The user manifest clipped to the embedded one: only what both allow, denies of both. */
function narrow(ceiling: CanonicalManifest, user: CanonicalManifest, warnings: string[]): CanonicalManifest {
  const allow: GrantMap = {};
  for (const cap of ALL_CAPABILITY_NAMES) {
    const u = user.allow[cap];
    if (u === undefined) continue;
    const e = ceiling.allow[cap];
    if (e === undefined) {
      warnings.push(`the manifest allows ${describe(cap)}, which the embedded manifest does not declare; ignored`);
      continue;
    }
    if (u === true) {
      allow[cap] = e; // "all of it" within the ceiling is the ceiling
      continue;
    }
    const kept: string[] = [];
    for (const s of u) {
      if (manifestCovers(ceiling, cap, s)) kept.push(s);
      else warnings.push(`the manifest allows ${describe(cap, s)}, which the embedded manifest does not declare; ignored`);
    }
    allow[cap] = kept;
  }
  return mergeManifests({ version: 1, allow, deny: ceiling.deny }, { version: 1, allow: {}, deny: user.deny });
}

/**
 * Resolves every policy source into one canonical manifest (see ResolvePolicyInput for each
 * layer's default). An allow flag `true` for a capability the embedded manifest declares
 * with scopes is clamped to those scopes; an allow flag for a capability or scope the
 * embedded manifest does not declare throws UndeclaredCapabilityError naming it, unless
 * `allowUndeclared`, when it is granted, listed in `undeclared` and warned about. Every
 * input is normalised first, so malformed input throws ManifestError / ScopeError.
 */
export function resolvePolicy(input: ResolvePolicyInput): ResolvedPolicy {
  const warnings: string[] = [];
  const undeclared: { capability: CapabilityName; scope?: string }[] = [];
  const embedded = input.embedded && normalizeManifest(input.embedded, 'embedded manifest');
  const user = input.manifest && normalizeManifest(input.manifest, 'manifest');
  const allowFlags = input.allowFlags ? normalizeManifest(input.allowFlags, 'allow flags') : emptyManifest();
  const denyFlags = input.denyFlags ? normalizeManifest(input.denyFlags, 'deny flags') : emptyManifest();

  // Layers 1 and 2.
  let base: CanonicalManifest;
  if (embedded !== undefined) {
    base = user !== undefined ? narrow(embedded, user, warnings) : embedded;
  } else {
    const defaults = input.defaultGrants ? normalizeManifest(input.defaultGrants, 'default grants') : emptyManifest();
    base = user !== undefined ? mergeManifests(defaults, user) : defaults;
  }

  // Layer 3: allow flags, held against the ceiling.
  const added: GrantMap = {};
  const refuse = (cap: CapabilityName, scope?: string): void => {
    if (!input.allowUndeclared) {
      throw new UndeclaredCapabilityError(
        `the allow flag for ${describe(cap, scope)} asks for what the embedded manifest does not declare; ` +
          'rebuild with it declared, or pass --allow-undeclared',
        cap,
        scope,
      );
    }
    undeclared.push(scope === undefined ? { capability: cap } : { capability: cap, scope });
    warnings.push(`granting ${describe(cap, scope)}, which the embedded manifest does not declare (--allow-undeclared)`);
  };
  for (const cap of ALL_CAPABILITY_NAMES) {
    const g = allowFlags.allow[cap];
    if (g === undefined) continue;
    if (embedded === undefined) {
      added[cap] = g;
      continue;
    }
    const ceiling = embedded.allow[cap];
    const declared = ceiling === true || (ceiling !== undefined && ceiling.length > 0);
    if (g === true) {
      if (declared) {
        added[cap] = ceiling; // unscoped flag: everything the manifest declares
      } else {
        refuse(cap);
        added[cap] = true;
      }
      continue;
    }
    const list: string[] = [];
    for (const s of g) {
      if (!manifestCovers(embedded, cap, s)) refuse(cap, s);
      list.push(s);
    }
    added[cap] = list;
  }
  const withFlags = mergeManifests(base, { version: 1, allow: added, deny: allowFlags.deny });

  // Layer 4: deny flags; deny always wins at check time.
  const denies = mergeManifests(
    { version: 1, allow: {}, deny: denyFlags.deny },
    { version: 1, allow: {}, deny: denyFlags.allow },
  ).deny;
  const manifest = mergeManifests(withFlags, { version: 1, allow: {}, deny: denies });
  return { manifest, warnings, undeclared };
}

/**
 * Evaluation of one canonical manifest (SPEC sections 2-3): deny always wins, then an allow
 * (`true` or a matching scope) gives `ok`, else `missing`. Built once per manifest change;
 * `check` does no parsing of the manifest.
 */
import { CAPABILITIES } from './capabilities.js';
import { normalizeManifest } from './manifest.js';
import { compileScopes, parseTarget, PathScope, type ScopeSet } from './scopes/index.js';
import { normalizeGuestPath, pathCovers } from './scopes/path.js';
import type { CanonicalManifest, CapabilityName, CheckTarget, ScopeKind } from './types.js';

const SCOPE_KIND: ReadonlyMap<CapabilityName, ScopeKind> = new Map(CAPABILITIES.map((c) => [c.name, c.scopeKind]));

/** One side (allow or deny) of one capability, compiled. */
type CompiledGrant = { readonly all: true } | { readonly all: false; readonly set: ScopeSet };

interface CompiledEntry {
  readonly allow: CompiledGrant | undefined;
  readonly deny: CompiledGrant | undefined;
}

function compileGrant(cap: CapabilityName, g: true | readonly string[] | undefined, where: string): CompiledGrant | undefined {
  if (g === undefined) return undefined;
  if (g === true) return { all: true };
  return { all: false, set: compileScopes(cap, g, where) };
}

export class CompiledPolicy {
  private constructor(
    /** The normalised manifest this policy evaluates. */
    readonly manifest: CanonicalManifest,
    private readonly entries: ReadonlyMap<CapabilityName, CompiledEntry>,
  ) {}

  /** Normalises (validating every scope, so it may throw ScopeError) and compiles `m`. */
  static fromManifest(m: CanonicalManifest): CompiledPolicy {
    const manifest = normalizeManifest(m);
    const entries = new Map<CapabilityName, CompiledEntry>();
    for (const { name } of CAPABILITIES) {
      const allow = compileGrant(name, manifest.allow[name], `manifest.allow.${name}`);
      const deny = compileGrant(name, manifest.deny[name], `manifest.deny.${name}`);
      if (allow !== undefined || deny !== undefined) entries.set(name, { allow, deny });
    }
    return new CompiledPolicy(manifest, entries);
  }

  /**
   * The decision for `cap` on `target`.
   * - Deny wins: deny `true`, or a deny scope matching the target, gives `missing`.
   * - Then allow `true` or an allow scope matching the target gives `ok`; otherwise `missing`.
   * - Without a target: `ok` iff the capability is allowed (true or a non-empty list) and not
   *   denied wholesale; a deny list does not stop the unscoped check (it stops the scoped one).
   * - A target of the wrong kind for `cap`, or a malformed one (a path escaping with `..`, an
   *   invalid host or port, an env name with `=`), is `missing` even under allow `true`: the
   *   policy fails closed on what it cannot read. For capabilities without scopes the target
   *   is ignored.
   */
  check(cap: CapabilityName, target?: CheckTarget): 'ok' | 'missing' {
    const e = this.entries.get(cap);
    if (e === undefined || e.allow === undefined) return 'missing';
    if (e.deny !== undefined && e.deny.all) return 'missing';
    if (target === undefined || SCOPE_KIND.get(cap) === 'none') {
      return e.allow.all || e.allow.set.scopes.length > 0 ? 'ok' : 'missing';
    }
    if (SCOPE_KIND.get(cap) !== target.kind) return 'missing';
    // Read once; deny and allow compare against the same reading.
    const t = parseTarget(target);
    if (t === null) return 'missing';
    if (e.deny !== undefined && !e.deny.all && e.deny.set.matches(t, 'deny')) return 'missing';
    if (e.allow.all) return 'ok';
    return e.allow.set.matches(t, 'allow') ? 'ok' : 'missing';
  }

  /**
   * Whether a deny rule of `cap` (a path capability) lies at `path`, below it or above it:
   * renaming or removing `path` would move or delete what the rule protects (SPEC section 5:
   * a deny on `/data/proj/x` is not bypassed by renaming `/data/proj`). Deny `true` counts.
   */
  deniesWithin(cap: CapabilityName, path: string): boolean {
    const d = this.entries.get(cap)?.deny;
    if (d === undefined) return false;
    if (d.all) return true;
    const norm = normalizeGuestPath(path);
    if (norm === null) return true;
    return d.set.scopes.some((s) => s instanceof PathScope && (s.allowsNormalized(norm) || pathCovers(norm, s.path)));
  }

  /**
   * Whether a deny rule alone blocks `cap` on `target`, whatever the allows say: deny `true`,
   * or a deny scope matching the target. The host layer asks this about the addresses an
   * allowed name resolved to (SPEC section 5: deny rules are checked against the name and
   * every resolved address), which no allow rule names. A malformed target is denied.
   */
  denies(cap: CapabilityName, target: CheckTarget): boolean {
    const d = this.entries.get(cap)?.deny;
    if (d === undefined) return false;
    if (d.all) return true;
    if (SCOPE_KIND.get(cap) !== target.kind) return true;
    const t = parseTarget(target);
    return t === null || d.set.matches(t, 'deny');
  }
}

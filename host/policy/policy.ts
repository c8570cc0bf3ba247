/**
 * Evaluation of one set of rules (SPEC sections 2-3): deny always wins, then an allow
 * (`true` or a matching scope) gives `ok`, else `missing`. Built once per rule change from
 * the typed rules (rules.ts): nothing is parsed here, and `check` reads the target once.
 */
import { CAPABILITIES } from './capabilities.js';
import { PolicyRules, type ScopeGrant } from './rules.js';
import { compileScopeObjects, parseTarget, PathScope, type ParsedTarget, type ScopeSet } from './scopes/index.js';
import { normalizeGuestPath, pathCovers } from './scopes/path.js';
import type { CanonicalManifest, CapabilityName, CheckTarget, DecisionReason, ScopeKind } from './types.js';

const SCOPE_KIND: ReadonlyMap<CapabilityName, ScopeKind> = new Map(CAPABILITIES.map((c) => [c.name, c.scopeKind]));

/** One side (allow or deny) of one capability, compiled. */
type CompiledGrant = { readonly all: true } | { readonly all: false; readonly set: ScopeSet };

interface CompiledEntry {
  readonly allow: CompiledGrant | undefined;
  readonly deny: CompiledGrant | undefined;
}

function compileGrant(kind: ScopeKind, g: ScopeGrant | undefined): CompiledGrant | undefined {
  if (g === undefined) return undefined;
  if (g === true) return { all: true };
  return { all: false, set: compileScopeObjects(kind, g) };
}

/** The reasons that carry no data, made once. */
const NOT_GRANTED: DecisionReason = Object.freeze({ kind: 'not-granted' });
const MALFORMED: DecisionReason = Object.freeze({ kind: 'malformed-target' });
const DENIED_ALL: DecisionReason = Object.freeze({ kind: 'denied', rule: true });
const GRANTED_ALL: DecisionReason = Object.freeze({ kind: 'granted', rule: true });

export class CompiledPolicy {
  private constructor(
    /** The typed rules this policy evaluates. */
    readonly rules: PolicyRules,
    private readonly entries: ReadonlyMap<CapabilityName, CompiledEntry>,
  ) {}

  /** The canonical manifest these rules show (made on first use). */
  get manifest(): CanonicalManifest {
    return this.rules.toManifest();
  }

  /** Validates and compiles `m` (parsing its scopes unless it is a manifest the policy core made; may throw ScopeError). */
  static fromManifest(m: CanonicalManifest): CompiledPolicy {
    return CompiledPolicy.fromRules(PolicyRules.fromManifest(m));
  }

  /** Compiles typed rules; parses nothing. */
  static fromRules(rules: PolicyRules): CompiledPolicy {
    const entries = new Map<CapabilityName, CompiledEntry>();
    for (const { name, scopeKind } of CAPABILITIES) {
      const allow = compileGrant(scopeKind, rules.allow.get(name));
      const deny = compileGrant(scopeKind, rules.deny.get(name));
      if (allow !== undefined || deny !== undefined) entries.set(name, { allow, deny });
    }
    return new CompiledPolicy(rules, entries);
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
   * `check` with its reason: the same answer (`granted` is `ok`, every other reason is
   * `missing`), saying which rule decided. `not-granted` here; the engine turns it into
   * `outside-ceiling` or `revoked` where the subject's history says so.
   */
  decide(cap: CapabilityName, target?: CheckTarget): DecisionReason {
    const e = this.entries.get(cap);
    if (e === undefined) return NOT_GRANTED;
    if (e.deny !== undefined && e.deny.all) return DENIED_ALL;
    const kind = SCOPE_KIND.get(cap);
    let t: ParsedTarget | null = null;
    if (target !== undefined && kind !== 'none') {
      if (kind !== target.kind) return MALFORMED;
      t = parseTarget(target);
      if (t === null) return MALFORMED;
      const rule = e.deny === undefined || e.deny.all ? undefined : e.deny.set.findMatch(t, 'deny');
      if (rule !== undefined) return { kind: 'denied', rule: rule.toString() };
    }
    if (e.allow === undefined) return NOT_GRANTED;
    if (e.allow.all) return GRANTED_ALL;
    if (t === null) return e.allow.set.scopes.length > 0 ? GRANTED_ALL : NOT_GRANTED;
    const rule = e.allow.set.findMatch(t, 'allow');
    return rule === undefined ? NOT_GRANTED : { kind: 'granted', rule: rule.toString() };
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

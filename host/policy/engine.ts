/**
 * The subject table (SPEC sections 2 and 5, SecureOS style): each guest instance or
 * native-API caller is a subject with its own live manifest. Grants, revocations and denials
 * take effect at the next check. Unscoped checks on the hot path read a packed bitset.
 */
import { capabilityById, capabilityByName, MAX_CAPABILITY_ID, type CapabilityInfo } from './capabilities.js';
import { normalizeManifest } from './manifest.js';
import { CompiledPolicy } from './policy.js';
import { parseScopeObject, scopeCovers, scopesMayOverlap } from './scopes/index.js';
import type { CanonicalManifest, CapabilityName, CheckResult, CheckTarget, Grant, SubjectId } from './types.js';

if (MAX_CAPABILITY_ID > 31) throw new Error('capability ids above 31 do not fit the engine bitset');

/** What changed, passed to `onChange` listeners after the change took effect. */
export interface PolicyChange {
  readonly op: 'grant' | 'revoke' | 'deny';
  readonly subject: SubjectId;
  readonly label: string | undefined;
  readonly capability: CapabilityName;
  /** The canonical scope, when the operation named one. */
  readonly scope?: string | undefined;
  /** The subject's live manifest after the change. */
  readonly manifest: CanonicalManifest;
}

export type PolicyChangeListener = (change: PolicyChange) => void;

interface Subject {
  manifest: CanonicalManifest;
  policy: CompiledPolicy;
  readonly label: string | undefined;
  /**
   * Deny scopes this engine added to make a revocation effective (a scope revoked from an
   * allow `true` or from a broader allow). A later grant covering them lifts them; denies
   * from the manifest or from `deny()` are never lifted.
   */
  readonly revocationDenies: Map<CapabilityName, Set<string>>;
}

type MutableGrants = Partial<Record<CapabilityName, Grant>>;

/** One change to a subject's rules, made on copies; returns the canonical scope it named. */
type RuleEdit = (s: Subject, name: CapabilityName, allow: MutableGrants, deny: MutableGrants) => string | undefined;

/** The first subject id; 0 is never valid, so a zeroed or default id cannot name a subject. */
const FIRST_SUBJECT_ID = 1;

export class PolicyEngine {
  private readonly subjects: (Subject | undefined)[] = [];
  /** One word per subject id: bit n = capability n granted and not denied wholesale. */
  private bits = new Uint32Array(16);
  private nextId = FIRST_SUBJECT_ID;
  private readonly listeners = new Set<PolicyChangeListener>();

  /**
   * Adds a subject whose live policy starts as `manifest` (normalised; throws ScopeError or
   * ManifestError if invalid). Ids are never reused, so a dropped id stays `subject-invalid`
   * (the bitset keeps 4 bytes per id ever created).
   */
  createSubject(manifest: CanonicalManifest, label?: string): SubjectId {
    const policy = CompiledPolicy.fromManifest(manifest);
    const id = this.nextId++;
    if (id >= this.bits.length) {
      const grown = new Uint32Array(this.bits.length * 2);
      grown.set(this.bits);
      this.bits = grown;
    }
    this.subjects[id] = { manifest: policy.manifest, policy, label, revocationDenies: new Map() };
    this.syncBits(id);
    return id;
  }

  /** Removes a subject; every later call with its id answers `subject-invalid`. Returns whether it existed. */
  dropSubject(id: SubjectId): boolean {
    const s = this.subject(id);
    if (s === undefined) return false;
    this.subjects[id] = undefined;
    this.bits[id] = 0;
    return true;
  }

  hasSubject(id: SubjectId): boolean {
    return this.subject(id) !== undefined;
  }

  /** The live manifest (after grants, revocations, denials), frozen; undefined for an unknown subject. */
  manifestOf(id: SubjectId): CanonicalManifest | undefined {
    return this.subject(id)?.manifest;
  }

  labelOf(id: SubjectId): string | undefined {
    return this.subject(id)?.label;
  }

  /**
   * The decision for capability `cap` (name or numeric id) on an optional target, per
   * CompiledPolicy.check. An invalid subject (unknown, dropped, negative, non-integer) is
   * `subject-invalid` and is reported before an unknown capability (`cap-invalid`).
   */
  check(id: SubjectId, cap: string | number, target?: CheckTarget): CheckResult {
    const s = this.subject(id);
    if (s === undefined) return 'subject-invalid';
    const info = lookupCap(cap);
    if (info === undefined) return 'cap-invalid';
    return s.policy.check(info.name, target);
  }

  /**
   * Whether a deny rule of the subject blocks `cap` on `target` (CompiledPolicy.denies), for
   * targets no allow rule names: the addresses an allowed name resolved to. Fails closed: an
   * invalid subject or capability answers true.
   */
  denies(id: SubjectId, cap: string | number, target: CheckTarget): boolean {
    const s = this.subject(id);
    const info = lookupCap(cap);
    if (s === undefined || info === undefined) return true;
    return s.policy.denies(info.name, target);
  }

  /**
   * Whether a deny rule of the subject for `cap` lies at, below or above the guest `path`
   * (CompiledPolicy.deniesWithin): the filesystem refuses to rename or remove such a path.
   * Fails closed like `denies`.
   */
  deniesWithin(id: SubjectId, cap: string | number, path: string): boolean {
    const s = this.subject(id);
    const info = lookupCap(cap);
    if (s === undefined || info === undefined) return true;
    return s.policy.deniesWithin(info.name, path);
  }

  /**
   * Hot path for unscoped checks: reads one bit, allocates nothing. False for an invalid
   * subject or capability id as well as for a capability not granted.
   */
  checkId(id: SubjectId, capId: number): boolean {
    // `x >>> 0 !== x` rejects negatives, fractions and NaN in one comparison.
    if (id >>> 0 !== id || id >= this.bits.length) return false;
    if (capId >>> 0 !== capId || capId > 31) return false;
    return (this.bits[id]! & (1 << capId)) !== 0;
  }

  /** The capabilities whose unscoped check is `ok`, in id order; empty for an invalid subject. */
  granted(id: SubjectId): CapabilityName[] {
    const s = this.subject(id);
    if (s === undefined) return [];
    const out: CapabilityName[] = [];
    for (let capId = 1; capId <= MAX_CAPABILITY_ID; capId++) {
      const info = capabilityById(capId);
      if (info !== undefined && s.policy.check(info.name) === 'ok') out.push(info.name);
    }
    return out;
  }

  /**
   * Allows `cap` wholly (no scope) or for one more scope. Lifts denies that earlier
   * revocations added and this grant covers; never lifts a deny from the manifest or from
   * `deny()` (deny always wins). Throws ScopeError for a malformed scope or a scope on a
   * capability without scopes. Returns `ok`, or `subject-invalid` / `cap-invalid`.
   */
  grant(id: SubjectId, cap: string, scope?: string): CheckResult {
    return this.change('grant', id, cap, (s, name, allow, deny) => {
      const lifted = s.revocationDenies.get(name);
      if (scope === undefined) {
        allow[name] = true;
        if (lifted !== undefined) removeFromDeny(deny, name, lifted, () => true);
        return undefined;
      }
      const sc = parseScopeObject(name, scope, `grant ${name}`);
      const canonical = sc.toString();
      const cur = allow[name];
      if (cur !== true) allow[name] = [...(cur ?? []), canonical];
      if (lifted !== undefined) {
        removeFromDeny(deny, name, lifted, (r) => scopeCovers(sc, parseScopeObject(name, r)));
      }
      return canonical;
    });
  }

  /**
   * Without a scope, removes the whole grant of `cap`. With a scope, removes every allow
   * scope that scope covers; if the capability is still reachable there (allow `true`, or a
   * broader allow such as `/data` when revoking `/data/secret`), adds a deny for the scope
   * so the revocation holds. Effective at the next check. Throws ScopeError like grant.
   * Returns `ok` (also when nothing was granted), or `subject-invalid` / `cap-invalid`.
   */
  revoke(id: SubjectId, cap: string, scope?: string): CheckResult {
    return this.change('revoke', id, cap, (s, name, allow, deny) => {
      if (scope === undefined) {
        delete allow[name];
        return undefined;
      }
      const sc = parseScopeObject(name, scope, `revoke ${name}`);
      const canonical = sc.toString();
      const cur = allow[name];
      let stillReachable = cur === true;
      if (cur !== undefined && cur !== true) {
        const kept = cur.filter((x) => !scopeCovers(sc, parseScopeObject(name, x)));
        allow[name] = kept;
        stillReachable = kept.some((x) => scopesMayOverlap(sc, parseScopeObject(name, x)));
      }
      const d = deny[name];
      // Only a deny this revocation introduced is recorded, so only it may be lifted later.
      if (stillReachable && d !== true && !(d ?? []).includes(canonical)) {
        deny[name] = [...(d ?? []), canonical];
        let set = s.revocationDenies.get(name);
        if (set === undefined) s.revocationDenies.set(name, (set = new Set()));
        set.add(canonical);
      }
      return canonical;
    });
  }

  /**
   * Adds a deny rule: the whole capability (no scope) or one scope. Deny always wins over
   * any allow, including later grants. Throws ScopeError like grant. Returns `ok`, or
   * `subject-invalid` / `cap-invalid`.
   */
  deny(id: SubjectId, cap: string, scope?: string): CheckResult {
    return this.change('deny', id, cap, (s, name, _allow, deny) => {
      let canonical: string | undefined;
      if (scope === undefined) {
        deny[name] = true;
      } else {
        canonical = parseScopeObject(name, scope, `deny ${name}`).toString();
        const d = deny[name];
        if (d !== true) deny[name] = [...(d ?? []), canonical];
      }
      // An explicit deny is permanent: it is no longer one a grant may lift.
      const set = s.revocationDenies.get(name);
      if (set !== undefined) {
        if (canonical === undefined) set.clear();
        else set.delete(canonical);
      }
      return canonical;
    });
  }

  /**
   * Registers a listener called synchronously after every grant, revoke and deny (the audit
   * log uses it). Returns a function that unregisters it. A listener that throws makes the
   * call throw, after the change has taken effect.
   */
  onChange(fn: PolicyChangeListener): () => void {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  }

  private subject(id: SubjectId): Subject | undefined {
    if (!Number.isInteger(id) || id < FIRST_SUBJECT_ID || id >= this.subjects.length) return undefined;
    return this.subjects[id];
  }

  /**
   * The frame of grant, revoke and deny: looks up the subject and capability, lets `edit`
   * change copies of the live allow/deny rules (it returns the canonical scope it named, if
   * any), then compiles them and tells the listeners.
   */
  private change(op: PolicyChange['op'], id: SubjectId, cap: string, edit: RuleEdit): CheckResult {
    const s = this.subject(id);
    if (s === undefined) return 'subject-invalid';
    const info = capabilityByName(cap);
    if (info === undefined) return 'cap-invalid';
    const name = info.name;
    const allow: MutableGrants = { ...s.manifest.allow };
    const deny: MutableGrants = { ...s.manifest.deny };
    const scope = edit(s, name, allow, deny);
    this.commit(id, s, allow, deny);
    this.emit({ op, subject: id, label: s.label, capability: name, scope, manifest: s.manifest });
    return 'ok';
  }

  private commit(id: SubjectId, s: Subject, allow: MutableGrants, deny: MutableGrants): void {
    const policy = CompiledPolicy.fromManifest(normalizeManifest({ version: 1, allow, deny }));
    s.manifest = policy.manifest;
    s.policy = policy;
    this.syncBits(id);
  }

  private syncBits(id: SubjectId): void {
    const s = this.subjects[id];
    let word = 0;
    if (s !== undefined) {
      for (let capId = 1; capId <= MAX_CAPABILITY_ID; capId++) {
        const info = capabilityById(capId);
        if (info !== undefined && s.policy.check(info.name) === 'ok') word |= 1 << capId;
      }
    }
    this.bits[id] = word >>> 0;
  }

  private emit(change: PolicyChange): void {
    for (const fn of [...this.listeners]) fn(change);
  }
}

function lookupCap(cap: string | number): CapabilityInfo | undefined {
  return typeof cap === 'number' ? capabilityById(cap) : capabilityByName(cap);
}

/** Removes from `deny[name]` the entries of `lifted` that `which` selects (and forgets them). */
function removeFromDeny(deny: MutableGrants, name: CapabilityName, lifted: Set<string>, which: (r: string) => boolean): void {
  const d = deny[name];
  const drop = [...lifted].filter(which);
  for (const r of drop) lifted.delete(r);
  if (d === undefined || d === true) return;
  deny[name] = d.filter((x) => !drop.includes(x));
}


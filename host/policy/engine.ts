/**
 * The subject table (SPEC sections 2 and 5, SecureOS style): each guest instance or
 * native-API caller is a subject with its own live rules. Grants, revocations and denials
 * take effect at the next check. Unscoped checks on the hot path read a packed bitset.
 *
 * `handle(id)` gives one object per subject (SubjectHandle) with every question and change
 * a host asks about it; `query` answers with the reason (types.ts DecisionReason), which
 * the gate's audit records, the prompt and the CLI's denial lines all read.
 */
import { capabilityById, capabilityByName, MAX_CAPABILITY_ID, type CapabilityInfo } from './capabilities.js';
import { CompiledPolicy } from './policy.js';
import { PolicyRules, type ScopeGrant } from './rules.js';
import { parseScopeObject, scopeCovers, scopesMayOverlap, type AnyScope } from './scopes/index.js';
import type { CanonicalManifest, CapabilityName, CheckResult, CheckTarget, Decision, DecisionReason, SubjectId } from './types.js';

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

/** What a subject starts from: its rules, and optionally the ceiling its reasons are told against. */
export interface SubjectOptions {
  /** A label for diagnostics and change events. */
  readonly label?: string | undefined;
  /**
   * The embedded manifest (SPEC section 3's ceiling). It grants nothing by itself: it only
   * lets `query` tell `outside-ceiling` (only `--allow-undeclared` could grant it) from
   * `not-granted` (an allow flag could). Default: none.
   */
  readonly ceiling?: CanonicalManifest | PolicyRules | undefined;
}

interface Subject {
  policy: CompiledPolicy;
  readonly label: string | undefined;
  readonly ceiling: CompiledPolicy | undefined;
  /**
   * Deny scopes this engine added to make a revocation effective (a scope revoked from an
   * allow `true` or from a broader allow), by canonical text. A later grant covering them
   * lifts them; denies from the manifest or from `deny()` are never lifted.
   */
  readonly revocationDenies: Map<CapabilityName, Map<string, AnyScope>>;
}

type MutableRules = Map<CapabilityName, ScopeGrant>;

/** One change to a subject's rules, made on copies; returns the canonical scope it named. */
type RuleEdit = (s: Subject, name: CapabilityName, allow: MutableRules, deny: MutableRules) => string | undefined;

/** The first subject id; 0 is never valid, so a zeroed or default id cannot name a subject. */
const FIRST_SUBJECT_ID = 1;

const SUBJECT_INVALID: Decision = Object.freeze({ code: 'subject-invalid', reason: Object.freeze({ kind: 'subject-invalid' }) });
const CAP_INVALID: Decision = Object.freeze({ code: 'cap-invalid', reason: Object.freeze({ kind: 'cap-invalid' }) });
const OUTSIDE_CEILING: DecisionReason = Object.freeze({ kind: 'outside-ceiling' });

function toRules(m: CanonicalManifest | PolicyRules, where?: string): PolicyRules {
  return m instanceof PolicyRules ? m : PolicyRules.fromManifest(m, where);
}

export class PolicyEngine {
  private readonly subjects: (Subject | undefined)[] = [];
  /** One word per subject id: bit n = capability n granted and not denied wholesale. */
  private bits = new Uint32Array(16);
  private nextId = FIRST_SUBJECT_ID;
  private readonly listeners = new Set<PolicyChangeListener>();
  private changes = 0;

  /**
   * Changes with every grant, revoke, deny and dropped subject (PolicyChecker.generation): a
   * caller may reuse an `ok` while it is unchanged, never after.
   */
  get generation(): number {
    return this.changes;
  }

  /**
   * Adds a subject whose live policy starts as `rules` (a manifest is validated, and its
   * scopes parsed unless the policy core made it: throws ScopeError or ManifestError if
   * invalid). `options` may be a label (the older form) or SubjectOptions. Ids are never
   * reused, so a dropped id stays `subject-invalid` (the bitset keeps 4 bytes per id ever
   * created).
   */
  createSubject(rules: CanonicalManifest | PolicyRules, options?: string | SubjectOptions): SubjectId {
    const opts: SubjectOptions = typeof options === 'string' ? { label: options } : (options ?? {});
    const policy = CompiledPolicy.fromRules(toRules(rules));
    const ceiling = opts.ceiling === undefined ? undefined : CompiledPolicy.fromRules(toRules(opts.ceiling, 'ceiling'));
    const id = this.nextId++;
    if (id >= this.bits.length) {
      const grown = new Uint32Array(this.bits.length * 2);
      grown.set(this.bits);
      this.bits = grown;
    }
    this.subjects[id] = { policy, label: opts.label, ceiling, revocationDenies: new Map() };
    this.syncBits(id);
    return id;
  }

  /** The handle of subject `id`: every question and change about it. An invalid id gives a handle answering `subject-invalid`. */
  handle(id: SubjectId): SubjectHandle {
    return new SubjectHandle(this, id);
  }

  /** Removes a subject; every later call with its id answers `subject-invalid`. Returns whether it existed. */
  dropSubject(id: SubjectId): boolean {
    const s = this.subject(id);
    if (s === undefined) return false;
    this.subjects[id] = undefined;
    this.bits[id] = 0;
    this.changes++;
    return true;
  }

  hasSubject(id: SubjectId): boolean {
    return this.subject(id) !== undefined;
  }

  /** The live manifest (after grants, revocations, denials), frozen; undefined for an unknown subject. */
  manifestOf(id: SubjectId): CanonicalManifest | undefined {
    return this.subject(id)?.policy.manifest;
  }

  /** The live rules, typed; undefined for an unknown subject. */
  rulesOf(id: SubjectId): PolicyRules | undefined {
    return this.subject(id)?.policy.rules;
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
   * `check` with the reason (types.ts DecisionReason): which allow rule granted it, which
   * deny rule (or revocation) took it away, or whether only `--allow-undeclared` could grant
   * it (the subject's ceiling does not declare it). Same code as `check`.
   */
  query(id: SubjectId, cap: string | number, target?: CheckTarget): Decision {
    const s = this.subject(id);
    if (s === undefined) return SUBJECT_INVALID;
    const info = lookupCap(cap);
    if (info === undefined) return CAP_INVALID;
    const reason = s.policy.decide(info.name, target);
    switch (reason.kind) {
      case 'granted':
        return { code: 'ok', reason };
      case 'denied':
        if (reason.rule !== true && s.revocationDenies.get(info.name)?.has(reason.rule) === true) {
          return { code: 'missing', reason: { kind: 'revoked', rule: reason.rule } };
        }
        return { code: 'missing', reason };
      case 'not-granted':
        if (s.ceiling !== undefined && s.ceiling.check(info.name, target) !== 'ok') return { code: 'missing', reason: OUTSIDE_CEILING };
        return { code: 'missing', reason };
      default:
        return { code: 'missing', reason };
    }
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
        allow.set(name, true);
        if (lifted !== undefined) removeFromDeny(deny, name, lifted, () => true);
        return undefined;
      }
      const sc = parseScopeObject(name, scope, `grant ${name}`);
      const cur = allow.get(name);
      if (cur !== true) allow.set(name, [...(cur ?? []), sc]);
      if (lifted !== undefined) removeFromDeny(deny, name, lifted, (r) => scopeCovers(sc, r));
      return sc.toString();
    });
  }

  /**
   * Without a scope, removes the whole grant of `cap`. With a scope, removes every allow
   * scope that scope covers; if the capability is still reachable there (allow `true`, or a
   * broader allow such as `/data` when revoking `/data/secret`), adds a deny for the scope
   * so the revocation holds. Effective at the next check. Throws ScopeError like grant.
   * Returns `ok` (also when nothing was granted), or `subject-invalid` / `cap-invalid`.
   * Parses only the revoked scope: the live rules are compared as parsed objects.
   */
  revoke(id: SubjectId, cap: string, scope?: string): CheckResult {
    return this.change('revoke', id, cap, (s, name, allow, deny) => {
      if (scope === undefined) {
        allow.delete(name);
        return undefined;
      }
      const sc = parseScopeObject(name, scope, `revoke ${name}`);
      const canonical = sc.toString();
      const cur = allow.get(name);
      let stillReachable = cur === true;
      if (cur !== undefined && cur !== true) {
        const kept = cur.filter((x) => !scopeCovers(sc, x));
        allow.set(name, kept);
        stillReachable = kept.some((x) => scopesMayOverlap(sc, x));
      }
      const d = deny.get(name);
      // Only a deny this revocation introduced is recorded, so only it may be lifted later.
      if (stillReachable && d !== true && !(d ?? []).some((x) => x.toString() === canonical)) {
        deny.set(name, [...(d ?? []), sc]);
        let set = s.revocationDenies.get(name);
        if (set === undefined) s.revocationDenies.set(name, (set = new Map()));
        set.set(canonical, sc);
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
        deny.set(name, true);
      } else {
        const sc = parseScopeObject(name, scope, `deny ${name}`);
        canonical = sc.toString();
        const d = deny.get(name);
        if (d !== true) deny.set(name, [...(d ?? []), sc]);
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
    const allow: MutableRules = new Map(s.policy.rules.allow);
    const deny: MutableRules = new Map(s.policy.rules.deny);
    const scope = edit(s, name, allow, deny);
    s.policy = CompiledPolicy.fromRules(PolicyRules.of(allow, deny));
    this.changes++;
    this.syncBits(id);
    if (this.listeners.size > 0) {
      const change: PolicyChange = { op, subject: id, label: s.label, capability: name, manifest: s.policy.manifest };
      this.emit(scope === undefined ? change : { ...change, scope });
    }
    return 'ok';
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

/**
 * One subject of one engine: every question a host asks about it and every change it
 * makes, in one place (the gate, the prompt, the audit log and the CLI's messages hold
 * this, not the engine and an id). A thin view: it holds no state of its own, so a dropped
 * subject answers `subject-invalid` through every handle, and `checkId` stays one bit test.
 */
export class SubjectHandle {
  constructor(
    readonly engine: PolicyEngine,
    readonly id: SubjectId,
  ) {}

  /** Whether the subject exists (not dropped, a valid id). */
  get valid(): boolean {
    return this.engine.hasSubject(this.id);
  }

  get label(): string | undefined {
    return this.engine.labelOf(this.id);
  }

  /** The live manifest (canonical strings), undefined once dropped. */
  get manifest(): CanonicalManifest | undefined {
    return this.engine.manifestOf(this.id);
  }

  /** The result code: `ok`, `missing`, `subject-invalid` (before) `cap-invalid`. `cap` is a name or an id. */
  check(cap: string | number, target?: CheckTarget): CheckResult {
    return this.engine.check(this.id, cap, target);
  }

  /** The hot unscoped check: one bit, no allocation. */
  checkId(capId: number): boolean {
    return this.engine.checkId(this.id, capId);
  }

  /** `check` with its reason. */
  query(cap: string | number, target?: CheckTarget): Decision {
    return this.engine.query(this.id, cap, target);
  }

  /** Whether a deny rule alone blocks `cap` on `target` (fails closed). */
  denies(cap: string | number, target: CheckTarget): boolean {
    return this.engine.denies(this.id, cap, target);
  }

  /** Whether a deny rule of a path capability lies at, below or above `path` (fails closed). */
  deniesWithin(cap: string | number, path: string): boolean {
    return this.engine.deniesWithin(this.id, cap, path);
  }

  granted(): CapabilityName[] {
    return this.engine.granted(this.id);
  }

  grant(cap: string, scope?: string): CheckResult {
    return this.engine.grant(this.id, cap, scope);
  }

  revoke(cap: string, scope?: string): CheckResult {
    return this.engine.revoke(this.id, cap, scope);
  }

  deny(cap: string, scope?: string): CheckResult {
    return this.engine.deny(this.id, cap, scope);
  }
}

function lookupCap(cap: string | number): CapabilityInfo | undefined {
  return typeof cap === 'number' ? capabilityById(cap) : capabilityByName(cap);
}

/** Removes from the deny rules of `name` the entries of `lifted` that `which` selects (and forgets them). */
function removeFromDeny(deny: MutableRules, name: CapabilityName, lifted: Map<string, AnyScope>, which: (r: AnyScope) => boolean): void {
  const drop = new Set<string>();
  for (const [text, scope] of lifted) if (which(scope)) drop.add(text);
  for (const t of drop) lifted.delete(t);
  const d = deny.get(name);
  if (d === undefined || d === true) return;
  deny.set(
    name,
    d.filter((x) => !drop.has(x.toString())),
  );
}

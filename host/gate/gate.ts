/**
 * The per-guest decision point every gated import calls: one subject, one engine, one audit
 * sink. Unscoped checks use the engine's bitset (`checkId`) and allocate nothing unless an
 * audit sink is attached; scoped checks (paths, env names, hosts) go through `check`.
 * Platform-neutral.
 */
import type { CheckResult, CheckTarget, SubjectId } from '../policy/types.js';
import type { AuditRecord, AuditSink, DenialSink } from './audit.js';
import type { GatePrompt, PromptAuditFields } from './prompt.js';
import { CapabilityTrap } from './trap.js';
import { targetString } from './target-string.js';

/** The two engine methods a gate needs (PolicyEngine from host/policy satisfies it). */
export interface PolicyChecker {
  check(subject: SubjectId, capability: string, target?: CheckTarget): CheckResult;
  checkId(subject: SubjectId, capId: number): boolean;
  /** Whether a deny rule for a path capability lies at, below or above `path` (renames and removals). */
  deniesWithin(subject: SubjectId, capability: string, path: string): boolean;
  /** Whether a deny rule alone blocks `capability` on `target`, whatever the allows say. */
  denies(subject: SubjectId, capability: string, target: CheckTarget): boolean;
  /**
   * Optional: a number that changes whenever any decision may change (grant, revoke, deny, a
   * dropped subject). While it is unchanged an `ok` may be reused (gate/fs/allowed-paths.ts);
   * a checker without it has every check asked.
   */
  readonly generation?: number | undefined;
}

/** Capability ids of SPEC section 1, for the hot unscoped path. */
export const CapId = {
  console: 1,
  net: 2,
  fsRead: 3,
  fsWrite: 4,
  env: 5,
  time: 6,
} as const;

const NAME_BY_ID: readonly string[] = ['', 'console.write', 'net', 'fs.read', 'fs.write', 'env', 'time'];

export class Gate {
  constructor(
    readonly engine: PolicyChecker,
    readonly subject: SubjectId,
    /** Optional; without one, no record is built (the hot path stays allocation-free). */
    readonly audit?: AuditSink,
    /** Optional (`--prompt`, GuestOptions.prompt): asked when the policy answers `missing`. */
    readonly prompt?: GatePrompt,
    /** Optional: told of every denial (see DenialSink), with or without an audit sink. */
    readonly denials?: DenialSink,
  ) {}

  /** Unscoped check by id. `iface`/`func` only name the operation in the audit record. */
  allowsId(capId: number, iface: string, func: string): boolean {
    return this.checkId(capId, iface, func, false);
  }

  /**
   * Unscoped check that traps (CapabilityTrap) on denial: for WIT functions with no error
   * channel. The denial sink is not told: the trap itself reports it.
   */
  requireId(capId: number, iface: string, func: string): void {
    if (!this.checkId(capId, iface, func, true)) {
      throw new CapabilityTrap(NAME_BY_ID[capId] ?? String(capId), iface, func);
    }
  }

  private checkId(capId: number, iface: string, func: string, traps: boolean): boolean {
    const ok = this.engine.checkId(this.subject, capId);
    if (!ok && this.prompt !== undefined) return this.ask(NAME_BY_ID[capId] ?? String(capId), undefined, iface, func, traps);
    if (this.audit !== undefined || (!ok && !traps && this.denials !== undefined)) {
      const name = NAME_BY_ID[capId] ?? String(capId);
      const code = ok ? 'ok' : this.engine.check(this.subject, name);
      this.record(name, iface, func, null, ok, code, undefined, undefined, traps);
    }
    return ok;
  }

  /** Scoped check: true only when the engine answers `ok` for this target. */
  allows(capability: string, target: CheckTarget | undefined, iface: string, func: string): boolean {
    const code = this.engine.check(this.subject, capability, target);
    const ok = code === 'ok';
    if (code === 'missing' && this.prompt !== undefined) return this.ask(capability, target, iface, func);
    if (this.audit !== undefined || (!ok && this.denials !== undefined)) {
      this.record(capability, iface, func, targetString(target), ok, code, undefined, target);
    }
    return ok;
  }

  /** A denial handed to the prompt (prompt.ts decides whether to ask and applies the answer). */
  private ask(capability: string, target: CheckTarget | undefined, iface: string, func: string, traps = false): boolean {
    const o = this.prompt!.decide(this.subject, capability, target, iface, func);
    if (this.audit !== undefined || (!o.allow && !traps && this.denials !== undefined)) {
      const code = o.allow ? 'ok' : this.engine.check(this.subject, capability, target);
      this.record(capability, iface, func, targetString(target), o.allow, code, o.audit, target, traps);
    }
    return o.allow;
  }

  /**
   * True (and audited as a denial, code `deny-within`) when renaming or removing the guest
   * `path` would move or delete something a deny rule of `capability` protects.
   */
  deniesWithin(capability: string, path: string, iface: string, func: string): boolean {
    const denied = this.engine.deniesWithin(this.subject, capability, path);
    if (denied && this.audit !== undefined) this.record(capability, iface, func, path, false, 'deny-within');
    return denied;
  }

  /**
   * Whether a path walk may step into the directory `path` on its way to an operation needing
   * `caps`: the guest may read or write there, and no deny rule of those capabilities covers
   * it. Asked silently (no prompt, no record: the filesystem records the refusal it makes of
   * it). A walk must not look inside a place the guest may not touch: what a step finds (a
   * directory, a file, nothing) would tell what is there.
   */
  mayStepInto(caps: readonly string[], path: string): boolean {
    const target: CheckTarget = { kind: 'path', path };
    const reachable = this.engine.check(this.subject, 'fs.read', target) === 'ok' || this.engine.check(this.subject, 'fs.write', target) === 'ok';
    return reachable && !caps.some((c) => this.engine.denies(this.subject, c, target));
  }

  /** Records a denial the gate decided itself (a path leaving its preopen). */
  recordEscape(capability: string, iface: string, func: string, target: string): void {
    if (this.audit !== undefined || this.denials !== undefined) this.record(capability, iface, func, target, false, 'escape');
  }

  /**
   * One audit record for a decision, to the audit sink and, for a denial, to the denial sink
   * (nothing without either). `checked` is the structured target, for the denial sink;
   * `traps`: the caller traps on this denial, which reports it, so the denial sink is not told.
   */
  record(
    capability: string,
    iface: string,
    func: string,
    target: string | null,
    ok: boolean,
    code: AuditRecord['code'],
    prompt?: PromptAuditFields,
    checked?: CheckTarget,
    traps = false,
  ): void {
    if (this.audit === undefined && (ok || traps || this.denials === undefined)) return;
    const record: AuditRecord = {
      time: new Date().toISOString(),
      subject: this.subject,
      capability,
      operation: `${iface}#${func}`,
      target,
      decision: ok ? 'allow' : 'deny',
      code,
      ...prompt,
    };
    this.audit?.(record);
    if (!ok && !traps) this.denials?.(record, checked);
  }
}

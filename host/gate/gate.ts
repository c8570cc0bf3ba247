/**
 * The per-guest decision point every gated import calls: one subject, one engine, one audit
 * sink. Unscoped checks use the engine's bitset (`checkId`) and allocate nothing unless an
 * audit sink is attached; scoped checks (paths, env names, hosts) go through `check`.
 * Platform-neutral.
 */
import type { PolicyEngine, SubjectHandle } from '../policy/engine.js';
import type { CheckTarget, Decision, SubjectId } from '../policy/types.js';
import type { AuditRecord, AuditSink, DenialSink } from './audit.js';
import { operationOf } from './operation.js';
import type { GatePrompt, PromptAuditFields } from './prompt.js';
import { CapabilityTrap } from './trap.js';
import { targetString } from './target-string.js';

/**
 * The engine a gate decides with (PolicyEngine): the gate asks through its subject's
 * handle (SubjectHandle), whose decisions carry their reason.
 */
export type PolicyChecker = PolicyEngine;

const OK: Decision = Object.freeze({ code: 'ok', reason: Object.freeze({ kind: 'granted', rule: true }) });

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
  /** The subject's handle: every check, query and change goes through it. */
  readonly handle: SubjectHandle;

  constructor(
    readonly engine: PolicyChecker,
    readonly subject: SubjectId,
    /** Optional; without one, no record is built (the hot path stays allocation-free). */
    readonly audit?: AuditSink,
    /** Optional (`--prompt`, GuestOptions.prompt): asked when the policy answers `missing`. */
    readonly prompt?: GatePrompt,
    /** Optional: told of every denial (see DenialSink), with or without an audit sink. */
    readonly denials?: DenialSink,
  ) {
    this.handle = engine.handle(subject);
  }

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
    // The hot path: one bit read straight from the engine (what handle.checkId does, one call less), nothing built.
    const ok = this.engine.checkId(this.subject, capId);
    if (ok && this.audit === undefined) return true;
    const name = NAME_BY_ID[capId] ?? String(capId);
    const decision = ok ? OK : this.handle.query(capId);
    if (!ok && this.prompt !== undefined) return this.ask(name, undefined, decision, iface, func, traps);
    if (this.audit !== undefined || (!ok && !traps && this.denials !== undefined)) {
      this.record(name, iface, func, null, ok, decision.code, undefined, undefined, traps, decision);
    }
    return ok;
  }

  /** Scoped check: true only when the engine answers `ok` for this target. */
  allows(capability: string, target: CheckTarget | undefined, iface: string, func: string): boolean {
    return this.scoped(capability, target, iface, func, false);
  }

  /**
   * Scoped check that traps (CapabilityTrap) on denial: for WIT functions with no error
   * channel. The denial sink is not told: the trap itself reports it.
   */
  require(capability: string, target: CheckTarget | undefined, iface: string, func: string): void {
    if (!this.scoped(capability, target, iface, func, true)) throw new CapabilityTrap(capability, iface, func);
  }

  private scoped(capability: string, target: CheckTarget | undefined, iface: string, func: string, traps: boolean): boolean {
    const ok = this.handle.check(capability, target) === 'ok';
    if (ok && this.audit === undefined) return true;
    // Denied or audited: the decision with its reason (which rule, revoked, outside the ceiling).
    const decision = ok ? OK : this.handle.query(capability, target);
    if (decision.code === 'missing' && this.prompt !== undefined) return this.ask(capability, target, decision, iface, func, traps);
    if (this.audit !== undefined || (!ok && !traps && this.denials !== undefined)) {
      this.record(capability, iface, func, targetString(target), ok, decision.code, undefined, target, traps, decision);
    }
    return ok;
  }

  /** A denial handed to the prompt (prompt.ts decides whether to ask and applies the answer). */
  private ask(
    capability: string,
    target: CheckTarget | undefined,
    decision: Decision,
    iface: string,
    func: string,
    traps = false,
  ): boolean {
    const o = this.prompt!.decide(this.handle, decision, capability, target, operationOf(iface, func));
    if (this.audit !== undefined || (!o.allow && !traps && this.denials !== undefined)) {
      // The answer may have changed the live policy (`never`): the record says what holds now.
      const after = o.allow ? OK : this.handle.query(capability, target);
      this.record(capability, iface, func, targetString(target), o.allow, after.code, o.audit, target, traps, after);
    }
    return o.allow;
  }

  /**
   * True (and audited as a denial, code `deny-within`) when renaming or removing the guest
   * `path` would move or delete something a deny rule of `capability` protects.
   */
  deniesWithin(capability: string, path: string, iface: string, func: string): boolean {
    const denied = this.handle.deniesWithin(capability, path);
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
    const h = this.handle;
    const reachable = h.check('fs.read', target) === 'ok' || h.check('fs.write', target) === 'ok';
    return reachable && !caps.some((c) => h.denies(c, target));
  }

  /** Records a denial the gate decided itself (a path leaving its preopen). */
  recordEscape(capability: string, iface: string, func: string, target: string): void {
    if (this.audit !== undefined || this.denials !== undefined) this.record(capability, iface, func, target, false, 'escape');
  }

  /**
   * One audit record for a decision, to the audit sink and, for a denial, to the denial sink
   * (nothing without either). `checked` is the structured target, for the denial sink;
   * `traps`: the caller traps on this denial, which reports it, so the denial sink is not told;
   * `decision`: the engine's decision with its reason, for the denial sink (the CLI's line
   * says which flag would change it).
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
    decision?: Decision,
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
    if (!ok && !traps) this.denials?.(record, checked, decision);
  }
}

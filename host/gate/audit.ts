/**
 * Audit records: one per capability decision a gate takes (SPEC section 8, `--audit-log`).
 * Platform-neutral.
 */
import type { CheckResult, CheckTarget, Decision, SubjectId } from '../policy/types.js';
import { SHOWN_GUEST_TEXT_CHARS, shownGuestText } from './target-string.js';

export interface AuditRecord {
  /** ISO 8601 timestamp of the decision. */
  readonly time: string;
  /** The guest's subject id. */
  readonly subject: SubjectId;
  /** Capability name, e.g. `fs.read`. */
  readonly capability: string;
  /** `interface#function`, e.g. `wasi:filesystem/types#open-at`. */
  readonly operation: string;
  /** What was asked for: a guest path, a host, an env name; null when unscoped. */
  readonly target: string | null;
  readonly decision: 'allow' | 'deny';
  /**
   * The engine's result code (`ok`, `missing`, ...), `escape` for a path leaving its preopen,
   * or `host-header` for an HTTP request whose `Host` header names another host than its
   * authority (refused whatever the policy says: SSRF, Spin CVE-2024-32980), `request-target`
   * for one whose path-with-query is not origin form (`http://other/`, `other:22`: a server
   * routes on that authority, not on `Host`), `request-header` for one carrying a header
   * that frames the message or connection (`transfer-encoding`, `upgrade`, two lengths), or
   * `deny-within` for a rename or removal of a path holding a deny rule.
   */
  readonly code: CheckResult | 'escape' | 'host-header' | 'request-target' | 'request-header' | 'deny-within';
  /** `prompt` when a `--prompt` question (or GuestOptions.prompt) took the decision. */
  readonly source?: 'prompt';
  /** The prompt's answer (`listed`: a `--dir` preopen shown, nothing granted). */
  readonly answer?: 'once' | 'always' | 'deny' | 'never' | 'deny-all' | 'listed' | 'unasked';
  /** What an `always` granted or a `never` denied. */
  readonly scope?: string;
  /** A prompt grant beyond the embedded manifest (`--allow-undeclared`). */
  readonly undeclared?: true;
  /**
   * This record stands for this many more of the same decision, made since the last record
   * of it was written (`time` is the last one's). Absent on a decision's first record.
   * See CoalescingAudit.
   */
  readonly repeated?: number;
}

/** Where audit records go. Must not throw; a sink that throws is the caller's bug. */
export type AuditSink = (record: AuditRecord) => void;

/**
 * Receives each denial a gate decides (never an allow), with the target it checked when the
 * check was scoped: what a host needs to say how to fix it (the CLI's one line per distinct
 * denial, host/run/denial-notices.ts). Called whether or not an AuditSink is attached, so the
 * allow path stays allocation-free. `decision` is the engine's decision with its reason (which
 * deny rule, revoked, outside the embedded manifest), when the policy took it. Must not throw.
 */
export type DenialSink = (record: AuditRecord, checked?: CheckTarget, decision?: Decision) => void;

/**
 * Distinct decisions whose repeats one guest's audit counts at once (CoalescingAudit). The
 * oldest is written out and forgotten when a new one needs room.
 */
export const MAX_AUDIT_PENDING = 1024;
/** A decision repeated this many times is written again, with the count, and counted afresh. */
export const AUDIT_REPEATS_PER_RECORD = 1000;

/** What makes two records the same decision: everything but the time (the subject is the guest's). */
function decisionKey(r: AuditRecord): string {
  return JSON.stringify([r.capability, r.operation, r.target, r.decision, r.code, r.source, r.answer, r.scope, r.undeclared]);
}

/**
 * One guest's audit sink with repeats coalesced: a guest chooses how often it calls, and a
 * loop of denied calls made the host write (or, in a worker, post and queue) one record each,
 * millions of them, from a guest of a few KiB. The first of each decision is passed on as it
 * is; identical ones after it are counted and passed on as ONE record carrying `repeated: N`
 * (the time is the last one's) when N reaches AUDIT_REPEATS_PER_RECORD, when the decision is
 * the oldest of MAX_AUDIT_PENDING and a new one needs its place, or at `flush` (the guest
 * ended: disposeGatedWasi). What is kept is bounded: MAX_AUDIT_PENDING decisions, each with a
 * target of at most SHOWN_GUEST_TEXT_CHARS (target-string.ts; a guest chooses it). Prompt
 * decisions pass through uncounted (a person answered each).
 */
export class CoalescingAudit {
  readonly #sink: AuditSink;
  readonly #pending = new Map<string, { last: AuditRecord; repeats: number }>();

  constructor(sink: AuditSink) {
    this.#sink = sink;
  }

  readonly sink: AuditSink = (given) => {
    const record =
      given.target === null || given.target.length <= SHOWN_GUEST_TEXT_CHARS ? given : { ...given, target: shownGuestText(given.target) };
    if (record.source === 'prompt') {
      this.#sink(record);
      return;
    }
    const key = decisionKey(record);
    const seen = this.#pending.get(key);
    if (seen !== undefined) {
      seen.last = record;
      if (++seen.repeats >= AUDIT_REPEATS_PER_RECORD) this.#writeRepeats(seen);
      return;
    }
    if (this.#pending.size >= MAX_AUDIT_PENDING) {
      const [oldestKey, oldest] = this.#pending.entries().next().value as [string, { last: AuditRecord; repeats: number }];
      this.#pending.delete(oldestKey);
      this.#writeRepeats(oldest);
    }
    this.#pending.set(key, { last: record, repeats: 0 });
    this.#sink(record);
  };

  /** Writes every count still held (the guest ended). */
  flush(): void {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of all) this.#writeRepeats(p);
  }

  #writeRepeats(p: { last: AuditRecord; repeats: number }): void {
    if (p.repeats === 0) return;
    const repeated = p.repeats;
    p.repeats = 0;
    this.#sink({ ...p.last, repeated });
  }
}

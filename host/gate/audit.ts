/**
 * Audit records: one per capability decision a gate takes (SPEC section 8, `--audit-log`).
 * Platform-neutral.
 */
import type { CheckResult, CheckTarget, Decision, SubjectId } from '../policy/types.js';

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

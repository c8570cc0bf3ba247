/**
 * Audit records: one per capability decision a gate takes (SPEC section 8, `--audit-log`).
 * Platform-neutral.
 */
import type { CheckResult, SubjectId } from '../policy/types.js';

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
  /** The engine's result code (`ok`, `missing`, ...), or `escape` for a path leaving its preopen. */
  readonly code: CheckResult | 'escape';
}

/** Where audit records go. Must not throw; a sink that throws is the caller's bug. */
export type AuditSink = (record: AuditRecord) => void;

/**
 * The contract of the policy core (SPEC sections 1-3). Pure: no `node:` or DOM imports
 * anywhere under host/policy/ (a test enforces it). It decides; it does no I/O.
 */

/** SPEC section 2 (SecureOS CAP-001). The same four codes everywhere. */
export type CheckResult = 'ok' | 'missing' | 'subject-invalid' | 'cap-invalid';

/** SPEC section 1. Append-only. */
export type CapabilityName = 'console.write' | 'net' | 'fs.read' | 'fs.write' | 'env' | 'time';
export type CapabilityId = 1 | 2 | 3 | 4 | 5 | 6;

/** Which kind of scope a capability takes. */
export type ScopeKind = 'none' | 'net' | 'path' | 'env';

/**
 * A grant or denial of one capability: `true` means every target (unscoped); a list means
 * only those scopes (already normalised strings, sorted, deduplicated, in the canonical manifest).
 */
export type Grant = true | readonly string[];

/**
 * The canonical manifest (SPEC section 3). `allow`/`deny` map capability names to grants.
 * A capability absent from `allow` is not granted. Serialised by canonical JSON (sorted keys,
 * no whitespace).
 */
export interface CanonicalManifest {
  readonly version: 1;
  readonly allow: Readonly<Partial<Record<CapabilityName, Grant>>>;
  readonly deny: Readonly<Partial<Record<CapabilityName, Grant>>>;
}

/** What a scoped check is about. Paths are guest paths; hosts are names or IP literals. */
export type CheckTarget =
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'net'; readonly host: string; readonly port?: number }
  | { readonly kind: 'env'; readonly name: string };

/** A subject is a guest instance (or a native-API caller); small integers index the table. */
export type SubjectId = number;

/**
 * Why a decision came out as it did (Deno's permission state with its reason): the same
 * value serves the gate's audit record, the prompt (which never asks about a denial by a
 * rule) and the CLI's line saying which flag would change it.
 * - `granted`: an allow rule matched (`rule` is `true` for an unscoped grant, else the
 *   canonical scope).
 * - `not-granted`: no allow rule matches, and the subject's ceiling (if it has one) declares it.
 * - `outside-ceiling`: no allow rule matches, and the subject's ceiling (the embedded
 *   manifest) does not declare it either: only `--allow-undeclared` could grant it.
 * - `denied`: a deny rule matched (`rule`: `true` or the canonical scope).
 * - `revoked`: a deny rule that a scoped `revoke` added matched.
 * - `malformed-target`: the target cannot be read (a path escaping with `..`, a bad host or
 *   port, an env name with `=`) or is of the wrong kind; refused whatever the rules say.
 * - `subject-invalid`, `cap-invalid`: as the result codes.
 */
export type DecisionReason =
  | { readonly kind: 'granted'; readonly rule: true | string }
  | { readonly kind: 'not-granted' }
  | { readonly kind: 'outside-ceiling' }
  | { readonly kind: 'denied'; readonly rule: true | string }
  | { readonly kind: 'revoked'; readonly rule: string }
  | { readonly kind: 'malformed-target' }
  | { readonly kind: 'subject-invalid' }
  | { readonly kind: 'cap-invalid' };

/** A decision with its reason: `code` is what `check` answers for the same question. */
export interface Decision {
  readonly code: CheckResult;
  readonly reason: DecisionReason;
}

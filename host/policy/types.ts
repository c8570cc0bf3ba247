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

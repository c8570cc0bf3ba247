/**
 * What `run` grants a binary that carries no manifest (SPEC section 1): console.write alone,
 * so that an unknown program can say what it wanted. `--deny-console` takes it away.
 * `inspect` audits unsigned binaries against the same, so the two agree.
 */
import type { CanonicalManifest } from '../policy/types.js';

export const RUN_DEFAULT_GRANTS: CanonicalManifest = { version: 1, allow: { 'console.write': true }, deny: {} };

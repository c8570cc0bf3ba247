/**
 * `molt-wasm/browser`: the browser host. Same policy core, gate and preview1 layer as the
 * Node host (`molt-wasm`); an in-memory filesystem the app seeds, console output to a
 * callback, an app-supplied environment, HTTP through `fetch` checked by authority, and no
 * sockets. No Node built-ins anywhere in this module graph.
 */
export {
  createHost,
  type GuestOptions,
  type GuestSource,
  type Host,
  type HostOptions,
  type PreparedGuest,
  type RunResult,
} from './host.js';
export { createBrowserPlatform, hasJspi } from './platform.js';
export { MemoryFs, type FileDataEntry, type SeedFiles } from './memory-fs.js';
export { readGuestBytes } from './load.js';
export type { TranspiledComponent, Transpiler, TranspileOptions } from './transpile.js';
export { readProvenance, type ProvenanceReading } from '../manifest/provenance.js';
export { PolicyEngine, resolvePolicy, emptyManifest, normalizeManifest, ALL_CAPABILITY_NAMES } from '../policy/index.js';
export type { CanonicalManifest, SubjectId } from '../policy/types.js';
export type { AuditRecord, AuditSink } from '../gate/audit.js';
export { CapabilityTrap } from '../gate/trap.js';
export { escapeForTerminal, type PromptAnswer, type PromptCallback, type PromptQuestion } from '../gate/prompt.js';

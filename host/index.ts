/** molt-wasm's library entry point (package.json "main"). */
export * from './node/index.js';
export {
  createGatedWasi,
  planPreopens,
  CapabilityTrap,
  HostLimitTrap,
  ResourceLimitTrap,
  DEFAULT_MAX_HTTP_RESOURCES,
  GuestExit,
  isCapabilityTrap,
  isGuestExit,
  MOLT_CAPABILITIES_IMPORT,
  type AuditRecord,
  type AuditSink,
  type GatedWasiOptions,
  type GuestIo,
  type OutputSink,
  type PreopenPlan,
  type WasiImportObject,
  type WasiPlatform,
  escapeForTerminal,
  type PromptAnswer,
  type PromptCallback,
  type PromptQuestion,
} from './gate/index.js';
export {
  PolicyEngine,
  PolicyRules,
  SubjectHandle,
  resolvePolicy,
  type CanonicalManifest,
  type CheckResult,
  type Decision,
  type DecisionReason,
  type SubjectId,
} from './policy/index.js';
export * from './errors.js';

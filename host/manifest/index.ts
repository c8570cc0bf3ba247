/**
 * The manifest codec and provenance (package export `molt-wasm/manifest`): every input form of
 * SPEC section 3 to one canonical manifest, canonical JSON and its hash, the `molt:*` custom
 * sections of SPEC section 4, and the import audit. Platform-neutral.
 */
export * from './input/index.js';
export {
  CAPABILITIES_SECTION,
  PROVENANCE_SECTION,
  embedManifest,
  readProvenance,
  type Provenance,
  type ProvenanceReading,
  type ToolInfo,
} from './provenance.js';
export { auditImports, capabilityForImport, formatAuditTable, type AuditReport, type AuditRow } from './audit.js';
export { listSections, readBinaryKind, readCustomSections, withoutMoltSections, type WasmSection } from './wasm/sections.js';
export { listExports, listImports, readInterface } from './wasm/imports.js';

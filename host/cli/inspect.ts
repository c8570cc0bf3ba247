/**
 * `molt-wasm inspect`: what a binary is, what it imports and exports, the embedded manifest,
 * the audit table and whether the provenance verifies. A provenance failure is reported, not
 * thrown, so a tampered binary can still be examined; the exit code is then 65.
 */
import { Command } from 'commander';
import { ExitCode, ProvenanceError } from '../errors.js';
import { auditImports, formatAuditTable, type AuditReport } from '../manifest/audit.js';
import { manifestToCanonicalJson } from '../manifest/canonical-json.js';
import { readProvenance, type Provenance } from '../manifest/provenance.js';
import { importLabel, readInterface, type BinaryInterface } from '../manifest/wasm/imports.js';
import { emptyManifest } from '../policy/manifest.js';
import type { CanonicalManifest } from '../policy/types.js';
import { RUN_DEFAULT_GRANTS } from './defaults.js';
import { inFile, loadWasm } from './load.js';
import { escapeForTerminal, escapeJsonForTerminal } from '../terminal-text.js';

export type ProvenanceStatus =
  | { status: 'verified'; provenance: Provenance }
  | { status: 'unsigned' }
  | { status: 'failed'; part: ProvenanceError['part']; message: string };

export interface InspectResult {
  file: string;
  kind: BinaryInterface['kind'];
  imports: string[];
  exports: string[];
  manifest: CanonicalManifest | null;
  provenance: ProvenanceStatus;
  audit: AuditReport;
}

const EXIT_CODES = `
Exit codes:
  0   inspected; the provenance verifies or the binary is unsigned
  64  usage
  65  not wasm or truncated, or the molt:* sections do not verify (the report says which part)`;

export function inspectFile(file: string): InspectResult {
  const bytes = loadWasm(file);
  const iface = inFile(file, () => readInterface(bytes));
  let manifest: CanonicalManifest | null = null;
  let provenance: ProvenanceStatus;
  try {
    const r = inFile(file, () => readProvenance(bytes));
    if (r.status === 'verified') {
      manifest = r.manifest;
      provenance = { status: 'verified', provenance: r.provenance };
    } else {
      provenance = { status: 'unsigned' };
    }
  } catch (err) {
    if (!(err instanceof ProvenanceError)) throw err;
    provenance = { status: 'failed', part: err.part, message: err.message };
  }
  // An unsigned binary is audited against the empty manifest (nothing is declared), with what
  // `run` grants such a binary anyway (console.write alone), so inspect agrees with run.
  const audit = manifest ? auditImports(iface.imports, manifest) : auditImports(iface.imports, emptyManifest(), RUN_DEFAULT_GRANTS);
  return {
    file,
    kind: iface.kind,
    imports: iface.imports.map(importLabel),
    exports: iface.exports.map((e) => e.name),
    manifest,
    provenance,
    audit,
  };
}

function provenanceLine(p: ProvenanceStatus): string {
  switch (p.status) {
    case 'verified':
      // Every string here is the binary's own (the hashes verify code and manifest, not the tool's name).
      return escapeForTerminal(
        `verified (code sha256 ${p.provenance.component_sha256}, manifest sha256 ${p.provenance.manifest_sha256}, built by ${p.provenance.tool.name} ${p.provenance.tool.version})`,
      );
    case 'unsigned':
      return 'unsigned (no molt:capabilities / molt:provenance sections; run grants it console.write alone, and what flags add)';
    case 'failed':
      return `FAILED (${p.part}): ${escapeForTerminal(p.message)}`;
  }
}

export function formatInspect(r: InspectResult): string {
  const lines = [
    `file: ${r.file}`,
    `kind: ${r.kind === 'core' ? 'core module' : 'component'}`,
    `provenance: ${provenanceLine(r.provenance)}`,
    `manifest: ${r.manifest ? manifestToCanonicalJson(r.manifest) : '(none)'}`,
    `imports (${r.imports.length}):`,
    // Import and export names are the binary's choice (any UTF-8 in a core module): escaped,
    // so a name cannot move the cursor, conceal or rewrite the audit below.
    ...r.imports.map((i) => `  ${escapeForTerminal(i)}`),
    `exports (${r.exports.length}):`,
    ...r.exports.map((e) => `  ${escapeForTerminal(e)}`),
    'audit:',
    ...formatAuditTable(r.audit).map((l) => `  ${l}`),
    ...r.audit.warnings.map((w) => `warning: ${escapeForTerminal(w)}`),
  ];
  return lines.join('\n') + '\n';
}

/** `inspect --json`: the result as JSON whose every terminal-active character is a `\uXXXX` escape. */
export function formatInspectJson(r: InspectResult): string {
  return escapeJsonForTerminal(JSON.stringify(r, null, 2)) + '\n';
}

export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description("show a binary's kind, imports, exports, embedded manifest, audit and provenance status")
    .argument('<app.wasm>', 'component or core module')
    .option('--json', 'print one JSON object instead of text')
    .addHelpText('after', EXIT_CODES)
    .action((file: string, opts: { json?: boolean }) => {
      const result = inspectFile(file);
      // The JSON holds the binary's own strings: escaped too, and still the same JSON.
      process.stdout.write(opts.json ? formatInspectJson(result) : formatInspect(result));
      if (result.provenance.status === 'failed') {
        process.stderr.write(`molt-wasm: ${result.provenance.message}\n`);
        process.exitCode = ExitCode.dataErr;
      }
    });
}

/**
 * `molt-wasm build`: embed the manifest (SPEC section 4) in a component or a preview1 core
 * module, and print the import audit. The output keeps the input's kind.
 */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { ManifestError, UsageError } from '../errors.js';
import { auditImports, formatAuditTable } from '../manifest/audit.js';
import { embedManifest, readProvenance } from '../manifest/provenance.js';
import { listImports } from '../manifest/wasm/imports.js';
import { emptyManifest, mergeManifests } from '../policy/manifest.js';
import type { CanonicalManifest } from '../policy/types.js';
import { loadCapabilitiesArgument } from '../manifest/input/capability-list.js';
import { inFile, loadManifestFile, loadWasm, readTextFile } from './load.js';
import { manifestToCanonicalJson } from '../manifest/canonical-json.js';
import { toolInfo } from './tool.js';

export interface BuildOptions {
  output: string;
  manifest?: string;
  strict?: boolean;
}

const EXIT_CODES = `
Exit codes:
  0   built (warnings, if any, printed on stderr)
  64  usage: unknown flag, missing -o
  65  bad input: not wasm, truncated, malformed manifest; under --strict, any audit warning`;

// TEMPORARY until host/cli/capability-options.ts lands: a computed specifier keeps tsc green.
// Then: `import { addCapabilityOptions, readCapabilityOptions } from './capability-options.js'`.
interface CapabilityOptionsModule {
  addCapabilityOptions(cmd: Command): void;
  readCapabilityOptions(
    opts: Record<string, unknown>,
    readFile: (path: string) => string,
  ): { manifest?: CanonicalManifest; allow: CanonicalManifest['allow']; deny: CanonicalManifest['deny'] };
}
const CAPABILITY_OPTIONS_MODULE = './capability-options.js';
let capabilityOptions: CapabilityOptionsModule | undefined;
async function loadCapabilityOptions(): Promise<void> {
  try {
    capabilityOptions = (await import(CAPABILITY_OPTIONS_MODULE)) as CapabilityOptionsModule;
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
  }
}
function addCapabilityOptions(cmd: Command): void {
  if (capabilityOptions) capabilityOptions.addCapabilityOptions(cmd);
  else cmd.option('--capabilities <list|file>', 'capability names (net,env) or a profile/molt.toml file');
}
function readCapabilityOptions(opts: Record<string, unknown>, readFile: (path: string) => string): ReturnType<CapabilityOptionsModule['readCapabilityOptions']> {
  if (capabilityOptions) return capabilityOptions.readCapabilityOptions(opts, readFile);
  const arg = opts['capabilities'];
  return { ...(typeof arg === 'string' ? { manifest: loadCapabilitiesArgument(arg, readFile) } : {}), allow: {}, deny: {} };
}

/** The manifest to embed: --manifest FILE, --capabilities and flags, merged (deny flags included). */
function manifestFor(opts: Record<string, unknown>): CanonicalManifest {
  const caps = readCapabilityOptions(opts, (path: string) => readTextFile(path, 'capabilities file'));
  let manifest = emptyManifest();
  const file = opts['manifest'];
  if (typeof file === 'string') manifest = mergeManifests(manifest, loadManifestFile(file));
  if (caps.manifest) manifest = mergeManifests(manifest, caps.manifest);
  return mergeManifests(manifest, { version: 1, allow: caps.allow, deny: caps.deny });
}

export function runBuild(input: string, opts: Record<string, unknown>, out: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): void {
  const output = opts['output'];
  if (typeof output !== 'string') throw new UsageError('build: -o <out.wasm> is required');
  const bytes = loadWasm(input);
  const manifest = manifestFor(opts);
  const built = inFile(input, () => embedManifest(bytes, manifest, toolInfo()));
  const report = auditImports(inFile(input, () => listImports(bytes)), manifest);
  out.stderr.write(`manifest: ${manifestToCanonicalJson(manifest)}\n`);
  out.stderr.write(formatAuditTable(report).map((l) => `  ${l}\n`).join(''));
  for (const w of report.warnings) out.stderr.write(`warning: ${w}\n`);
  if (opts['strict'] === true && report.warnings.length > 0) {
    throw new ManifestError(
      `${report.warnings.length} audit warning(s) and --strict is set; nothing written (first: ${report.warnings[0]})`,
      input,
    );
  }
  // Read back what we wrote before claiming success: the sections must verify.
  readProvenance(built);
  writeFileSync(output, built);
  out.stdout.write(`built ${output} (${built.length} bytes)\n`);
}

export async function registerBuildCommand(program: Command): Promise<void> {
  await loadCapabilityOptions();
  const cmd = program
    .command('build')
    .description('embed a capability manifest (molt:capabilities + molt:provenance) in a component or preview1 core module')
    .argument('<in.wasm>', 'component or preview1 core module')
    .requiredOption('-o, --output <out.wasm>', 'where to write the built binary')
    .option('--manifest <file>', 'molt.toml or a profile / canonical manifest JSON file')
    .option('--strict', 'treat audit warnings as errors (exit 65)');
  addCapabilityOptions(cmd);
  cmd.addHelpText('after', EXIT_CODES).action((input: string, opts: Record<string, unknown>) => {
    runBuild(input, opts, { stdout: process.stdout, stderr: process.stderr });
  });
}

/**
 * `molt-wasm build`: embed the manifest (SPEC section 4) in a component or a preview1 core
 * module, and print the import audit. The output keeps the input's kind.
 */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { ManifestError, OutputPathError, UsageError } from '../errors.js';
import { auditImports, formatAuditTable } from '../manifest/audit.js';
import { embedManifest, readProvenance } from '../manifest/provenance.js';
import { listImports } from '../manifest/wasm/imports.js';
import { mergeManifests, resolvePolicy, type CanonicalManifest } from '../policy/index.js';
import { addCapabilityOptions, readCapabilityOptions } from './capability-options.js';
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

/**
 * The manifest to embed: --manifest FILE and --capabilities merged as the manifest layer,
 * then the allow and deny flags, through the same precedence as `run` (SPEC section 3) so a
 * deny flag becomes a deny entry. No defaults: a built binary declares only what was asked.
 */
function manifestFor(opts: Record<string, unknown>): { manifest: CanonicalManifest; warnings: string[] } {
  const caps = readCapabilityOptions(opts, (path: string) => readTextFile(path, 'capabilities file'));
  const file = opts['manifest'];
  let manifest: CanonicalManifest | undefined = typeof file === 'string' ? loadManifestFile(file) : undefined;
  if (caps.manifest) manifest = manifest === undefined ? caps.manifest : mergeManifests(manifest, caps.manifest);
  const resolved = resolvePolicy({
    ...(manifest === undefined ? {} : { manifest }),
    allowFlags: caps.allow,
    denyFlags: caps.deny,
  });
  return { manifest: resolved.manifest, warnings: resolved.warnings };
}

export function runBuild(
  input: string,
  opts: Record<string, unknown>,
  out: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): void {
  const output = opts['output'];
  if (typeof output !== 'string') throw new UsageError('build: -o <out.wasm> is required');
  const bytes = loadWasm(input);
  const { manifest, warnings } = manifestFor(opts);
  for (const w of warnings) out.stderr.write(`warning: ${w}\n`);
  const built = inFile(input, () => embedManifest(bytes, manifest, toolInfo()));
  const report = auditImports(
    inFile(input, () => listImports(bytes)),
    manifest,
  );
  out.stderr.write(`manifest: ${manifestToCanonicalJson(manifest)}\n`);
  out.stderr.write(
    formatAuditTable(report)
      .map((l) => `  ${l}\n`)
      .join(''),
  );
  for (const w of report.warnings) out.stderr.write(`warning: ${w}\n`);
  if (opts['strict'] === true && report.warnings.length > 0) {
    throw new ManifestError(
      `${report.warnings.length} audit warning(s) and --strict is set; nothing written (first: ${report.warnings[0]})`,
      input,
    );
  }
  // Read back what we wrote before claiming success: the sections must verify.
  readProvenance(built);
  try {
    writeFileSync(output, built);
  } catch (e) {
    throw new OutputPathError(`cannot write ${JSON.stringify(output)}: ${(e as Error).message}`, output, { cause: e });
  }
  out.stdout.write(`built ${output} (${built.length} bytes)\n`);
}

export function registerBuildCommand(program: Command): void {
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

/**
 * `molt-wasm export spin [capability options] [--dir ...] [--env K=V] [--allow-lossy]
 * <app.wasm> [-o spin.toml]` (SPEC section 8): the policy `run` would enforce on app.wasm
 * (embedded manifest as the ceiling, then the same flags, the same defaults) written as a
 * Spin application manifest with one component and an HTTP trigger. What Spin cannot express
 * is refused (exit 65, every item listed), or with `--allow-lossy` left out with one warning
 * per item. The mapping itself is host/spin/export.ts; docs/spin.md says what maps.
 */
import { readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'smol-toml';
import { OutputPathError, UsageError } from '../errors.js';
import { manifestToCanonicalJson } from '../manifest/canonical-json.js';
import { readProvenance } from '../manifest/provenance.js';
import { readInterface } from '../manifest/wasm/imports.js';
import { planPreopens } from '../gate/preopens.js';
import { resolvePolicy, type ResolvedPolicy } from '../policy/index.js';
import { SpinExportRefusedError } from '../spin/errors.js';
import { exportSpin, SPIN_ID, spinIdFromFileName, type SpinManifest } from '../spin/export.js';
import { addAllowUndeclaredOption, addCapabilityOptions, collectStrings, readCapabilityOptions } from './capability-options.js';
import { RUN_DEFAULT_GRANTS } from './defaults.js';
import { parseDirs, uncoveredDirWarnings } from './dirs.js';
import { inFile, loadWasm, readTextFile } from './load.js';
import { parseEnv } from './run.js';

const EXIT_CODES = `
Exit codes:
  0   written (warnings, if any, on stderr)
  64  usage: unknown flag, bad --dir/--env/--name value, -o in a directory that cannot be written
  65  bad input: not wasm, bad manifest, not a wasi:http/proxy component, or a policy Spin
      cannot express without --allow-lossy (every item is listed)`;

export interface ExportSpinOptions {
  readonly output?: string;
  readonly dir?: readonly string[];
  readonly env?: readonly string[];
  readonly name?: string;
  readonly allowLossy?: boolean;
  readonly [flag: string]: unknown;
}

export interface ExportSpinStreams {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/**
 * The policy `run` would enforce, assembled the way run.ts does it: the embedded manifest
 * (when it verifies) as the ceiling, `--capabilities`, allow and deny flags, and the CLI's
 * default console.write for a binary without a manifest.
 */
function resolveRunPolicy(bytes: Uint8Array, app: string, opts: ExportSpinOptions): ResolvedPolicy {
  const embedded = inFile(app, () => readProvenance(bytes));
  const caps = readCapabilityOptions(opts, (p) => readTextFile(p, 'capabilities file'));
  const resolved = resolvePolicy({
    ...(embedded.status === 'verified' ? { embedded: embedded.manifest } : {}),
    ...(caps.manifest ? { manifest: caps.manifest } : {}),
    allowFlags: caps.allow,
    denyFlags: caps.deny,
    defaultGrants: RUN_DEFAULT_GRANTS,
    allowUndeclared: caps.allowUndeclared,
  });
  return resolved;
}

/** `path` as spin.toml in `baseDir` names it: relative when it lies below baseDir, else absolute. */
export function manifestPath(baseDir: string, path: string): string {
  const abs = resolve(path);
  const rel = relative(baseDir, abs);
  if (rel === '') return '.';
  if (rel.startsWith('..') || isAbsolute(rel)) return abs;
  return rel.split(sep).join('/');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** realpath(3) of a host path, or null (missing, a loop). */
function realPath(path: string): string | null {
  try {
    return realpathSync.native(path);
  } catch {
    return null;
  }
}

/** Entries `linksLeaving` looks at in one mount before it gives up (and the export refuses the mount). */
const MAX_SCANNED_ENTRIES = 100_000;

/**
 * The symlinks below `root` whose target, resolved by the OS (realpath(3): Node's JS realpathSync takes `link/..` lexically), lies outside `root` (each link
 * on its own, so a chain of links that each stay inside but together leave is caught too);
 * dangling ones point at nothing to copy. Directories are walked without following links.
 */
export function linksLeaving(root: string): { links: string[]; incomplete: boolean } {
  const links: string[] = [];
  let real: string;
  try {
    real = realpathSync.native(root);
  } catch {
    return { links, incomplete: false };
  }
  let seen = 0;
  const pending: string[] = [''];
  while (pending.length > 0) {
    const rel = pending.pop()!;
    let entries;
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (++seen > MAX_SCANNED_ENTRIES) return { links, incomplete: true };
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) pending.push(r);
      else if (e.isSymbolicLink()) {
        let target: string;
        try {
          target = realpathSync.native(join(root, r));
        } catch {
          continue; // dangling or a loop: nothing Spin could copy
        }
        const inside = relative(real, target);
        if (inside.startsWith('..') || isAbsolute(inside)) links.push(r);
      }
    }
  }
  return { links: links.sort(), incomplete: false };
}

/** The text written: a header naming the source and the policy, then the manifest. */
export function spinTomlText(manifest: SpinManifest, wasmName: string, policyJson: string): string {
  const header = [
    `# Spin application manifest written by \`molt-wasm export spin\` from ${wasmName}.`,
    '# It carries the policy `molt-wasm run` would enforce (docs/spin.md says what maps):',
    `# ${policyJson}`,
  ];
  return `${header.join('\n')}\n${stringify(manifest)}`;
}

/** The action. Returns normally when written; throws a MoltError otherwise (nothing written then). */
export function exportSpinCommand(app: string, opts: ExportSpinOptions, io: ExportSpinStreams): void {
  const name = opts.name ?? spinIdFromFileName(basename(app));
  if (!SPIN_ID.test(name)) {
    throw new UsageError(
      `--name ${JSON.stringify(name)}: a Spin id is lowercase words of letters and digits, each starting with a letter, joined by "-" (for example my-app)`,
    );
  }
  const bytes = loadWasm(app);
  const binary = inFile(app, () => readInterface(bytes));
  const resolved = resolveRunPolicy(bytes, app, opts);
  const dirs = parseDirs(opts.dir);
  const env = parseEnv(opts.env);
  const output = opts.output;
  const baseDir = output === undefined ? process.cwd() : dirname(resolve(output));

  const result = exportSpin({
    policy: resolved.manifest,
    preopens: planPreopens(resolved.manifest, dirs),
    env,
    binary,
    label: app,
    name,
    source: manifestPath(baseDir, app),
    mountSource: (host) => manifestPath(baseDir, host),
    isDirectory,
    linksLeaving,
    realPath,
  });

  const warn = (w: string): void => void io.stderr.write(`molt-wasm: warning: ${w}\n`);
  for (const w of resolved.warnings) warn(w);
  for (const w of uncoveredDirWarnings(resolved.manifest, dirs)) warn(w);
  for (const w of result.warnings) warn(w);
  if (result.unsupported.length > 0) {
    if (opts.allowLossy !== true) {
      for (const item of result.unsupported) io.stderr.write(`molt-wasm: cannot express in spin.toml: ${item}\n`);
      throw new SpinExportRefusedError(result.unsupported);
    }
    for (const item of result.unsupported) warn(`not in spin.toml (--allow-lossy): ${item}`);
  }

  const text = spinTomlText(result.manifest, basename(app), manifestToCanonicalJson(resolved.manifest));
  if (output === undefined) {
    io.stdout.write(text);
    return;
  }
  try {
    writeFileSync(output, text);
  } catch (e) {
    throw new OutputPathError(`-o: cannot write ${JSON.stringify(output)}: ${(e as Error).message}`, output, { cause: e });
  }
}

export function registerExportCommand(program: Command): void {
  const exportCmd = program.command('export').description("write the policy a binary runs under in another platform's format");
  const cmd = exportCmd
    .command('spin')
    .description('write a Spin application manifest (spin.toml) carrying the policy `run` would enforce; refuses what Spin cannot express')
    .argument('<app>', 'the wasi:http/proxy component (.wasm)')
    .option(
      '-o, --output <spin.toml>',
      'where to write the manifest (default: stdout); paths in it are relative to its directory when below it',
    )
    .option(
      '--dir <GUEST=HOST>',
      'map a granted guest path to a host directory, as for run (repeatable); becomes a files mount',
      collectStrings,
    )
    .option('--env <NAME=VALUE>', "a variable for spin.toml's environment (written only where env allows NAME; repeatable)", collectStrings)
    .option('--name <id>', 'the Spin application name and component id (default: from the file name)')
    .option('--allow-lossy', 'write the manifest without what Spin cannot express, with one warning per item, instead of refusing');
  addAllowUndeclaredOption(addCapabilityOptions(cmd));
  cmd.addHelpText('after', EXIT_CODES).action((app: string, opts: ExportSpinOptions) => {
    exportSpinCommand(app, opts, { stdout: process.stdout, stderr: process.stderr });
  });
}

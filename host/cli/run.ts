/**
 * `molt-wasm run [options] <app.wasm> [-- guest args…]` (SPEC section 8): runs a component or
 * a preview1 core module under the resolved policy. Exit code: the guest's own; 77 with one
 * line naming the capability on a capability trap; 70 on another trap; 65 bad input
 * (not wasm, truncated, provenance mismatch, unknown imports); 64 usage.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { Command } from 'commander';
import { CapabilityDeniedError, GuestTimeoutError, GuestTrapError, UsageError } from '../errors.js';
import type { AuditRecord } from '../gate/audit.js';
import { CapabilityTrap } from '../gate/trap.js';
import { createHost, type GuestOptions, type RunResult } from '../node/host.js';
import { readLimitOptions } from '../node/limits-options.js';
import { runInWorker } from '../node/worker-runner.js';
import { readProvenance } from '../manifest/provenance.js';
import type { CanonicalManifest } from '../policy/types.js';
import { denialHint, type DenialHintContext } from '../run/denial-notices.js';
import {
  addAllowUndeclaredOption,
  addCapabilityOptions,
  collectStrings,
  policyFromOptions,
  readCapabilityOptions,
} from './capability-options.js';
import { RUN_DEFAULT_GRANTS } from './defaults.js';
import { guestCwdOf, parseDirs, uncoveredDirWarnings } from './dirs.js';
import { ownCodeRoots, refuseWritableCode } from '../node/code-guard.js';
import { defaultCacheDir } from '../node/cache-dir.js';
import { inFile, loadWasm, readTextFile } from './load.js';
import { addPromptOptions, broadFlagWarnings, promptGuestOptions } from './prompt-tty.js';
import { stdioWriter } from './stdio.js';

export { parseDirs } from './dirs.js';

/** `--env K=V`: adds or overrides a variable (the `env` grant still decides what the guest sees). */
export function parseEnv(values: readonly string[] = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env ${JSON.stringify(v)}: expected NAME=VALUE`);
    env[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return env;
}

function hostEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return env;
}

export interface RunCommandOptions {
  readonly dir?: string[];
  readonly env?: string[];
  readonly auditLog?: string;
  readonly cacheDir?: string;
  readonly verbose?: boolean;
  readonly timeout?: string;
  readonly maxMemory?: string;
  readonly maxOpenFiles?: string;
  readonly maxHttpResources?: string;
  readonly maxHostResources?: string;
  readonly quietDenials?: boolean;
  readonly [flag: string]: unknown;
}

/** The action: returns the exit code (also set on process.exitCode by the caller). */
export async function runCommand(app: string, guestArgs: readonly string[], opts: RunCommandOptions): Promise<number> {
  const bytes = loadWasm(app);
  const embedded = inFile(app, () => readProvenance(bytes));
  const caps = readCapabilityOptions(opts, (p) => readTextFile(p, 'capabilities file'));
  const limits = readLimitOptions(opts);
  const dirs = parseDirs(opts.dir);
  // SPEC section 1: a binary without a manifest may still say what it wanted (RUN_DEFAULT_GRANTS).
  const resolved = policyFromOptions(caps, embedded, RUN_DEFAULT_GRANTS);
  for (const w of resolved.warnings) process.stderr.write(`molt-wasm: warning: ${w}\n`);
  for (const w of broadFlagWarnings(caps.broad)) process.stderr.write(w);
  for (const w of uncoveredDirWarnings(resolved.manifest, dirs)) process.stderr.write(`molt-wasm: warning: ${w}\n`);
  // The cache root and molt-wasm's own files hold code the host runs: a guest that may write them is refused (host/node/code-guard.ts).
  refuseWritableCode(resolved.manifest, dirs, [
    defaultCacheDir(),
    ...(opts.cacheDir !== undefined ? [opts.cacheDir] : []),
    ...ownCodeRoots(),
  ]);
  // How a denial says what would fix it (SPEC section 8): the trap line and the notices.
  const hints: DenialHintContext = resolved.hints;

  let auditFd: number | undefined;
  if (opts.auditLog !== undefined) {
    try {
      auditFd = openSync(opts.auditLog, 'a');
    } catch (e) {
      throw new UsageError(`--audit-log ${JSON.stringify(opts.auditLog)}: ${(e as Error).message}`);
    }
  }
  // Synchronous writes: the log is complete even if the process dies right after.
  const audit = auditFd === undefined ? undefined : (r: AuditRecord) => void writeSync(auditFd!, JSON.stringify(r) + '\n');
  try {
    const guestOptions: GuestOptions = {
      manifest: resolved.manifest,
      embedded, // verified above: not read a second time
      args: [app, ...guestArgs],
      env: { ...hostEnv(), ...parseEnv(opts.env) },
      dirs,
      // The guest sees its cwd as a guest path inside a preopen, or not at all (SPEC section 5).
      ...guestCwdOption(resolved.manifest, dirs),
      // fd 1 and 2 directly where that is what the streams do anyway (host/cli/stdio.ts).
      stdout: stdioWriter(1, () => process.stdout),
      stderr: stdioWriter(2, () => process.stderr),
      stdin: () => (process.stdin.isTTY ? new Uint8Array(0) : new Uint8Array(readFileSync(0))),
      label: app,
      denialNotices: { ...hints, quiet: opts.quietDenials === true },
      ...promptGuestOptions(opts, caps.allowUndeclared, app),
      ...(audit ? { audit } : {}),
      ...(limits.maxMemoryBytes !== undefined ? { maxMemoryBytes: limits.maxMemoryBytes } : {}),
      ...(limits.maxOpenFiles !== undefined ? { maxOpenFiles: limits.maxOpenFiles } : {}),
      ...(limits.maxHttpResources !== undefined ? { maxHttpResources: limits.maxHttpResources } : {}),
      ...(limits.maxHostResources !== undefined ? { maxHostResources: limits.maxHostResources } : {}),
    };
    const undeclared = resolved.undeclared.map((u) => ({
      time: new Date().toISOString(),
      capability: u.capability,
      operation: 'molt-wasm/run#allow-undeclared',
      target: u.scope ?? null,
      decision: 'allow' as const,
      code: 'ok' as const,
    }));
    let result: RunResult;
    if (limits.timeoutMs !== undefined) {
      // --timeout: the guest runs in a worker (host/node/worker-runner.ts) that writes fds 1/2
      // and the audit log itself, so output is complete up to the moment it is stopped.
      result = await runInWorker(bytes, {
        ...guestOptions,
        timeoutMs: limits.timeoutMs,
        stdoutFd: 1,
        stderrFd: 2,
        stdinFd: 0,
        ...(auditFd !== undefined ? { auditFd, auditPrelude: undeclared } : {}),
        ...(opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir } : {}),
      });
    } else {
      const host = createHost(opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir } : {});
      const guest = await host.prepare(bytes, guestOptions);
      if (audit) for (const u of undeclared) audit({ ...u, subject: guest.subject });
      result = await guest.start();
    }
    if (result.outcome === 'timeout') {
      throw result.error instanceof GuestTimeoutError
        ? result.error
        : new GuestTimeoutError(`guest timed out after ${limits.timeoutMs} ms`);
    }
    if (result.outcome === 'capability-trap' && result.error instanceof CapabilityTrap) {
      const t = result.error;
      throw new CapabilityDeniedError(`${t.message}${denialHint(hints, t.capability)}`, t.capability, t.iface, t.func);
    }
    if (result.outcome === 'trap') {
      const msg = result.error?.message ?? 'unknown trap';
      if (opts.verbose && result.error?.stack) process.stderr.write(result.error.stack + '\n');
      throw new GuestTrapError(`the guest trapped: ${msg}`, { cause: result.error });
    }
    return processExitCode(result.exitCode);
  } finally {
    if (auditFd !== undefined) closeSync(auditFd);
  }
}

/**
 * The process exit status for a guest's exit code. preview1's proc_exit takes a u32, but a
 * process status keeps 8 bits: 256 would read as 0, a failure shown as success. Such a code
 * is 1, said on stderr (Wasmtime refuses codes from 126 up; 126-255 are kept here, as
 * wasi:cli/exit-with-code's u8 allows them).
 */
function processExitCode(code: number): number {
  if (code >= 0 && code <= 255) return code;
  process.stderr.write(`molt-wasm: the guest's exit code ${code} does not fit a process exit status; exiting 1\n`);
  return 1;
}

export function registerRunCommand(program: Command): void {
  const cmd = program
    .command('run')
    .description('run a component or a preview1 core module under its capability manifest')
    .argument('<app>', 'the .wasm to run')
    .argument('[args...]', 'arguments for the guest (after --)')
    .option(
      '--dir <GUEST=HOST>',
      'map a granted guest path to a host directory, or an absolute path to itself (repeatable)',
      collectStrings,
    )
    .option('--env <NAME=VALUE>', 'add or override a variable (visible only where env allows NAME; repeatable)', collectStrings)
    .option('--audit-log <file>', 'append one JSON line per capability decision')
    .option('--cache-dir <dir>', 'transpile cache (default: $MOLT_WASM_CACHE_DIR, $XDG_CACHE_HOME/molt-wasm, ~/.cache/molt-wasm)')
    .option('--verbose', 'on a trap, print the stack')
    .option('--quiet-denials', 'do not print a line on stderr for each distinct denial that does not end the guest')
    .option('--timeout <ms>', 'stop the guest after this many milliseconds (exit 124)')
    .option('--max-memory <bytes>', 'cap each guest memory (bytes, or 64M / 1G); growth past it fails in the guest')
    .option('--max-open-files <n>', 'host files one guest may hold open at once (default 256); past it opens fail EMFILE')
    .option(
      '--max-http-resources <n>',
      'wasi:http/types resources (fields, requests, responses, options) one guest may make and hold at once (default 1024); past it the guest traps',
    )
    .option(
      '--max-host-resources <n>',
      'resources any WASI call hands one guest (pollables, streams, bodies, headers, sockets, ...) that it may hold at once (default 16384); past it the guest traps',
    );
  addAllowUndeclaredOption(addCapabilityOptions(cmd));
  addPromptOptions(cmd);
  cmd.action(async (app: string, args: string[], opts: RunCommandOptions) => {
    process.exitCode = await runCommand(app, args, opts);
  });
}

/** `cwd` for the guest: this process's directory as the preopens show it, when they do. */
function guestCwdOption(manifest: CanonicalManifest, dirs: Readonly<Record<string, string>>): { cwd?: string } {
  const cwd = guestCwdOf(manifest, dirs);
  return cwd === undefined ? {} : { cwd };
}

/**
 * `molt-wasm serve [capability options] [--listen HOST:PORT] <app.wasm>` (SPEC section 8):
 * serves a `wasi:http/proxy` component over HTTP, a fresh instance per request, under the
 * same policy as `run` (the embedded manifest as the ceiling, the same flags), on a pool of
 * worker threads (host/serve/). Runs until SIGINT or SIGTERM, then finishes the requests in
 * flight and exits 0. Exit codes before it serves: 64 usage (a bad flag, an address it cannot
 * listen on), 65 bad input (not wasm, not a proxy component, provenance mismatch), 70 a
 * component that cannot be instantiated.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { readLimitOptions } from '../node/limits-options.js';
import { readProvenance } from '../manifest/provenance.js';
import { resolvePolicy } from '../policy/index.js';
import { prepareProxy } from '../serve/load.js';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONCURRENCY, DEFAULT_TIMEOUT_MS, readServeSettings } from '../serve/options.js';
import { ServePool } from '../serve/pool.js';
import { requireProxyComponent } from '../serve/proxy.js';
import { ServeServer } from '../serve/server.js';
import type { ServeJob } from '../serve/protocol.js';
import { addAllowUndeclaredOption, addCapabilityOptions, collectStrings, readCapabilityOptions } from './capability-options.js';
import { RUN_DEFAULT_GRANTS } from './defaults.js';
import { guestCwdOf, parseDirs, uncoveredDirWarnings } from './dirs.js';
import { ownCodeRoots, refuseWritableCode } from '../node/code-guard.js';
import { defaultCacheDir } from '../node/cache-dir.js';
import { inFile, loadWasm, readTextFile } from './load.js';
import { broadFlagWarnings } from './prompt-tty.js';
import { parseEnv } from './run.js';

export interface ServeCommandOptions {
  readonly dir?: string[];
  readonly env?: string[];
  readonly auditLog?: string;
  readonly cacheDir?: string;
  readonly listen?: string;
  readonly timeout?: string;
  readonly maxBody?: string;
  readonly maxConcurrency?: string;
  readonly maxMemory?: string;
  readonly maxOpenFiles?: string;
  readonly maxHttpResources?: string;
  readonly maxHostResources?: string;
  readonly maxHostHeap?: string;
  readonly workers?: string;
  readonly [flag: string]: unknown;
}

/** What ends the serving: the first SIGINT/SIGTERM drains, a second one stops at once. */
export interface StopSignals {
  /** Resolves at the first signal. */
  readonly first: Promise<string>;
  /** Resolves at the second. */
  readonly second: Promise<string>;
  dispose(): void;
}

function processSignals(): StopSignals {
  let count = 0;
  let resolveFirst!: (s: string) => void;
  let resolveSecond!: (s: string) => void;
  const first = new Promise<string>((r) => (resolveFirst = r));
  const second = new Promise<string>((r) => (resolveSecond = r));
  const on = (signal: string): void => {
    count++;
    if (count === 1) resolveFirst(signal);
    else resolveSecond(signal);
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return {
    first,
    second,
    dispose() {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    },
  };
}

function hostEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return env;
}

export async function serveCommand(app: string, opts: ServeCommandOptions): Promise<number> {
  const say = (line: string): void => void process.stderr.write(`molt-wasm: ${line}\n`);
  // Every flag is read before the file: a bad flag is 64 whatever the file is.
  const settings = readServeSettings(opts);
  const limits = readLimitOptions({
    maxMemory: opts.maxMemory,
    maxOpenFiles: opts.maxOpenFiles,
    maxHttpResources: opts.maxHttpResources,
    maxHostResources: opts.maxHostResources,
  });
  const caps = readCapabilityOptions(opts, (p) => readTextFile(p, 'capabilities file'));
  const dirs = parseDirs(opts.dir);
  const extraEnv = parseEnv(opts.env);

  const bytes = loadWasm(app);
  inFile(app, () => requireProxyComponent(bytes, app));
  const embedded = inFile(app, () => readProvenance(bytes));
  const resolved = resolvePolicy({
    ...(embedded.status === 'verified' ? { embedded: embedded.manifest } : {}),
    ...(caps.manifest ? { manifest: caps.manifest } : {}),
    allowFlags: caps.allow,
    denyFlags: caps.deny,
    defaultGrants: RUN_DEFAULT_GRANTS,
    allowUndeclared: caps.allowUndeclared,
  });
  for (const w of resolved.warnings) say(`warning: ${w}`);
  for (const w of broadFlagWarnings(caps.broad)) process.stderr.write(w);
  for (const w of uncoveredDirWarnings(resolved.manifest, dirs)) say(`warning: ${w}`);
  // The cache root and molt-wasm's own files hold code the host runs: a guest that may write them is refused (host/node/code-guard.ts).
  refuseWritableCode(resolved.manifest, dirs, [
    defaultCacheDir(),
    ...(opts.cacheDir !== undefined ? [opts.cacheDir] : []),
    ...ownCodeRoots(),
  ]);

  let auditFd: number | undefined;
  if (opts.auditLog !== undefined) {
    try {
      auditFd = openSync(opts.auditLog, 'a');
    } catch (e) {
      throw new UsageError(`--audit-log ${JSON.stringify(opts.auditLog)}: ${(e as Error).message}`);
    }
  }
  const signals = processSignals();
  let pool: ServePool | undefined;
  try {
    if (auditFd !== undefined) {
      for (const u of resolved.undeclared) {
        const record = {
          time: new Date().toISOString(),
          request: null,
          capability: u.capability,
          operation: 'molt-wasm/serve#allow-undeclared',
          target: u.scope ?? null,
          decision: 'allow',
          code: 'ok',
        };
        writeSync(auditFd, JSON.stringify(record) + '\n');
      }
    }
    const proxy = await prepareProxy(bytes, app, { cacheDir: opts.cacheDir, maxMemoryBytes: limits.maxMemoryBytes });
    const cwd = guestCwdOf(resolved.manifest, dirs);
    const job: ServeJob = {
      ...proxy,
      manifest: resolved.manifest,
      dirs,
      env: { ...hostEnv(), ...extraEnv },
      args: [app],
      ...(cwd !== undefined ? { cwd } : {}),
      label: app,
      ...(limits.maxOpenFiles !== undefined ? { maxOpenFiles: limits.maxOpenFiles } : {}),
      ...(limits.maxHttpResources !== undefined ? { maxHttpResources: limits.maxHttpResources } : {}),
      ...(limits.maxHostResources !== undefined ? { maxHostResources: limits.maxHostResources } : {}),
      ...(auditFd !== undefined ? { auditFd } : {}),
      stdoutFd: 1,
      stderrFd: 2,
    };
    pool = new ServePool({
      job,
      workers: settings.workers,
      timeoutMs: settings.timeoutMs,
      maxHostHeapBytes: settings.maxHostHeapBytes,
      log: say,
    });
    await pool.start();
    const server = new ServeServer({
      pool,
      maxBodyBytes: settings.maxBodyBytes,
      maxBufferedBytes: settings.maxBufferedBytes,
      maxConcurrency: settings.maxConcurrency,
      log: say,
    });
    let bound;
    try {
      bound = await server.listen(settings.host, settings.port);
    } catch (e) {
      throw new UsageError(`--listen ${settings.host}:${settings.port}: cannot listen there: ${(e as Error).message}`);
    }
    const shown = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
    say(`serving ${app} on http://${shown}:${bound.port}/ (${settings.workers} worker${settings.workers === 1 ? '' : 's'})`);

    const signal = await signals.first;
    say(`${signal}: no new requests; finishing ${server.inFlight} in flight (a second signal stops at once)`);
    const forced = await Promise.race([server.drain().then(() => false), signals.second.then(() => true)]);
    if (forced) {
      server.stopNow();
      say('stopped before the requests in flight finished');
      return 1;
    }
    say('stopped');
    return 0;
  } finally {
    signals.dispose();
    await pool?.close();
    if (auditFd !== undefined) closeSync(auditFd);
  }
}

export function registerServeCommand(program: Command): void {
  const cmd = program
    .command('serve')
    .description('serve a wasi:http/proxy component over HTTP, a fresh instance per request, under its capability manifest')
    .argument('<app>', 'the proxy component (.wasm) to serve')
    .option('--listen <HOST:PORT>', 'where to listen (default 127.0.0.1:8000; port 0 picks a free one; never all interfaces unless asked)')
    .option('--timeout <ms>', `stop a request's guest after this many milliseconds: the client gets 504 (default ${DEFAULT_TIMEOUT_MS})`)
    .option('--max-body <bytes>', `largest request body (bytes, or 1M); larger is 413 (default ${DEFAULT_MAX_BODY_BYTES} = 10M)`)
    .option('--max-concurrency <n>', `requests in flight at once; past it 503 (default ${DEFAULT_MAX_CONCURRENCY})`)
    .option('--max-memory <bytes>', "cap each instance's memory (bytes, or 64M / 1G); growth past it fails in the guest")
    .option('--max-open-files <n>', 'host files one instance may hold open at once (default 256)')
    .option(
      '--max-http-resources <n>',
      'wasi:http/types resources one instance may make and hold at once (default 1024); past it the guest traps',
    )
    .option(
      '--max-host-resources <n>',
      'resources any WASI call hands one instance that it may hold at once (default 16384); past it the guest traps',
    )
    .option(
      '--max-host-heap <bytes>',
      'JavaScript heap of each worker, what guests can make the host allocate outside their memory; past it the request is a 500 (default 256M)',
    )
    .option('--workers <n>', 'worker threads serving requests (default: one per core)')
    .option(
      '--dir <GUEST=HOST>',
      'map a granted guest path to a host directory, or an absolute path to itself (repeatable)',
      collectStrings,
    )
    .option('--env <NAME=VALUE>', 'add or override a variable (visible only where env allows NAME; repeatable)', collectStrings)
    .option('--audit-log <file>', 'append one JSON line per capability decision, with its request id')
    .option('--cache-dir <dir>', 'transpile cache (default: $MOLT_WASM_CACHE_DIR, $XDG_CACHE_HOME/molt-wasm, ~/.cache/molt-wasm)');
  addAllowUndeclaredOption(addCapabilityOptions(cmd));
  cmd.addHelpText(
    'after',
    "\nEach request gets a fresh instance with its own subject; the guest's outgoing HTTP, sockets, files,\n" +
      'environment and clocks are gated as under `run`. A guest that traps is a 500 (the reason goes to stderr).\n' +
      'SIGINT/SIGTERM: stop accepting, finish the requests in flight, exit 0. See docs/serve.md.',
  );
  cmd.action(async (app: string, opts: ServeCommandOptions) => {
    process.exitCode = await serveCommand(app, opts);
  });
}

/**
 * The Node host: runs components (WASI 0.2) and preview1 core modules under a per-guest
 * policy, in this thread. Each guest is its own subject with its own preopens, environment,
 * stdio and exit; a guest that exits, traps or is denied leaves the host able to run the next.
 */
import { UsageError } from '../errors.js';
import type { AuditSink } from '../gate/audit.js';
import type { PromptCallback } from '../gate/prompt.js';
import type { OutputSink, WasiPlatform } from '../gate/types.js';
import { PolicyEngine } from '../policy/index.js';
import type { CanonicalManifest } from '../policy/types.js';
import type { RunResult as SettledRunResult, SettledOutcome } from '../run/outcome.js';
import { prepareGatedRun, type PreparedRun } from '../run/prepare.js';
import { loadGuest, readGuestBytes } from './load.js';
import { nodePlatform } from './platform.js';
import { runInWorker } from './worker-runner.js';

export interface HostOptions {
  /** The engine holding every guest's subject. Default: a new PolicyEngine. */
  readonly engine?: PolicyEngine;
  /** Transpile cache root. Default: see defaultCacheDir() (MOLT_WASM_CACHE_DIR, XDG, ~/.cache). */
  readonly cacheDir?: string;
  /** The ungated WASI implementations. Default: preview2-shim (nodePlatform). */
  readonly platform?: WasiPlatform;
}

export interface GuestOptions {
  /** The resolved policy. Default: nothing granted (SPEC section 1: zero by default). */
  readonly manifest?: CanonicalManifest;
  /** Arguments, `args[0]` being the program name by convention. Default `[]`. */
  readonly args?: readonly string[];
  /** The environment the `env` grant filters. Default `{}` (the host's is NOT passed implicitly). */
  readonly env?: Readonly<Record<string, string>>;
  /** Guest path -> host directory (`--dir`). Default: each fs scope path maps to itself. */
  readonly dirs?: Readonly<Record<string, string>>;
  /** What `initial-cwd` reports when fs.read allows it. Default: none. */
  readonly cwd?: string;
  /** Default: discard. */
  readonly stdout?: OutputSink;
  /** Default: discard. */
  readonly stderr?: OutputSink;
  /** The guest's whole stdin, or a function read on first use. Default: empty. */
  readonly stdin?: Uint8Array | string | (() => Uint8Array);
  /** One record per capability decision. Default: none. */
  readonly audit?: AuditSink;
  /** Overrides the host's cache directory for this guest. */
  readonly cacheDir?: string;
  /** A label for the subject (diagnostics). Default: the path, or `guest`. */
  readonly label?: string;
  /**
   * Asked, synchronously, when the policy denies an operation (the CLI's `--prompt`; a
   * browser's confirm dialog): see host/gate/prompt.ts and docs/prompts.md. Grants stay
   * within the embedded manifest unless `promptUndeclared`. Default: none (denials stand).
   */
  readonly prompt?: PromptCallback;
  /** `--allow-undeclared` for prompts: an answer may grant beyond the embedded manifest (audited). Default false. */
  readonly promptUndeclared?: boolean;
  /**
   * Stop the guest after this many milliseconds (outcome `timeout`, exit 124). The guest then
   * runs in a worker_thread with its own engine (worker-runner.ts): only `run` takes it.
   */
  readonly timeoutMs?: number;
  /** Cap every linear memory at this many bytes (limits.ts): growth past it fails in the guest. */
  readonly maxMemoryBytes?: number;
}

/** How a guest ended (host/run/outcome.ts), or `timeout` (exit 124) when `timeoutMs` ran out. */
export type RunResult = SettledRunResult<SettledOutcome | 'timeout'>;

/**
 * A guest loaded and given a subject, not yet started: revoke or grant on `subject` any time.
 * Its `start()` never ends in `timeout` (prepare refuses `timeoutMs`).
 */
export type PreparedGuest = PreparedRun;

export interface Host {
  readonly engine: PolicyEngine;
  prepare(bytesOrPath: Uint8Array | string, options?: GuestOptions): Promise<PreparedGuest>;
  /** prepare + start. Throws MoltError for bad input; a guest's own failure is a RunResult. */
  run(bytesOrPath: Uint8Array | string, options?: GuestOptions): Promise<RunResult>;
}

export function createHost(options: HostOptions = {}): Host {
  const engine = options.engine ?? new PolicyEngine();
  const platform = options.platform ?? nodePlatform;

  async function prepare(bytesOrPath: Uint8Array | string, guest: GuestOptions = {}): Promise<PreparedGuest> {
    if (guest.timeoutMs !== undefined) {
      throw new UsageError('timeoutMs runs the guest in a worker: use host.run (or runInWorker), not prepare');
    }
    const bytes = await readGuestBytes(bytesOrPath);
    return prepareGatedRun({
      engine,
      bytes,
      source: bytesOrPath,
      guest,
      platform: () => platform,
      load: (supplied) =>
        loadGuest(
          bytes,
          supplied,
          guest.cacheDir ?? options.cacheDir,
          guest.maxMemoryBytes !== undefined ? { maxMemoryBytes: guest.maxMemoryBytes } : {},
        ),
    });
  }

  return {
    engine,
    prepare,
    async run(bytesOrPath, guest) {
      // A timeout needs a thread that can be stopped from outside: the guest's own worker.
      if (guest?.timeoutMs !== undefined) {
        return runInWorker(bytesOrPath, {
          ...guest,
          ...(options.cacheDir !== undefined ? { hostCacheDir: options.cacheDir } : {}),
        });
      }
      return (await prepare(bytesOrPath, guest)).start();
    },
  };
}


/**
 * The Node host: runs components (WASI 0.2) and preview1 core modules under a per-guest
 * policy, in this thread. Each guest is its own subject with its own preopens, environment,
 * stdio and exit; a guest that exits, traps or is denied leaves the host able to run the next.
 */
import { MoltError, UsageError } from '../errors.js';
import { createGatedWasi } from '../gate/index.js';
import type { AuditSink } from '../gate/audit.js';
import { planPreopens, type PreopenPlan } from '../gate/preopens.js';
import { PromptGate, type PromptCallback } from '../gate/prompt.js';
import type { OutputSink, WasiImportObject, WasiPlatform } from '../gate/types.js';
import { emptyManifest, PolicyEngine } from '../policy/index.js';
import type { CanonicalManifest, SubjectId } from '../policy/types.js';
import { guestIo } from '../run/guest-io.js';
import { startCoreModule } from '../run/loaded-guest.js';
import { RUN_RETURNED_ERR, runComponent, settle, type GuestKind, type RunResult as SettledRunResult, type SettledOutcome } from '../run/outcome.js';
import { loadGuest, readGuestBytes, type LoadedGuest } from './load.js';
import { nodePlatform } from './platform.js';
import { verifyEmbeddedManifest } from './provenance.js';
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

/** A guest loaded and given a subject, not yet started: revoke or grant on `subject` any time. */
export interface PreparedGuest {
  readonly subject: SubjectId;
  readonly kind: GuestKind;
  readonly preopens: readonly PreopenPlan[];
  /** The gated WASI 0.2 import object this guest runs against. */
  readonly imports: WasiImportObject;
  /** Instantiates and runs `wasi:cli/run` (component) or `_start` (core module). Call once. */
  start(): Promise<RunResult>;
}

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
    // Tampered molt sections are refused before anything is transpiled or run.
    const embedded = verifyEmbeddedManifest(bytes);
    const manifest = guest.manifest ?? emptyManifest();
    const ceiling = embedded.status === 'verified' ? embedded.manifest : undefined;
    const preopens = planPreopens(manifest, guest.dirs);
    const prompt =
      guest.prompt === undefined
        ? undefined
        : new PromptGate({
            engine,
            ask: guest.prompt,
            ...(ceiling !== undefined ? { ceiling } : {}),
            allowUndeclared: guest.promptUndeclared === true,
          });
    const subject = engine.createSubject(
      manifest,
      guest.label ?? (typeof bytesOrPath === 'string' ? bytesOrPath : 'guest'),
    );
    let loaded: LoadedGuest;
    let imports: WasiImportObject;
    try {
      imports = createGatedWasi({
        engine,
        subject,
        platform,
        preopens,
        ...(guest.audit ? { audit: guest.audit } : {}),
        ...(prompt ? { prompt } : {}),
        io: guestIo(guest),
      });
      loaded = await loadGuest(
        bytes,
        new Set(Object.keys(imports)),
        guest.cacheDir ?? options.cacheDir,
        guest.maxMemoryBytes !== undefined ? { maxMemoryBytes: guest.maxMemoryBytes } : {},
      );
    } catch (e) {
      engine.dropSubject(subject);
      throw e;
    }
    let started = false;
    return {
      subject,
      kind: loaded.kind,
      preopens,
      imports,
      async start(): Promise<RunResult> {
        if (started) throw new MoltError('a prepared guest can be started once');
        started = true;
        try {
          if (loaded.kind === 'component') {
            const exports = await loaded.instantiate(imports);
            if ((await runComponent(exports)) === RUN_RETURNED_ERR) {
              return { exitCode: 1, subject, kind: loaded.kind, outcome: 'exited' };
            }
          } else {
            await startCoreModule(loaded.module, imports);
          }
          return { exitCode: 0, subject, kind: loaded.kind, outcome: 'returned' };
        } catch (e) {
          return settle(e, subject, loaded.kind);
        }
      },
    };
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


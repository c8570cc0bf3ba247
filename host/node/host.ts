/**
 * The Node host: runs components (WASI 0.2) and preview1 core modules under a per-guest
 * policy, in this thread. Each guest is its own subject with its own preopens, environment,
 * stdio and exit; a guest that exits, traps or is denied leaves the host able to run the next.
 */
import { MoltError, UsageError, WasmFormatError } from '../errors.js';
import { createGatedWasi } from '../gate/index.js';
import type { AuditSink } from '../gate/audit.js';
import { GuestExit } from '../gate/exit.js';
import { planPreopens, type PreopenPlan } from '../gate/preopens.js';
import { CapabilityTrap } from '../gate/trap.js';
import { PromptGate, type PromptCallback } from '../gate/prompt.js';
import type { OutputSink, WasiImportObject, WasiPlatform } from '../gate/types.js';
import { emptyManifest, PolicyEngine } from '../policy/index.js';
import type { CanonicalManifest, SubjectId } from '../policy/types.js';
import { createPreview1Imports, isPreview1Exit } from '../preview1/index.js';
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

export interface RunResult {
  /** The guest's exit code; 77 after a capability trap, 70 after any other trap. */
  readonly exitCode: number;
  readonly subject: SubjectId;
  readonly kind: 'component' | 'core';
  /** How it ended: returned / exit() / a capability trap / another trap. */
  readonly outcome: 'returned' | 'exited' | 'capability-trap' | 'trap' | 'timeout';
  /** The CapabilityTrap or other error that ended the guest, when it trapped. */
  readonly error?: Error;
}

/** A guest loaded and given a subject, not yet started: revoke or grant on `subject` any time. */
export interface PreparedGuest {
  readonly subject: SubjectId;
  readonly kind: 'component' | 'core';
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

/** Exit code for a guest trap that is not a capability denial (SPEC section 8). */
const TRAP_EXIT = 70;
const DENIED_EXIT = 77;

function findRun(exports: Record<string, unknown>): () => unknown {
  for (const [key, value] of Object.entries(exports)) {
    if ((key === 'run' || key.startsWith('wasi:cli/run@')) && value !== null && typeof value === 'object') {
      const fn = (value as { run?: unknown }).run;
      if (typeof fn === 'function') return fn as () => unknown;
    }
  }
  throw new WasmFormatError('the component does not export wasi:cli/run; molt-wasm runs command components');
}

/** Classifies how a guest ended; host faults (MoltError) are rethrown. */
function settle(e: unknown, subject: SubjectId, kind: 'component' | 'core'): RunResult {
  if (e instanceof GuestExit) return { exitCode: e.code, subject, kind, outcome: 'exited' };
  if (isPreview1Exit(e)) return { exitCode: (e as { code: number }).code, subject, kind, outcome: 'exited' };
  if (e instanceof CapabilityTrap) return { exitCode: DENIED_EXIT, subject, kind, outcome: 'capability-trap', error: e };
  if (e instanceof MoltError) throw e;
  // `wasi:cli/run` returning err() under older jco bindings (ComponentError); the current
  // binding throws the bare payload, handled where run is called.
  if (e instanceof Error && e.name === 'ComponentError') return { exitCode: 1, subject, kind, outcome: 'exited' };
  const error = e instanceof Error ? e : new Error(String(e));
  return { exitCode: TRAP_EXIT, subject, kind, outcome: 'trap', error };
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
        io: {
          args: guest.args ?? [],
          env: guest.env ?? {},
          ...(guest.cwd !== undefined ? { cwd: guest.cwd } : {}),
          ...(guest.stdout ? { stdout: guest.stdout } : {}),
          ...(guest.stderr ? { stderr: guest.stderr } : {}),
          stdin: typeof guest.stdin === 'string' ? new TextEncoder().encode(guest.stdin) : (guest.stdin ?? new Uint8Array(0)),
        },
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
            const run = findRun(exports);
            try {
              await run();
            } catch (e) {
              // `wasi:cli/run#run` returned err: jco's binding throws the err payload, which
              // for `result` (no payload) is `undefined`. A trap or a host error is never
              // `undefined`, so this is the guest's own failure: exit 1, as in wasmtime.
              if (e === undefined) return { exitCode: 1, subject, kind: loaded.kind, outcome: 'exited' };
              throw e;
            }
          } else {
            const p1 = createPreview1Imports(imports);
            const instance = await WebAssembly.instantiate(loaded.module, p1.imports);
            p1.bindMemory(instance);
            const start = instance.exports['_start'];
            if (typeof start !== 'function') throw new WasmFormatError('the module exports no _start function');
            (start as () => void)();
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


/**
 * Runs one guest in a worker_thread so that it can be stopped: a guest in `(loop br 0)` or
 * blocked inside a WASI call never returns to the event loop, so a timer in the same thread
 * could never fire. The worker builds its own host, engine and import object from plain data
 * (worker-runner-entry.ts); stdout, stderr and audit records come back as messages, or are
 * written by the worker straight to a file descriptor (the CLI: output survives a kill); the
 * RunResult or the host fault comes back as the last message. On timeout the worker is
 * terminated and the result is outcome `timeout`, exit 124, with a GuestTimeoutError.
 *
 * Descriptors the guest opened in the worker are closed when it stops, even by terminate():
 * Node closes every descriptor a worker opened through `node:fs` when the worker's
 * environment is torn down (test/adversarial/descriptor-leak.test.ts holds it to that).
 *
 * Known limits: the guest's subject lives in the worker's own engine, so revoking on the
 * caller's engine does not reach it; a worker stuck in a blocking system call (a read of a
 * pipe nobody closes) cannot be interrupted by terminate(): it is unref'd and abandoned, and
 * the caller's result does not wait for it.
 */
import type { MessagePort } from 'node:worker_threads';
import * as errors from '../errors.js';
import { GuestTimeoutError, MoltError } from '../errors.js';
import type { AuditRecord } from '../gate/audit.js';
import { CapabilityTrap } from '../gate/trap.js';
import type { GuestOptions, RunResult } from './host.js';
import { lazyWorkerThreads } from './builtins.js';

/** How long a timed-out run waits for its worker to stop before reporting (a stuck syscall). */
const TERMINATE_GRACE_MS = 2000;

/** Extra options for a worker run: where the worker writes directly instead of messaging. */
export interface WorkerRunOptions extends GuestOptions {
  /** The worker writes the guest's stdout to this fd itself (synchronously). Overrides `stdout`. */
  readonly stdoutFd?: number;
  readonly stderrFd?: number;
  /** One JSON line per audit record, written by the worker to this fd. Overrides `audit`. */
  readonly auditFd?: number;
  /** The worker reads the guest's stdin from this fd on first use (empty when it is a TTY). */
  readonly stdinFd?: number;
  /** Audit records written (with the worker's subject) after the guest is prepared, before it starts. */
  readonly auditPrelude?: readonly Omit<AuditRecord, 'subject'>[];
}

export type SinkSpec = { readonly fd: number } | 'message' | 'discard';
export type StdinSpec =
  { readonly bytes: Uint8Array } | { readonly fd: number } | { readonly request: SharedArrayBuffer; readonly port: MessagePort } | 'empty';

/** The guest options that are plain data and cross to the worker as they are. */
const PLAIN_GUEST_OPTIONS = [
  'manifest',
  'args',
  'env',
  'dirs',
  'cwd',
  'label',
  'maxMemoryBytes',
  'embedded',
  'maxOpenFiles',
  'maxHttpResources',
  'maxHostResources',
  'denialNotices',
] as const;
export type PlainGuestOptions = Pick<GuestOptions, (typeof PLAIN_GUEST_OPTIONS)[number]>;

/** The plain-data options of `options`, only those that are set. */
export function plainGuestOptions(options: PlainGuestOptions): PlainGuestOptions {
  const out: Record<string, unknown> = {};
  for (const key of PLAIN_GUEST_OPTIONS) if (options[key] !== undefined) out[key] = options[key];
  return out as PlainGuestOptions;
}

/** What the worker is told: plain, structured-clonable data only. */
export interface WorkerJob extends PlainGuestOptions {
  readonly guest: Uint8Array | string;
  readonly cacheDir?: string;
  readonly stdout: SinkSpec;
  readonly stderr: SinkSpec;
  readonly audit: SinkSpec;
  readonly stdin: StdinSpec;
  readonly auditPrelude?: readonly Omit<AuditRecord, 'subject'>[];
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** Own enumerable fields (code, exitCode, capability, where, ...). */
  readonly fields: Record<string, unknown>;
}

export type WorkerMessage =
  | { readonly type: 'stdout' | 'stderr'; readonly data: Uint8Array }
  | { readonly type: 'audit'; readonly record: AuditRecord }
  | { readonly type: 'stdin' }
  | { readonly type: 'result'; readonly result: Omit<RunResult, 'error'>; readonly error?: SerializedError }
  | { readonly type: 'fault'; readonly error: SerializedError };

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    try {
      structuredClone(v);
      fields[k] = v;
    } catch {
      // A field that cannot cross threads is dropped, not the whole error.
    }
  }
  return { name: e.name, message: e.message, ...(e.stack !== undefined ? { stack: e.stack } : {}), fields };
}

/** Rebuilds an error from the worker with its own class, so `instanceof` works for the caller. */
export function deserializeError(s: SerializedError): Error {
  const classes: Record<string, unknown> = { ...errors, CapabilityTrap };
  const ctor = classes[s.name];
  let proto: object;
  if (typeof ctor === 'function' && (ctor.prototype instanceof MoltError || ctor === MoltError || ctor === CapabilityTrap)) {
    proto = ctor.prototype as object;
  } else if (s.name === 'RuntimeError') proto = WebAssembly.RuntimeError.prototype;
  else if (s.name === 'CompileError') proto = WebAssembly.CompileError.prototype;
  else if (s.name === 'LinkError') proto = WebAssembly.LinkError.prototype;
  else proto = Error.prototype;
  const e = Object.create(proto) as Error;
  Object.assign(e, s.fields);
  Object.defineProperty(e, 'message', { value: s.message, writable: true, configurable: true });
  if (proto === Error.prototype && s.name !== 'Error') Object.defineProperty(e, 'name', { value: s.name, configurable: true });
  if (s.stack !== undefined) Object.defineProperty(e, 'stack', { value: s.stack, writable: true, configurable: true });
  return e;
}

function sinkSpec(fd: number | undefined, fn: unknown): SinkSpec {
  if (fd !== undefined) return { fd };
  return typeof fn === 'function' ? 'message' : 'discard';
}

function stdinBytes(stdin: GuestOptions['stdin']): Uint8Array | undefined {
  if (stdin === undefined) return undefined;
  if (typeof stdin === 'string') return new TextEncoder().encode(stdin);
  if (stdin instanceof Uint8Array) return stdin;
  return undefined;
}

/**
 * Runs `bytesOrPath` in a new worker with `options`; resolves to its RunResult (outcome
 * `timeout` when `timeoutMs` ran out), rejects with the MoltError the worker's host threw.
 */
export function runInWorker(bytesOrPath: Uint8Array | string, options: WorkerRunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs;
  if (timeoutMs !== undefined && (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0)) {
    throw new errors.UsageError(`timeoutMs must be a positive integer, got ${timeoutMs}`);
  }
  // Loaded here: only runs with a timeout need threads (host/node/builtins.ts).
  const { MessageChannel, Worker } = lazyWorkerThreads();
  let stdin: StdinSpec = 'empty';
  let stdinPort: MessagePort | undefined;
  let stdinSignal: Int32Array | undefined;
  const transfer: MessagePort[] = [];
  const fixed = stdinBytes(options.stdin);
  if (options.stdinFd !== undefined) stdin = { fd: options.stdinFd };
  else if (fixed !== undefined) stdin = { bytes: fixed };
  else if (typeof options.stdin === 'function') {
    // The worker asks on first read and blocks on this flag until the bytes are on the port.
    const channel = new MessageChannel();
    const request = new SharedArrayBuffer(4);
    stdinSignal = new Int32Array(request);
    stdinPort = channel.port1;
    stdin = { request, port: channel.port2 };
    transfer.push(channel.port2);
  }
  const job: WorkerJob = {
    guest: bytesOrPath,
    ...plainGuestOptions(options),
    ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
    stdout: sinkSpec(options.stdoutFd, options.stdout),
    stderr: sinkSpec(options.stderrFd, options.stderr),
    audit: sinkSpec(options.auditFd, options.audit),
    stdin,
    ...(options.auditPrelude !== undefined ? { auditPrelude: options.auditPrelude } : {}),
  };

  return new Promise<RunResult>((resolve, reject) => {
    const worker = new Worker(new URL('./worker-runner-entry.js', import.meta.url), {
      workerData: job,
      transferList: transfer,
      // The guest's stdio never reaches the process streams implicitly.
      stdout: true,
      stderr: true,
    });
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      stdinPort?.close();
      fn();
    };
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        finish(() => {
          // terminate() cannot interrupt a blocking system call; never let a stuck thread hold the process.
          worker.unref();
          const error = new GuestTimeoutError(`guest timed out after ${timeoutMs} ms`);
          const result: RunResult = { exitCode: error.exitCode, subject: -1, kind: 'core', outcome: 'timeout', error };
          // The result waits for the worker to be gone, so that its descriptors are closed when
          // the caller sees it; a worker stuck in a blocking system call cannot be stopped, so
          // not for long.
          const grace = setTimeout(() => resolve(result), TERMINATE_GRACE_MS);
          grace.unref();
          void worker
            .terminate()
            .catch(() => {})
            .then(() => {
              clearTimeout(grace);
              resolve(result);
            });
        });
      }, timeoutMs);
    }
    worker.on('message', (m: WorkerMessage) => {
      if (settled) return;
      switch (m.type) {
        case 'stdout':
          options.stdout?.(m.data);
          break;
        case 'stderr':
          options.stderr?.(m.data);
          break;
        case 'audit':
          options.audit?.(m.record);
          break;
        case 'stdin': {
          let bytes: Uint8Array;
          try {
            bytes = (options.stdin as () => Uint8Array)();
          } catch {
            bytes = new Uint8Array(0);
          }
          stdinPort!.postMessage(bytes);
          Atomics.store(stdinSignal!, 0, 1);
          Atomics.notify(stdinSignal!, 0);
          break;
        }
        case 'result':
          finish(() => {
            void worker.terminate().catch(() => {});
            resolve({ ...m.result, ...(m.error ? { error: deserializeError(m.error) } : {}) } as RunResult);
          });
          break;
        case 'fault':
          finish(() => {
            void worker.terminate().catch(() => {});
            reject(deserializeError(m.error));
          });
          break;
      }
    });
    worker.on('error', (e) =>
      finish(() => reject(e instanceof MoltError ? e : new MoltError(`the guest worker failed: ${e.message}`, { cause: e }))),
    );
    worker.on('exit', (code) => finish(() => reject(new MoltError(`the guest worker exited (code ${code}) without a result`))));
  });
}

/**
 * What the serving process and its guest workers (host/serve/worker-entry.ts) tell each
 * other: plain, structured-clonable data only. One request at a time per worker; the last
 * message about a request (`response`, `end` or `failed`) frees its worker.
 */
import type { CanonicalManifest } from '../policy/types.js';
import type { PooledMemoryType } from './memory-import.js';
import type { SerializedError } from '../node/worker-runner.js';

/** Everything a worker needs to serve, given once when it starts. */
export interface ServeJob {
  /** file: URL of the transpiled component's `component.js` (verified by the transpile cache). */
  readonly componentJs: string;
  /** The component's core modules, compiled once by the serving process (memory limit written in). */
  readonly modules: Readonly<Record<string, WebAssembly.Module>>;
  /**
   * The core modules rewritten to import their linear memory (memory-import.ts), by name, and
   * the memory type each imports: a worker supplies those from its pool (memory-pool.ts).
   */
  readonly pooledMemories: Readonly<Record<string, PooledMemoryType>>;
  /** The incoming-handler export's name (`wasi:http/incoming-handler@0.2.12`). */
  readonly handlerExport: string;
  /** The unversioned interfaces the component imports: the only parts of its import object built per request. */
  readonly imports: readonly string[];
  readonly manifest: CanonicalManifest;
  readonly dirs: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly label: string;
  readonly maxOpenFiles?: number;
  readonly maxHttpResources?: number;
  readonly maxHostResources?: number;
  /** One JSON line per capability decision, written by the worker (append mode). */
  readonly auditFd?: number;
  /** Where the guest's stdout and stderr go (the server's own fds 1 and 2). */
  readonly stdoutFd: number;
  readonly stderrFd: number;
}

/** One request, read in full (up to --max-body) by the server before the guest starts. */
export interface RequestMessage {
  readonly type: 'request';
  readonly id: number;
  readonly method: string;
  readonly pathWithQuery: string;
  readonly authority: string | undefined;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array;
}

export type ResponseHeaders = readonly (readonly [string, Uint8Array])[];

export type WorkerReport =
  /** Started: the component loaded and instantiated once. */
  | { readonly type: 'ready' }
  /** Could not start (the error that stopped it). */
  | { readonly type: 'fault'; readonly error: SerializedError }
  /** The whole response, body finished before it was worth streaming. */
  | {
      readonly type: 'response';
      readonly id: number;
      readonly status: number;
      readonly headers: ResponseHeaders;
      readonly body: Uint8Array;
    }
  /** Status and headers of a response whose body follows in `chunk`s. */
  | { readonly type: 'head'; readonly id: number; readonly status: number; readonly headers: ResponseHeaders }
  | { readonly type: 'chunk'; readonly id: number; readonly data: Uint8Array }
  /** The streamed body is complete (`complete`), or the guest left it unfinished. */
  | { readonly type: 'end'; readonly id: number; readonly complete: boolean }
  /** No response: the guest trapped, set an error-code or returned without one. `log` is for stderr only. */
  | { readonly type: 'failed'; readonly id: number; readonly log: string };

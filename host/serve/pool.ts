/**
 * The serving process's pool of guest workers (host/serve/worker-entry.ts): one request at a
 * time per worker, requests waiting in order for a free one. A request that runs past the
 * timeout has its worker terminated (the only way to stop a guest in a loop: it never yields
 * to the event loop) and replaced; a worker that dies is replaced too. The pool never sends
 * anything to a client itself: it reports to the request's Reply.
 */
import type { Worker } from 'node:worker_threads';
import { MoltError } from '../errors.js';
import { lazyWorkerThreads } from '../node/builtins.js';
import { deserializeError } from '../node/worker-runner.js';
import type { RequestMessage, ResponseHeaders, ServeJob, WorkerReport } from './protocol.js';

/** What becomes of one request. Exactly one of `response`, `end`, `failed`, `timedOut` ends it. */
export interface Reply {
  response(status: number, headers: ResponseHeaders, body: Uint8Array): void;
  head(status: number, headers: ResponseHeaders): void;
  chunk(data: Uint8Array): void;
  end(complete: boolean): void;
  /** No response (the log line is for stderr, never the client). */
  failed(log: string): void;
  timedOut(): void;
}

interface Pending {
  readonly message: RequestMessage;
  readonly reply: Reply;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  current: Pending | undefined;
  timer: NodeJS.Timeout | undefined;
}

export interface PoolOptions {
  readonly job: ServeJob;
  readonly workers: number;
  /** Per request, from the moment a worker takes it. */
  readonly timeoutMs: number;
  /** Each worker's JavaScript heap; past it the worker is ended (its request fails) and replaced. */
  readonly maxHostHeapBytes: number;
  /** A line for stderr (a worker replaced, a fault). */
  readonly log: (line: string) => void;
}

const WORKER_ENTRY = new URL('../serve/worker-entry.js', import.meta.url);
/** Before a worker that failed to start is tried again. */
const RESPAWN_DELAY_MS = 1000;

export class ServePool {
  readonly #options: PoolOptions;
  readonly #slots: Slot[] = [];
  readonly #queue: Pending[] = [];
  #closed = false;

  constructor(options: PoolOptions) {
    this.#options = options;
  }

  /** Starts every worker; rejects with the first one's startup error (then nothing is left running). */
  async start(): Promise<void> {
    const starts: Promise<void>[] = [];
    for (let i = 0; i < this.#options.workers; i++) {
      const slot: Slot = { worker: undefined as unknown as Worker, ready: false, current: undefined, timer: undefined };
      this.#slots.push(slot);
      starts.push(this.#spawn(slot));
    }
    try {
      await Promise.all(starts);
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  /** Queues a request; `reply` hears how it ends. Returns a function that withdraws it while it still waits. */
  submit(message: RequestMessage, reply: Reply): () => void {
    const pending: Pending = { message, reply };
    this.#queue.push(pending);
    this.#pump();
    return () => {
      const i = this.#queue.indexOf(pending);
      if (i >= 0) this.#queue.splice(i, 1);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#slots.map((s) => (s.worker ? s.worker.terminate().catch(() => 0) : 0)));
  }

  #spawn(slot: Slot): Promise<void> {
    const worker = new (lazyWorkerThreads().Worker)(WORKER_ENTRY, {
      workerData: this.#options.job,
      // What guests make the host allocate outside their linear memory is bounded here: V8 ends
      // the worker (ERR_WORKER_OUT_OF_MEMORY, then 'error' below) instead of growing the process.
      resourceLimits: { maxOldGenerationSizeMb: Math.ceil(this.#options.maxHostHeapBytes / (1024 * 1024)) },
    });
    slot.worker = worker;
    slot.ready = false;
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (m: WorkerReport) => {
        if (slot.worker !== worker) return;
        if (m.type === 'ready') {
          started = true;
          slot.ready = true;
          resolve();
          this.#pump();
          return;
        }
        if (m.type === 'fault') {
          const e = deserializeError(m.error);
          if (!started) reject(e);
          return;
        }
        this.#report(slot, m);
      });
      worker.on('error', (e) => {
        if (slot.worker !== worker) return;
        if (!started) reject(e instanceof MoltError ? e : new MoltError(`a serving worker failed to start: ${e.message}`, { cause: e }));
        else this.#lost(slot, `a serving worker failed: ${e.message}`);
      });
      worker.on('exit', (code) => {
        if (slot.worker !== worker) return;
        if (!started) reject(new MoltError(`a serving worker exited (code ${code}) before it was ready`));
        else this.#lost(slot, `a serving worker exited (code ${code})`);
      });
    });
  }

  /** A worker died under us: its request fails, a new worker takes its place. */
  #lost(slot: Slot, why: string): void {
    const p = this.#finish(slot);
    p?.reply.failed(why);
    this.#replace(slot);
  }

  #replace(slot: Slot): void {
    const old = slot.worker;
    slot.ready = false;
    void old.terminate().catch(() => 0);
    if (this.#closed) return;
    this.#spawn(slot).catch((e: unknown) => {
      this.#options.log(`a serving worker could not be restarted: ${(e as Error).message}`);
      setTimeout(() => {
        if (!this.#closed) this.#replace(slot);
      }, RESPAWN_DELAY_MS).unref();
    });
  }

  /** The slot's request is over: its timer stops, the slot is free again. */
  #finish(slot: Slot): Pending | undefined {
    const p = slot.current;
    slot.current = undefined;
    if (slot.timer !== undefined) clearTimeout(slot.timer);
    slot.timer = undefined;
    return p;
  }

  #report(slot: Slot, m: Exclude<WorkerReport, { type: 'ready' | 'fault' }>): void {
    const p = slot.current;
    if (p === undefined || p.message.id !== m.id) return;
    switch (m.type) {
      case 'head':
        p.reply.head(m.status, m.headers);
        return;
      case 'chunk':
        p.reply.chunk(m.data);
        return;
      case 'response':
        this.#finish(slot);
        p.reply.response(m.status, m.headers, m.body);
        break;
      case 'end':
        this.#finish(slot);
        p.reply.end(m.complete);
        break;
      case 'failed':
        this.#finish(slot);
        p.reply.failed(m.log);
        break;
    }
    this.#pump();
  }

  #pump(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (!slot.ready || slot.current !== undefined) continue;
      const p = this.#queue.shift()!;
      slot.current = p;
      slot.timer = setTimeout(() => {
        if (slot.current !== p) return;
        this.#finish(slot);
        // The guest may be in a loop that never yields: only terminating its thread stops it.
        this.#replace(slot);
        p.reply.timedOut();
      }, this.#options.timeoutMs);
      const body = p.message.body;
      slot.worker.postMessage(p.message, body.byteLength > 0 ? [body.buffer as ArrayBuffer] : []);
    }
  }
}

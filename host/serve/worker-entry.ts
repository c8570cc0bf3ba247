/**
 * A serving worker: loads the transpiled component once (core modules compiled by the
 * serving process), then for each request makes a FRESH instance with a subject and gated
 * import object of its own, hands it the request, sends back its response, and drops the
 * instance, its subject and every host handle it opened. Nothing of one request's guest
 * state reaches the next. Loaded only as a worker_thread entry (host/serve/pool.ts).
 */
import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { AuditRecord } from '../gate/audit.js';
import { createGatedWasiFor, disposeGatedWasi, holdResource, httpResourcesOf } from '../gate/index.js';
import { planPreopens } from '../gate/preopens.js';
import { CapabilityTrap } from '../gate/trap.js';
import type { WasiImportObject, WasiPlatform } from '../gate/types.js';
import { serializeError } from '../node/worker-runner.js';
import { nodePlatform } from '../node/platform.js';
import { PolicyEngine } from '../policy/index.js';
import { guestIo } from '../run/guest-io.js';
import { MemoryPool } from './memory-pool.js';
import { ResponseOutparam, serveHttpTypes, ServedRequest, type ResponseBody, type ResponseSink } from './incoming.js';
import type { RequestMessage, ResponseHeaders, ServeJob, WorkerReport } from './protocol.js';

/** A body up to this size goes in the one `response` message; past it the response streams. */
const STREAM_AFTER = 64 * 1024;

const port = parentPort!;
const job = workerData as ServeJob;
const post = (m: WorkerReport, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

function writeAll(fd: number, b: Uint8Array): void {
  let off = 0;
  while (off < b.length) off += writeSync(fd, b, off, b.length - off);
}

const engine = new PolicyEngine();
const preopens = planPreopens(job.manifest, job.dirs);
const platform: WasiPlatform = { ...nodePlatform, http: { ...nodePlatform.http, types: serveHttpTypes } };
const encoder = new TextEncoder();
/** What the component imports: a request's import object holds these parts and no others (prepareProxy checked each is supplied). */
const imported: ReadonlySet<string> = new Set(job.imports);

/** jco's generated `instantiate`: it reads only the interfaces the component imports. */
type ProxyInstantiate = (
  getCoreModule: (name: string) => Promise<WebAssembly.Module>,
  imports: Partial<WasiImportObject>,
  instantiateCore?: (module: WebAssembly.Module, imports?: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> },
) => Promise<Record<string, unknown>>;

/** This worker's pooled linear memories, for the modules load.ts rewrote to import theirs. */
const memories = new MemoryPool(new Map(Object.entries(job.pooledMemories).map(([name, type]) => [job.modules[name]!, type] as const)));

function auditFor(request: number | null): ((r: AuditRecord) => void) | undefined {
  const fd = job.auditFd;
  if (fd === undefined) return undefined;
  return (r) => writeAll(fd, encoder.encode(JSON.stringify({ ...r, request }) + '\n'));
}

/** One guest instance's import object, under a subject of its own. */
function gatedImports(request: number | null): { imports: Partial<WasiImportObject>; release(): void } {
  const subject = engine.createSubject(job.manifest, request === null ? `${job.label} (start)` : `${job.label} request ${request}`);
  const audit = auditFor(request);
  const imports = createGatedWasiFor(
    {
      engine,
      subject,
      platform,
      preopens,
      ...(audit !== undefined ? { audit } : {}),
      maxOpenFiles: job.maxOpenFiles,
      maxHttpResources: job.maxHttpResources,
      maxHostResources: job.maxHostResources,
      io: guestIo({
        args: job.args,
        env: job.env,
        ...(job.cwd !== undefined ? { cwd: job.cwd } : {}),
        stdout: (b) => writeAll(job.stdoutFd, b),
        stderr: (b) => writeAll(job.stderrFd, b),
      }),
    },
    imported,
  );
  return {
    imports,
    release() {
      disposeGatedWasi(imports);
      engine.dropSubject(subject);
    },
  };
}

type Handle = (request: ServedRequest, out: ResponseOutparam) => void;

function findHandle(exports: Record<string, unknown>): Handle {
  const iface = exports[job.handlerExport] ?? exports['incomingHandler'];
  const fn = (iface as { handle?: unknown } | undefined)?.handle;
  if (typeof fn !== 'function') throw new TypeError(`the instance has no ${job.handlerExport}#handle`);
  return fn as Handle;
}

/** One request's response as it leaves: buffered up to STREAM_AFTER, then streamed. */
class Exchange implements ResponseSink {
  #status = 0;
  #headers: ResponseHeaders = [];
  #body: ResponseBody | undefined;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #streaming = false;
  #error: string | undefined;
  constructor(readonly id: number) {}

  respond(status: number, headers: ResponseHeaders, body: ResponseBody | undefined): void {
    this.#status = status;
    this.#headers = headers;
    this.#body = body;
    body?.attach((b) => this.#chunk(b));
  }
  respondError(code: unknown): void {
    this.#error = `the guest answered with error-code ${describeErrorCode(code)}`;
  }
  #chunk(b: Uint8Array): void {
    if (this.#streaming) {
      post({ type: 'chunk', id: this.id, data: b }, [b.buffer as ArrayBuffer]);
      return;
    }
    this.#chunks.push(b);
    this.#buffered += b.length;
    if (this.#buffered > STREAM_AFTER) {
      this.#streaming = true;
      post({ type: 'head', id: this.id, status: this.#status, headers: this.#headers });
      for (const c of this.#chunks) post({ type: 'chunk', id: this.id, data: c }, [c.buffer as ArrayBuffer]);
      this.#chunks = [];
    }
  }
  /** The handler returned: the response as it stands. */
  done(): void {
    if (this.#streaming) {
      post({ type: 'end', id: this.id, complete: this.#body?.finished === true });
      return;
    }
    if (this.#error !== undefined) return this.failed(this.#error);
    if (this.#status === 0) return this.failed('the guest returned without setting a response');
    // A body taken and never finished is a truncated response: the client must not take it as whole.
    if (this.#body !== undefined && !this.#body.finished) return this.failed('the guest left its response body unfinished');
    const body = concat(this.#chunks, this.#buffered);
    post({ type: 'response', id: this.id, status: this.#status, headers: this.#headers, body }, [body.buffer as ArrayBuffer]);
  }
  /** No (whole) response: the server answers 500, or cuts a response already under way. */
  failed(log: string): void {
    post({ type: 'failed', id: this.id, log });
  }
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function describeErrorCode(code: unknown): string {
  const tag = (code as { tag?: unknown } | null)?.tag;
  return typeof tag === 'string' ? tag : 'of an unknown shape';
}

/** What a failed request's log line says; never sent to the client. */
function describeFailure(e: unknown): string {
  if (e instanceof CapabilityTrap) return `capability denied: ${e.message}`;
  if (e instanceof WebAssembly.RuntimeError) return `the guest trapped: ${e.message}`;
  return `the guest failed: ${e instanceof Error ? e.message : String(e)}`;
}

async function main(): Promise<void> {
  const mod = (await import(job.componentJs)) as { instantiate: ProxyInstantiate };
  const getCoreModule = (name: string): Promise<WebAssembly.Module> => {
    const m = job.modules[name];
    return m === undefined ? Promise.reject(new Error(`transpiled output has no ${name}`)) : Promise.resolve(m);
  };
  // One instance at start, never handed a request: what cannot instantiate is refused now,
  // before the server listens, and the bindings are warm for the first request.
  {
    const first = gatedImports(null);
    const lease = memories.lease();
    try {
      findHandle(await mod.instantiate(getCoreModule, first.imports, lease.instantiateCore));
    } finally {
      first.release();
      lease.release();
    }
  }

  let queue: Promise<void> = Promise.resolve();
  port.on('message', (m: RequestMessage) => {
    // One request at a time: the server sends the next only after this one's last message.
    queue = queue.then(() => serve(m));
  });
  post({ type: 'ready' });

  async function serve(m: RequestMessage): Promise<void> {
    const { imports, release } = gatedImports(m.id);
    const exchange = new Exchange(m.id);
    // Every core instance of this request is made through its lease; releasing it (after the
    // response has left) revokes them all and returns their pooled memories clean.
    const lease = memories.lease();
    try {
      const handle = findHandle(await mod.instantiate(getCoreModule, imports, lease.instantiateCore));
      const request = new ServedRequest(m, httpResourcesOf(imports));
      const outparam = new ResponseOutparam(exchange);
      // The guest holds both, and what their members hand it: counted like what a call returns.
      holdResource(imports, request);
      holdResource(imports, outparam);
      handle(request, outparam);
      exchange.done();
    } catch (e) {
      exchange.failed(describeFailure(e));
    } finally {
      release();
      lease.release();
    }
  }
}

main().catch((e: unknown) => post({ type: 'fault', error: serializeError(e) }));

/**
 * `wasi:http/types` and `wasi:http/outgoing-handler` for Node, molt-wasm's own (replacing
 * preview2-shim's, whose worker resolves the authority again when it connects and so cannot
 * be pinned). host/gate/http.ts checks a request, resolves its name ONCE, checks every
 * address, and hands the checked addresses to `handle` (its third argument); the request is
 * then made by pinnedRequest (host/node/pinned-request.ts) in a worker thread of its own
 * (host/node/http-worker.ts), which this thread waits on synchronously, as a guest's WASI
 * call requires.
 *
 * - `handle` without checked addresses is an `internal-error`: nothing reaches the network
 *   unchecked, whoever calls it.
 * - Redirects are never followed: the guest sees the 3xx, and its next request is a new
 *   `handle`, checked like the first.
 * - Bounds: a body write or read moves at most MAX_CHUNK (64 KiB) per step; a larger
 *   `blocking-write-and-flush` (its bytes already in the guest's memory) or zero fill is
 *   sent in MAX_CHUNK pieces, never allocated whole; `check-write` answers MAX_CHUNK; a body
 *   written before `handle` is held up to MAX_BUFFERED_BODY (16 MiB), then `write` fails.
 * - `Fields` and `RequestOptions` are preview2-shim's own classes. Streams are subclasses of
 *   the shim's `wasi:io` classes (jco checks resources with `instanceof`); their `subscribe`
 *   waits until the stream or response is ready, then returns a ready pollable (the shim has
 *   no public way to make a pollable of our own): a guest polling several things at once is
 *   served in order.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import * as shim from '@bytecodealliance/preview2-shim';
import type { CheckedDestination } from '../gate/http.js';
import type { HttpGuestScope } from '../gate/types.js';
import type {
  Fields as WasiFields,
  HttpErrorCode as WasiHttpErrorCode,
  IncomingResponse as WasiIncomingResponse,
  Method,
  Pollable,
  RequestOptions,
  Result,
  Scheme,
  Trailers,
} from '../gate/wasi.js';
import type { PinnedTarget } from './pinned-request.js';
import { MAX_CHUNK, type HttpErrorCode, type WorkerCall, type WorkerReply } from './http-worker.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const s = shim as any;
type Ctor = new (...a: any[]) => any;
const ShimInputStream = s.io.streams.InputStream as Ctor;
const ShimOutputStream = s.io.streams.OutputStream as Ctor;
const IoError = s.io.error.Error as new (payload: unknown) => object;
const Fields = s.http.types.Fields as Ctor & { fromList(e: [string, Uint8Array][]): any };

export const MAX_BUFFERED_BODY = 16 * 1024 * 1024;
const FORBIDDEN_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'host']);

// --- the synchronous channel to the worker ---------------------------------------------

let channel: { readonly port: MessagePort } | undefined;

function workerCall(call: WorkerCall): WorkerReply {
  if (channel === undefined) {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(new URL('./http-worker.js', import.meta.url), { workerData: { port: port2 }, transferList: [port2] });
    worker.unref();
    channel = { port: port1 };
  }
  const signal = new Int32Array(new SharedArrayBuffer(4));
  channel.port.postMessage({ call, signal });
  Atomics.wait(signal, 0, 0);
  const reply = receiveMessageOnPort(channel.port)?.message as WorkerReply | undefined;
  return reply ?? { err: { tag: 'internal-error', val: 'molt-wasm: the HTTP worker did not answer' } };
}

function ok(call: WorkerCall): unknown {
  const r = workerCall(call);
  if ('err' in r) throw r.err;
  return r.ok;
}

/** For each exchange of a guest that has a scope: how to tell the scope the exchange is gone. */
const scoped = new Map<number, () => void>();

/** Ends an exchange in the worker (at most once per id; unknown ids are ignored there). */
function drop(id: number): void {
  const gone = scoped.get(id);
  if (gone !== undefined) {
    scoped.delete(id);
    gone();
  }
  workerCall({ op: 'drop', id });
}

function readyPollable(): Pollable {
  return s.clocks.monotonicClock.subscribeDuration(0n);
}

function streamError(e: HttpErrorCode): { tag: 'last-operation-failed'; val: object } {
  return { tag: 'last-operation-failed', val: new IoError(e.val === undefined ? e.tag : `${e.tag}: ${String(e.val)}`) };
}

const ZEROES = new Uint8Array(MAX_CHUNK);

// --- outgoing request and body -----------------------------------------------------------

export class OutgoingBody {
  readonly chunks: Uint8Array[] = [];
  buffered = 0;
  exchange: number | undefined;
  finished = false;
  #streamTaken = false;
  /** The guest's scope: its budget for bytes held before `handle` (over all its bodies). */
  readonly scope: HttpGuestScope | undefined;

  constructor(scope?: HttpGuestScope) {
    this.scope = scope;
  }

  write(): BodyOutputStream {
    if (this.#streamTaken) throw undefined;
    this.#streamTaken = true;
    return new BodyOutputStream(this);
  }

  static finish(body: OutgoingBody, trailers: unknown): void {
    if (trailers !== undefined && trailers !== null) throw { tag: 'internal-error', val: 'trailers unsupported' };
    if (body.finished) throw { tag: 'internal-error', val: 'body already finished' };
    body.finished = true;
    if (body.exchange !== undefined) ok({ op: 'finish', id: body.exchange });
  }

  /** One piece (at most MAX_CHUNK bytes) of body. */
  push(piece: Uint8Array): void {
    if (this.finished) throw { tag: 'closed' };
    if (this.exchange === undefined) {
      if (this.buffered + piece.length > MAX_BUFFERED_BODY || (this.scope !== undefined && !this.scope.reserve(piece.length))) {
        throw streamError({
          tag: 'internal-error',
          val: `request bodies written before handle are limited to ${MAX_BUFFERED_BODY} bytes (per guest, over all its requests)`,
        });
      }
      this.chunks.push(piece.slice());
      this.buffered += piece.length;
      return;
    }
    const r = workerCall({ op: 'write', id: this.exchange, chunk: piece });
    if ('err' in r) throw streamError(r.err);
  }

  [Symbol.dispose](): void {}
}

class BodyOutputStream extends ShimOutputStream {
  readonly #body: OutgoingBody;
  constructor(body: OutgoingBody) {
    super();
    this.#body = body;
  }
  checkWrite(): bigint {
    if (this.#body.finished) throw { tag: 'closed' };
    return BigInt(MAX_CHUNK);
  }
  write(buf: Uint8Array): void {
    // More than check-write permitted is the guest's error (WASI), and the bound per call.
    if (buf.length > MAX_CHUNK)
      throw streamError({ tag: 'internal-error', val: `write of ${buf.length} bytes exceeds check-write (${MAX_CHUNK})` });
    this.#body.push(buf);
  }
  blockingWriteAndFlush(buf: Uint8Array): void {
    for (let at = 0; at < buf.length; at += MAX_CHUNK) this.#body.push(buf.subarray(at, at + MAX_CHUNK));
  }
  flush(): void {}
  blockingFlush(): void {}
  writeZeroes(len: bigint): void {
    if (len > BigInt(MAX_CHUNK))
      throw streamError({ tag: 'internal-error', val: `write-zeroes of ${len} bytes exceeds check-write (${MAX_CHUNK})` });
    this.#body.push(ZEROES.subarray(0, Number(len)));
  }
  blockingWriteZeroesAndFlush(len: bigint): void {
    for (let left = len; left > 0n;) {
      const n = left > BigInt(MAX_CHUNK) ? MAX_CHUNK : Number(left);
      this.#body.push(ZEROES.subarray(0, n));
      left -= BigInt(n);
    }
  }
  splice(src: { read(n: bigint): Uint8Array }, len: bigint): bigint {
    const bytes = src.read(len > BigInt(MAX_CHUNK) ? BigInt(MAX_CHUNK) : len);
    this.#body.push(bytes);
    return BigInt(bytes.length);
  }
  blockingSplice(src: { blockingRead(n: bigint): Uint8Array }, len: bigint): bigint {
    const bytes = src.blockingRead(len > BigInt(MAX_CHUNK) ? BigInt(MAX_CHUNK) : len);
    this.#body.push(bytes);
    return BigInt(bytes.length);
  }
  subscribe(): Pollable {
    return readyPollable();
  }
  [Symbol.dispose](): void {}
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PATH = /^[!-~]*$/; // visible ASCII, no space or control

class OutgoingRequest {
  #method: Method = { tag: 'get' };
  #scheme: Scheme | undefined;
  #path: string | undefined;
  #authority: string | undefined;
  readonly #headers: WasiFields;
  readonly #body: OutgoingBody;
  #bodyTaken = false;
  readonly #scope: HttpGuestScope | undefined;

  /** `scope`: the guest's (host/gate/http.ts gives it); without one only the per-body bound holds. */
  constructor(headers: WasiFields, scope?: HttpGuestScope) {
    this.#headers = headers;
    this.#scope = scope;
    this.#body = new OutgoingBody(scope);
  }
  body(): OutgoingBody {
    if (this.#bodyTaken) throw undefined;
    this.#bodyTaken = true;
    return this.#body;
  }
  method(): Method {
    return this.#method;
  }
  setMethod(m: Method): void {
    if (m.tag === 'other' && !TOKEN.test(m.val)) throw undefined;
    this.#method = m;
  }
  pathWithQuery(): string | undefined {
    return this.#path;
  }
  setPathWithQuery(p: string | undefined): void {
    if (p !== undefined && !PATH.test(p)) throw undefined;
    this.#path = p;
  }
  scheme(): Scheme | undefined {
    return this.#scheme;
  }
  setScheme(sc: Scheme | undefined): void {
    if (sc?.tag === 'other' && !/^[a-zA-Z][a-zA-Z0-9+.-]*$/.test(sc.val)) throw undefined;
    this.#scheme = sc;
  }
  authority(): string | undefined {
    return this.#authority;
  }
  setAuthority(a: string | undefined): void {
    // The gate reads it (and refuses what it cannot read); here only what cannot be a URL part.
    if (a !== undefined && !/^[!-~]+$/.test(a)) throw undefined;
    this.#authority = a;
  }
  headers(): WasiFields {
    return this.#headers;
  }
  [Symbol.dispose](): void {}

  /** Starts the exchange in the worker; the body so far goes with it. */
  static start(r: OutgoingRequest, options: RequestOptions | undefined, to: CheckedDestination): number {
    const scheme = r.#scheme === undefined ? 'https:' : r.#scheme.tag === 'HTTP' ? 'http:' : r.#scheme.tag === 'HTTPS' ? 'https:' : null;
    if (scheme === null) throw { tag: 'HTTP-protocol-error' };
    if (r.#path === undefined || r.#path === '') throw { tag: 'HTTP-request-URI-invalid' };
    const method = (r.#method.tag === 'other' ? r.#method.val : r.#method.tag).toUpperCase();
    const dec = new TextDecoder();
    const headers: [string, string][] = [];
    for (const [k, v] of (r.#headers as { entries(): [string, Uint8Array][] }).entries()) headers.push([k, dec.decode(v)]);
    const ns: unknown = options?.connectTimeout?.();
    const target: PinnedTarget = { scheme, host: to.host, port: to.port, addresses: to.addresses };
    const body = r.#body;
    // The guest's bound on open exchanges; one it leaves open is closed when it ends.
    let id: number | undefined;
    const ended = r.#scope?.open(() => {
      if (id !== undefined) drop(id);
    });
    if (r.#scope !== undefined && ended === undefined) throw { tag: 'connection-limit-reached' };
    try {
      id = ok({
        op: 'start',
        target,
        method,
        path: r.#path,
        headers,
        body: body.chunks.splice(0),
        // A body never asked for is empty (the request resource is gone after handle).
        finished: body.finished || !r.#bodyTaken,
        ...(typeof ns === 'bigint' ? { timeoutMs: Number(ns / 1_000_000n) } : {}),
      }) as number;
    } catch (e) {
      ended?.();
      throw e;
    }
    if (ended !== undefined) scoped.set(id, ended);
    // The held bytes are the worker's now.
    r.#scope?.release(body.buffered);
    body.buffered = 0;
    body.exchange = id;
    if (!r.#bodyTaken) body.finished = true;
    return id;
  }
}

// --- the response side -------------------------------------------------------------------

class BodyInputStream extends ShimInputStream {
  readonly #id: number;
  #closed = false;
  constructor(id: number) {
    super();
    this.#id = id;
  }
  #read(len: bigint, wait: boolean): Uint8Array {
    if (this.#closed) throw { tag: 'closed' };
    const max = len > BigInt(MAX_CHUNK) ? MAX_CHUNK : Number(len);
    const r = workerCall({ op: 'read', id: this.#id, max, wait });
    if ('err' in r) throw streamError(r.err);
    if (r.ok === null) {
      this.#closed = true;
      throw { tag: 'closed' };
    }
    return r.ok as Uint8Array;
  }
  read(len: bigint): Uint8Array {
    return this.#read(len, false);
  }
  blockingRead(len: bigint): Uint8Array {
    return this.#read(len, true);
  }
  skip(len: bigint): bigint {
    return BigInt(this.#read(len, false).length);
  }
  blockingSkip(len: bigint): bigint {
    return BigInt(this.#read(len, true).length);
  }
  subscribe(): Pollable {
    // Wait until something can be read (or the body ended), then answer ready.
    if (!this.#closed) workerCall({ op: 'read', id: this.#id, max: 0, wait: true });
    return readyPollable();
  }
  [Symbol.dispose](): void {
    drop(this.#id);
  }
}

class FutureTrailers {
  #taken = false;
  subscribe(): Pollable {
    return readyPollable();
  }
  get(): Result<Result<Trailers | undefined, WasiHttpErrorCode>, void> | undefined {
    if (this.#taken) return { tag: 'err', val: undefined };
    this.#taken = true;
    return { tag: 'ok', val: { tag: 'ok', val: undefined } };
  }
  [Symbol.dispose](): void {}
}

export class IncomingBody {
  #stream: BodyInputStream | undefined;
  constructor(stream: BodyInputStream) {
    this.#stream = stream;
  }
  stream(): BodyInputStream {
    const st = this.#stream;
    if (st === undefined) throw undefined;
    this.#stream = undefined;
    return st;
  }
  static finish(_body: IncomingBody): FutureTrailers {
    return new FutureTrailers();
  }
  [Symbol.dispose](): void {
    // A body whose stream was never taken ends its exchange here.
    this.#stream?.[Symbol.dispose]();
    this.#stream = undefined;
  }
}

class IncomingResponse {
  readonly #status: number;
  readonly #headers: WasiFields;
  #body: IncomingBody | undefined;
  constructor(id: number, status: number, headers: [string, string][]) {
    this.#status = status;
    const enc = new TextEncoder();
    this.#headers = Fields.fromList(
      headers.filter(([k]) => !FORBIDDEN_RESPONSE_HEADERS.has(k.toLowerCase())).map(([k, v]) => [k, enc.encode(v)]),
    );
    this.#body = new IncomingBody(new BodyInputStream(id));
  }
  status(): number {
    return this.#status;
  }
  headers(): WasiFields {
    return this.#headers;
  }
  consume(): IncomingBody {
    const b = this.#body;
    if (b === undefined) throw undefined;
    this.#body = undefined;
    return b;
  }
  [Symbol.dispose](): void {
    this.#body?.[Symbol.dispose]();
    this.#body = undefined;
  }
}

class FutureIncomingResponse {
  readonly #id: number;
  #taken = false;
  constructor(id: number) {
    this.#id = id;
  }
  subscribe(): Pollable {
    // Wait for the response head (or the error), then answer ready.
    if (!this.#taken) workerCall({ op: 'response', id: this.#id, wait: true });
    return readyPollable();
  }
  get(): Result<Result<WasiIncomingResponse, WasiHttpErrorCode>, void> | undefined {
    if (this.#taken) return { tag: 'err', val: undefined };
    const r = workerCall({ op: 'response', id: this.#id, wait: false });
    if ('err' in r) {
      this.#taken = true;
      // The worker's codes are WASI http error-codes (http-worker.ts errorCode), cloned across threads.
      return { tag: 'ok', val: { tag: 'err', val: r.err as WasiHttpErrorCode } };
    }
    if (r.ok === undefined) return undefined;
    this.#taken = true;
    const head = r.ok as { status: number; headers: [string, string][] };
    return { tag: 'ok', val: { tag: 'ok', val: new IncomingResponse(this.#id, head.status, head.headers) } };
  }
  [Symbol.dispose](): void {
    // The response (if taken) owns the exchange from here; one never taken is dropped.
    if (!this.#taken) drop(this.#id);
  }
}

export const nodeHttpTypes = {
  Fields,
  RequestOptions: s.http.types.RequestOptions,
  OutgoingRequest,
  OutgoingBody,
  FutureIncomingResponse,
  IncomingResponse,
  IncomingBody,
  FutureTrailers,
  IncomingRequest: s.http.types.IncomingRequest,
  OutgoingResponse: s.http.types.OutgoingResponse,
  ResponseOutparam: s.http.types.ResponseOutparam,
  httpErrorCode(): undefined {
    return undefined;
  },
};

export const nodeOutgoingHandler = {
  /** `to` is what the gate checked (host/gate/http.ts); without it nothing is sent. */
  handle(request: unknown, options: RequestOptions | undefined, to?: CheckedDestination): FutureIncomingResponse {
    if (!(request instanceof OutgoingRequest)) throw { tag: 'internal-error', val: 'molt-wasm: not an outgoing-request of this host' };
    if (to === undefined || to.addresses.length === 0)
      throw { tag: 'internal-error', val: 'molt-wasm: an unchecked request is never sent' };
    return new FutureIncomingResponse(OutgoingRequest.start(request, options, to));
  },
};

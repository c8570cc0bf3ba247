/**
 * The worker thread that performs a guest's outgoing HTTP requests (host/node/http.ts is the
 * guest-facing side). A guest's WASI calls are synchronous; the main thread posts a call and
 * waits on a shared word (Atomics.wait) while this thread's event loop does the network I/O.
 * Every connection is opened by pinnedRequest (host/node/pinned-request.ts): to the addresses
 * the gate checked, never to a fresh resolution.
 *
 * Bounds (a guest sizes them): one body write or read moves at most MAX_CHUNK bytes; a
 * response body is read from Node's stream as it arrives (paused), so the host holds at most
 * one socket buffer plus one chunk per response.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { pinnedRequest, type PinnedTarget } from './pinned-request.js';

/** The wasi:http error-code variant, as jco lowers it. */
export type HttpErrorCode = { readonly tag: string; readonly val?: unknown };

export const MAX_CHUNK = 64 * 1024;

export type WorkerCall =
  | {
      op: 'start';
      target: PinnedTarget;
      method: string;
      path: string;
      headers: [string, string][];
      body: Uint8Array[];
      finished: boolean;
      timeoutMs?: number;
    }
  | { op: 'write'; id: number; chunk: Uint8Array }
  | { op: 'finish'; id: number }
  | { op: 'response'; id: number; wait: boolean }
  | { op: 'read'; id: number; max: number; wait: boolean }
  | { op: 'drop'; id: number };

export type WorkerReply = { ok: unknown } | { err: HttpErrorCode };

interface Exchange {
  req: ClientRequest;
  res?: IncomingMessage;
  error?: HttpErrorCode;
  ended: boolean;
  /** Callbacks waiting for the next change (response, data, end, error). */
  waiters: (() => void)[];
  /** The guest's `content-length`, if it set one: the body must be exactly that long. */
  readonly length: number | undefined;
  /** Body bytes handed to Node so far. */
  sent: number;
}

/**
 * The body must be as long as the guest's `content-length` says: bytes past it would reach the
 * wire as the start of a second request (request smuggling to whatever routes behind the
 * checked authority), and Node sends them (its strictContentLength misses the first write).
 * Refused before they are handed to Node; the request is cut.
 */
function send(x: Exchange, chunk: Uint8Array): void {
  if (x.length !== undefined && x.sent + chunk.length > x.length) refuseBody(x);
  x.sent += chunk.length;
  x.req.write(chunk);
}

function endBody(x: Exchange): void {
  if (x.length !== undefined && x.sent !== x.length) refuseBody(x);
  x.req.end();
}

function refuseBody(x: Exchange): never {
  x.error ??= { tag: 'HTTP-request-body-size' };
  x.req.destroy();
  wake(x);
  throw x.error;
}

const exchanges = new Map<number, Exchange>();
let nextId = 1;

function wake(x: Exchange): void {
  const w = x.waiters.splice(0);
  for (const f of w) f();
}

function changed(x: Exchange): Promise<void> {
  return new Promise((r) => x.waiters.push(r));
}

function errorCode(e: NodeJS.ErrnoException): HttpErrorCode {
  switch (e.code) {
    case 'ECONNREFUSED':
      return { tag: 'connection-refused' };
    case 'ECONNRESET':
      return { tag: 'HTTP-protocol-error' };
    case 'ETIMEDOUT':
      return { tag: 'connection-timeout' };
    default:
      return { tag: 'internal-error', val: String(e.message ?? e) };
  }
}

function start(c: Extract<WorkerCall, { op: 'start' }>): number {
  const id = nextId++;
  const req = pinnedRequest(c.target, { method: c.method, path: c.path, headers: c.headers, timeoutMs: c.timeoutMs });
  const declared = c.headers.find(([k]) => k.trim().toLowerCase() === 'content-length')?.[1];
  const x: Exchange = { req, ended: false, waiters: [], length: declared === undefined ? undefined : Number(declared.trim()), sent: 0 };
  exchanges.set(id, x);
  req.on('response', (res) => {
    res.pause();
    x.res = res;
    res.on('readable', () => wake(x));
    res.on('end', () => {
      x.ended = true;
      wake(x);
    });
    res.on('error', (e) => {
      x.error ??= errorCode(e);
      wake(x);
    });
    wake(x);
  });
  req.on('timeout', () => {
    x.error ??= { tag: 'connection-timeout' };
    req.destroy();
    wake(x);
  });
  req.on('error', (e: NodeJS.ErrnoException) => {
    x.error ??= errorCode(e);
    wake(x);
  });
  try {
    for (const chunk of c.body) send(x, chunk);
    if (c.finished) endBody(x);
  } catch (e) {
    exchanges.delete(id);
    throw e;
  }
  return id;
}

async function handle(c: WorkerCall): Promise<unknown> {
  if (c.op === 'start') return start(c);
  const x = exchanges.get(c.id);
  if (x === undefined && c.op === 'drop') return null;
  if (x === undefined) throw { tag: 'internal-error', val: 'molt-wasm: unknown HTTP exchange' };
  switch (c.op) {
    case 'write':
      // Back-pressure: a write returns once Node has taken the chunk (drain when it asked).
      if (x.length !== undefined && x.sent + c.chunk.length > x.length) refuseBody(x);
      x.sent += c.chunk.length;
      if (!x.req.write(c.chunk)) await new Promise<void>((r) => x.req.once('drain', r).once('close', r));
      if (x.error !== undefined && x.res === undefined) throw x.error;
      return null;
    case 'finish':
      endBody(x);
      return null;
    case 'response':
      while (x.res === undefined && x.error === undefined && c.wait) await changed(x);
      if (x.res !== undefined) {
        const headers: [string, string][] = [];
        const raw = x.res.rawHeaders;
        for (let i = 0; i + 1 < raw.length; i += 2) headers.push([raw[i]!, raw[i + 1]!]);
        return { status: x.res.statusCode ?? 0, headers };
      }
      if (x.error !== undefined) throw x.error;
      return undefined; // not yet
    case 'read': {
      for (;;) {
        const res = x.res;
        if (res === undefined) throw { tag: 'internal-error', val: 'molt-wasm: no response yet' };
        if (c.max === 0) {
          // subscribe: wait until something is readable, the body ended or failed.
          if (res.readableLength > 0 || x.ended || x.error !== undefined || !c.wait) return new Uint8Array(0);
          // A paused stream emits 'end' only once read() finds it empty: a body read to its
          // last byte (not yet to its end) would otherwise never wake this wait.
          res.read(0);
          await changed(x);
          continue;
        }
        const chunk = res.read(Math.min(c.max, res.readableLength || c.max)) as Buffer | null;
        if (chunk !== null) {
          if (chunk.length > c.max) {
            res.unshift(chunk.subarray(c.max));
            return new Uint8Array(chunk.subarray(0, c.max));
          }
          return new Uint8Array(chunk);
        }
        if (x.ended || res.readableEnded) return null; // end of body
        if (x.error !== undefined) throw x.error;
        if (!c.wait) return new Uint8Array(0);
        await changed(x);
      }
    }
    case 'drop':
      x.req.destroy();
      x.res?.destroy();
      exchanges.delete(c.id);
      return null;
  }
}

const port = (workerData as { port?: MessagePort } | undefined)?.port;
if (port !== undefined) {
  // One call at a time (the main thread waits for each): the reply is the next message.
  port.on('message', (m: { call: WorkerCall; signal: Int32Array }) => {
    handle(m.call)
      .then(
        (ok): WorkerReply => ({ ok }),
        (err: unknown): WorkerReply => ({
          err:
            typeof err === 'object' && err !== null && 'tag' in err ? (err as HttpErrorCode) : { tag: 'internal-error', val: String(err) },
        }),
      )
      .then((reply) => {
        port.postMessage(reply);
        Atomics.store(m.signal, 0, 1);
        Atomics.notify(m.signal, 0);
      });
  });
}

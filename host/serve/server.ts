/**
 * The listener of `molt-wasm serve`: Node's HTTP server in front of the guest pool
 * (pool.ts). The listener is the operator's (`--listen`), never a guest capability. What
 * it bounds before any guest runs:
 * - the request target: one the guest would get as written, not as read (target.ts), is 400;
 * - headers: Node's own limits (MAX_HEADER_BYTES in all, answered 431 by Node) and at most
 *   MAX_HEADERS fields (431 here; Node alone would drop the extra ones silently);
 * - requests in flight (`maxConcurrency`): one more is answered 503 at once;
 * - the request body (`maxBodyBytes`): a larger Content-Length, or a body that grows past
 *   it, is answered 413 and the connection closed; a slow body is cut by REQUEST_TIMEOUT_MS;
 * - request bodies held at once (`maxBufferedBytes`): every byte is charged when it arrives
 *   and released when its request ends; the request whose bytes would go past it is answered
 *   503 (without it, `maxConcurrency` bodies of `maxBodyBytes` each could all be held: 2.5 GiB
 *   with the defaults);
 * - the guest's time (`timeoutMs`, in the pool): 504.
 * A guest that fails is a 500 whose body says nothing of why; the reason is one line on
 * stderr with the request id. `drain()` stops accepting and resolves once every request in
 * flight has ended.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServePool } from './pool.js';
import type { ResponseHeaders } from './protocol.js';
import { servedTarget } from './target.js';

/** Header fields a request may carry (hyper's and Wasmtime's default is 100 too). */
export const MAX_HEADERS = 100;
/** All request headers together (Node's default, made explicit). */
export const MAX_HEADER_BYTES = 16 * 1024;
/** Headers must arrive within this, the whole request (headers and body) within REQUEST_TIMEOUT_MS. */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;

/** Response headers the guest may not send: connection-level, or the host's to compute. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
  'content-length',
]);

export interface ServerOptions {
  readonly pool: ServePool;
  readonly maxBodyBytes: number;
  readonly maxConcurrency: number;
  /** Request bodies held at once, all requests together (at least `maxBodyBytes`). */
  readonly maxBufferedBytes: number;
  /** A line for stderr (request failures). */
  readonly log: (line: string) => void;
}

export class ServeServer {
  readonly #options: ServerOptions;
  readonly #server: Server;
  #inFlight = 0;
  /** Body bytes held by requests in flight (charged on arrival, released when each ends). */
  #buffered = 0;
  #nextId = 0;
  #draining = false;
  #drained: (() => void) | undefined;

  constructor(options: ServerOptions) {
    this.#options = options;
    this.#server = createServer(
      { maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
      (req, res) => this.#accept(req, res),
    );
    // One more than allowed, so that "too many" can be seen (Node drops fields past the count).
    this.#server.maxHeadersCount = MAX_HEADERS + 1;
  }

  /** Listens; resolves to the bound address. */
  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host, port, exclusive: true }, () => {
        this.#server.off('error', reject);
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Request body bytes held now, all requests together (bounded by `maxBufferedBytes`). */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** Stops accepting; resolves when every request in flight has ended and the listener is closed. */
  drain(): Promise<void> {
    this.#draining = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    const idle = new Promise<void>((resolve) => {
      if (this.#inFlight === 0) resolve();
      else this.#drained = resolve;
    });
    return Promise.all([closed, idle]).then(() => undefined);
  }

  /** Ends every connection now (a second signal). */
  stopNow(): void {
    this.#server.closeAllConnections();
  }

  #accept(req: IncomingMessage, res: ServerResponse): void {
    const id = ++this.#nextId;
    if (this.#draining) return refuse(res, 503, 'Service Unavailable: shutting down\n');
    if (req.rawHeaders.length / 2 > MAX_HEADERS) return refuse(res, 431, 'Request Header Fields Too Large\n');
    // A target the guest would get as written, not as the server read it: refused (target.ts).
    if (servedTarget(req.url ?? '/') === null) return refuse(res, 400, 'Bad Request: the request target cannot be read\n');
    if (this.#inFlight >= this.#options.maxConcurrency) return refuse(res, 503, 'Service Unavailable\n', { 'retry-after': '1' });
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > this.#options.maxBodyBytes) return refuse(res, 413, 'Content Too Large\n');

    this.#inFlight++;
    const chunks: Buffer[] = [];
    let size = 0;
    let charged = 0;
    const release = (): void => {
      this.#buffered -= charged;
      charged = 0;
      chunks.length = 0;
    };
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      release();
      this.#inFlight--;
      if (this.#inFlight === 0) this.#drained?.();
    };
    res.on('close', end);

    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      // After its end (413, 503, or the client gone), a request's bytes are never charged again.
      if (tooLarge || ended) return;
      size += c.length;
      if (size > this.#options.maxBodyBytes) {
        tooLarge = true;
        release();
        refuse(res, 413, 'Content Too Large\n');
        return;
      }
      if (this.#buffered + c.length > this.#options.maxBufferedBytes) {
        tooLarge = true;
        release();
        refuse(res, 503, 'Service Unavailable\n', { 'retry-after': '1' });
        return;
      }
      this.#buffered += c.length;
      charged += c.length;
      chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooLarge || res.destroyed) return;
      // A body of its own (never a pooled Buffer's memory): it is transferred to the worker.
      const body = new Uint8Array(size);
      let at = 0;
      for (const c of chunks) {
        body.set(c, at);
        at += c.length;
      }
      // The pieces are garbage now; the body stays charged until its request ends.
      chunks.length = 0;
      const withdraw = this.#options.pool.submit(
        {
          type: 'request',
          id,
          method: req.method ?? 'GET',
          pathWithQuery: req.url ?? '/',
          authority: req.headers.host,
          headers: pairs(req.rawHeaders),
          body,
        },
        this.#reply(id, res),
      );
      // A client gone before a worker took its request: nothing to run.
      res.on('close', withdraw);
    });
  }

  #reply(id: number, res: ServerResponse): import('./pool.js').Reply {
    const draining = (): boolean => this.#draining;
    const log = this.#options.log;
    const head = (status: number, headers: ResponseHeaders, length?: number): boolean => {
      if (res.destroyed) return false;
      try {
        const flat = nodeHeaders(headers, draining());
        if (length !== undefined) flat.push('content-length', String(length));
        res.writeHead(status, flat);
        return true;
      } catch (e) {
        // Node refused what the guest set (a malformed header): the guest's error, a 500.
        log(`request ${id}: the guest's response cannot be sent: ${(e as Error).message}`);
        refuse(res, 500, 'Internal Server Error\n');
        return false;
      }
    };
    return {
      response(status, headers, body) {
        if (head(status, headers, body.byteLength)) res.end(body);
      },
      head(status, headers) {
        head(status, headers);
      },
      chunk(data) {
        if (!res.destroyed && res.headersSent) res.write(data);
      },
      end(complete) {
        if (complete) res.end();
        else {
          log(`request ${id}: the guest left its response body unfinished`);
          res.destroy();
        }
      },
      failed(line) {
        log(`request ${id}: ${line}`);
        // Under way already: the client must not take a cut response as whole.
        if (res.headersSent) res.destroy();
        else refuse(res, 500, 'Internal Server Error\n');
      },
      timedOut() {
        log(`request ${id}: the guest ran past the timeout and was stopped`);
        if (res.headersSent) res.destroy();
        else refuse(res, 504, 'Gateway Timeout\n');
      },
    };
  }
}

/** A host answer: short text, and the connection closed (whatever the client still sends is not read). */
function refuse(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close', ...extra });
  res.end(text);
}

function pairs(raw: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

/** The guest's headers for writeHead (repeated names kept), hop-by-hop ones left out. */
function nodeHeaders(headers: ResponseHeaders, close: boolean): string[] {
  const flat: string[] = [];
  for (const [k, v] of headers) {
    if (HOP_BY_HOP.has(k.toLowerCase())) continue;
    flat.push(k, Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1'));
  }
  if (close) flat.push('connection', 'close');
  return flat;
}

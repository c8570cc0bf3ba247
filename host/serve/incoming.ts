/**
 * The server side of `wasi:http/types` for a served guest, molt-wasm's own: the
 * `incoming-request` it is handed, the `response-outparam` it answers through, the
 * `outgoing-response` it builds and that response's body. Everything else of
 * `wasi:http/types` (fields, the outgoing client side, its incoming responses) is the Node
 * host's (host/node/http.ts), so one import object serves both directions: the body
 * classes here are subclasses of that module's `incoming-body` / `outgoing-body`, because
 * jco checks every resource a guest gets back with `instanceof` against the one class the
 * import object names.
 *
 * No security property rests on preview2-shim here: the request the guest sees is made from
 * what the host's server read (bounded there), its headers cannot be changed by the guest,
 * and the response reaches the client only through the ResponseSink the worker gives.
 */
import * as shim from '@bytecodealliance/preview2-shim';
import { IncomingBody, nodeHttpTypes, OutgoingBody } from '../node/http.js';
import type { WasiImports } from '../gate/types.js';
import { shownGuestText } from '../gate/target-string.js';
import { servedTarget } from './target.js';
import type { HttpGuestResources } from '../gate/http.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const s = shim as any;
type Ctor = new (...a: any[]) => any;
const ShimInputStream = s.io.streams.InputStream as Ctor;
const Fields = nodeHttpTypes.Fields as Ctor;

/** The most one read of the request body hands the guest (the host's stream chunk). */
const READ_MAX = 64 * 1024;
/** Response body a guest may write before it has set the response: held up to this, then writes fail. */
export const MAX_BODY_BEFORE_SET = 16 * 1024 * 1024;
/** Request headers the guest never sees as headers: connection-level, or carried by `authority`. */
const HIDDEN_REQUEST_HEADERS = new Set(['connection', 'keep-alive', 'host']);

/** Where a served response goes (the worker: host/serve/worker-entry.ts). */
export interface ResponseSink {
  /** The guest set its response: status and headers as they are at that moment. */
  respond(status: number, headers: readonly [string, Uint8Array][], body: ResponseBody | undefined): void;
  /** The guest set an error-code instead of a response. */
  respondError(code: unknown): void;
}

/** The guest's view of the request: made once by the host, never changed by the guest. */
export interface ServedRequestParts {
  readonly method: string;
  readonly pathWithQuery: string;
  readonly authority: string | undefined;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array;
}

/** `fields` that refuse every change (`header-error.immutable`), as WASI says request headers do. */
class ImmutableFields extends Fields {
  #locked = false;
  static of(entries: readonly (readonly [string, Uint8Array])[]): ImmutableFields {
    const f = new ImmutableFields();
    for (const [k, v] of entries) {
      try {
        f.append(k, v);
      } catch {
        // A header the shim's fields refuse (forbidden or malformed) is left out.
      }
    }
    f.#locked = true;
    return f;
  }
  set(name: string, values: Uint8Array[]): void {
    if (this.#locked) throw { tag: 'immutable' };
    super.set(name, values);
  }
  append(name: string, value: Uint8Array): void {
    if (this.#locked) throw { tag: 'immutable' };
    super.append(name, value);
  }
  delete(name: string): void {
    if (this.#locked) throw { tag: 'immutable' };
    super.delete(name);
  }
}

/** The request body, already read by the host (bounded by --max-body), handed out in pieces. */
class RequestBodyStream extends ShimInputStream {
  readonly #bytes: Uint8Array;
  #at = 0;
  constructor(bytes: Uint8Array) {
    super();
    this.#bytes = bytes;
  }
  read(len: bigint): Uint8Array {
    if (this.#at >= this.#bytes.length) throw { tag: 'closed' };
    const n = Math.min(READ_MAX, Number(len > BigInt(READ_MAX) ? BigInt(READ_MAX) : len), this.#bytes.length - this.#at);
    const out = this.#bytes.slice(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }
  blockingRead(len: bigint): Uint8Array {
    return this.read(len);
  }
  skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }
  blockingSkip(len: bigint): bigint {
    return this.skip(len);
  }
  subscribe(): unknown {
    // Everything is here already: always ready.
    return s.clocks.monotonicClock.subscribeDuration(0n);
  }
  [Symbol.dispose](): void {}
}

type IncomingBodyStream = ConstructorParameters<typeof IncomingBody>[0];

/** `incoming-body` of a served request (a subclass: jco checks `instanceof IncomingBody`). */
class RequestBody extends IncomingBody {
  constructor(bytes: Uint8Array) {
    // IncomingBody only holds the stream, hands it out once and disposes of it.
    super(new RequestBodyStream(bytes) as unknown as IncomingBodyStream);
  }
}

/**
 * The request as the guest sees it, in origin form (servedTarget, target.ts): an absolute-form
 * target (`GET http://x/admin`) reaches the guest as `/admin` with the target's authority. A
 * target servedTarget cannot read never gets here (the server answers 400); if one did, it is
 * refused here too rather than handed on as written.
 */
function originForm(parts: ServedRequestParts): ServedRequestParts {
  const t = servedTarget(parts.pathWithQuery);
  if (t === null)
    throw new TypeError(`molt-wasm serve: a request target that cannot be read: ${shownGuestText(JSON.stringify(parts.pathWithQuery))}`);
  return t.authority === undefined ? { ...parts, pathWithQuery: t.pathWithQuery } : { ...parts, ...t };
}

const METHODS = new Set(['get', 'head', 'post', 'put', 'delete', 'connect', 'options', 'trace', 'patch']);

/** `incoming-request`, as jco's bindings call it. */
export class ServedRequest {
  readonly #parts: ServedRequestParts;
  readonly #resources: HttpGuestResources | undefined;
  #consumed = false;
  /** `resources`: the guest's (httpResourcesOf its import object), which counts what `headers` makes. */
  constructor(parts: ServedRequestParts, resources?: HttpGuestResources) {
    this.#parts = originForm(parts);
    this.#resources = resources;
  }
  method(): { tag: string; val?: string } {
    const lower = this.#parts.method.toLowerCase();
    return METHODS.has(lower) ? { tag: lower } : { tag: 'other', val: this.#parts.method };
  }
  pathWithQuery(): string {
    return this.#parts.pathWithQuery;
  }
  scheme(): { tag: string } {
    return { tag: 'HTTP' };
  }
  authority(): string | undefined {
    return this.#parts.authority;
  }
  headers(): unknown {
    // A new immutable `fields` per call: each is its own resource to the guest, so each is
    // counted against its bound (a loop of `headers()` is a loop of `new fields()`), and so
    // are its clones.
    const enc = new TextEncoder();
    const make = (): ImmutableFields =>
      ImmutableFields.of(
        this.#parts.headers.filter(([k]) => !HIDDEN_REQUEST_HEADERS.has(k.toLowerCase())).map(([k, v]) => [k, enc.encode(v)] as const),
      );
    const r = this.#resources;
    return r === undefined ? make() : r.guestFields(r.made.make('wasi:http/types#[method]incoming-request.headers', make));
  }
  consume(): RequestBody {
    if (this.#consumed) throw undefined;
    this.#consumed = true;
    return new RequestBody(this.#parts.body);
  }
  [Symbol.dispose](): void {}
}

/** `outgoing-body` of a served response: bytes go to the sink once the response is set. */
export class ResponseBody extends OutgoingBody {
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #sink: ((bytes: Uint8Array) => void) | undefined;

  override push(piece: Uint8Array): void {
    if (this.finished) throw { tag: 'closed' };
    // A copy: the piece may be a view the caller reuses (zero fills).
    const bytes = piece.slice();
    if (this.#sink !== undefined) {
      this.#sink(bytes);
      return;
    }
    if (this.#pendingBytes + bytes.length > MAX_BODY_BEFORE_SET) throw { tag: 'closed' };
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
  }

  /** From now on every piece goes to `sink`; what was written before goes first. */
  attach(sink: (bytes: Uint8Array) => void): void {
    for (const p of this.#pending) sink(p);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#sink = sink;
  }
}

/** `outgoing-response`: status (default 200), the guest's headers, one body. */
export class ServedResponse {
  #status = 200;
  readonly #headers: { entries(): [string, Uint8Array][] };
  #body: ResponseBody | undefined;
  #bodyTaken = false;
  constructor(headers: { entries(): [string, Uint8Array][] }) {
    this.#headers = headers;
  }
  statusCode(): number {
    return this.#status;
  }
  setStatusCode(code: number): void {
    // A final status: no 1xx (Node and HTTP itself have no place for one here).
    if (!Number.isInteger(code) || code < 200 || code > 999) throw undefined;
    this.#status = code;
  }
  headers(): unknown {
    return this.#headers;
  }
  body(): ResponseBody {
    if (this.#bodyTaken) throw undefined;
    this.#bodyTaken = true;
    this.#body = new ResponseBody();
    return this.#body;
  }
  [Symbol.dispose](): void {}

  /** What the host sends: read at the moment the guest sets the response. */
  static parts(r: ServedResponse): { status: number; headers: [string, Uint8Array][]; body: ResponseBody | undefined } {
    return { status: r.#status, headers: r.#headers.entries().map(([k, v]) => [k, v] as [string, Uint8Array]), body: r.#body };
  }
}

/** `response-outparam`: set once, through the sink of its request. */
export class ResponseOutparam {
  #sink: ResponseSink | undefined;
  constructor(sink: ResponseSink) {
    this.#sink = sink;
  }
  static set(param: ResponseOutparam, response: { tag: 'ok'; val: unknown } | { tag: 'err'; val: unknown }): void {
    const sink = param.#sink;
    // The guest owns the outparam and gives it up with set: a second set is a host bug or a forgery.
    if (sink === undefined) throw new TypeError('response-outparam already set');
    param.#sink = undefined;
    if (response.tag === 'err') {
      sink.respondError(response.val);
      return;
    }
    if (!(response.val instanceof ServedResponse)) throw new TypeError('not an outgoing-response of this host');
    const { status, headers, body } = ServedResponse.parts(response.val);
    sink.respond(status, headers, body);
  }
  [Symbol.dispose](): void {}
}

/**
 * `wasi:http/types` for a served guest: the Node host's, with the server side replaced. Cast
 * once to the boundary type: the served classes carry the WIT methods, but with wider literal
 * types than the shim's typings (a method's tag as `string`).
 */
export const serveHttpTypes = {
  ...nodeHttpTypes,
  IncomingRequest: ServedRequest,
  OutgoingResponse: ServedResponse,
  ResponseOutparam,
} as unknown as WasiImports['wasi:http/types'];

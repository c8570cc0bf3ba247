/**
 * `wasi:http/outgoing-handler` for one guest (SPEC section 5). `handle(request)` is decided on
 * the request's own scheme and authority (default ports 80/443), in this order:
 *
 * 1. An authority the gate cannot read (none, userinfo, a path, a bad port) or a scheme other
 *    than http/https is refused: the gate checks only what it can name.
 * 2. A header that frames the message or the connection (`transfer-encoding`, `upgrade`, ...,
 *    or a `content-length` that is not one number) is REFUSED: with it the body can carry a
 *    second request that a server in front routes on its own `Host` (request smuggling).
 *    A request target that is not origin form (`/path?query`) is REFUSED: an absolute-form
 *    target (`http://169.254.169.254/`) or authority form (`internal:22`) would be the request
 *    line, and a server or proxy routes on its authority, ignoring `Host` (RFC 9112 section
 *    3.2.2): the same SSRF as the Host header below, one line higher.
 *    A `Host` header that names another host or port than the authority is REFUSED (not
 *    rewritten), whatever the policy says, and so is more than one `Host` header: a request
 *    checked against one host must not be delivered to another by a server or proxy that
 *    routes on `Host` (SSRF, Spin CVE-2024-32980). Refusing tells the guest; rewriting would
 *    hide its bug. (preview2-shim already forbids setting `Host`; other platforms may not.)
 * 3. An unspecified address (0.0.0.0/8, `::`, any spelling: `0`, `0x0`, `[::]`) is refused:
 *    Linux connects it to the local host, around every rule about 127.0.0.1.
 * 4. `net` for `host:port` (the engine reads every spelling of an IP literal as one address;
 *    a deny of `localhost` covers every loopback address).
 * 5. A name is resolved ONCE with the platform's own resolver (`wasi:sockets/ip-name-lookup`
 *    of a private socket namespace, never the guest's); every address is held against the
 *    deny rules and must not be unspecified; a name that does not resolve is a `DNS-error`.
 * 6. The platform's `handle` gets the checked addresses (CheckedDestination) and connects to
 *    them only (Node: host/node/http.ts, pinnedRequest), so a DNS answer that changes after
 *    step 5 (rebinding) reaches nothing. Redirects are never followed by the host.
 *
 * Every denial throws `{ tag: 'HTTP-request-denied' }`, the error-code variant jco lowers into
 * `err` (checked with a real guest: guest-examples/http-client prints it).
 *
 * What remains: a platform without a resolver (the browser: sockets are `not-supported`, and
 * fetch resolves by itself) gets steps 1-4 only. Platform-neutral.
 */
import { Address, resolverName, type CheckedAddress } from '../net/address.js';
import { Authority, endpointText, HTTP_PORT, HTTPS_PORT } from '../net/endpoint.js';
import type { Port } from '../net/port.js';
import type { NetDecider } from './net-policy.js';
import { boundFieldsSize, refuseOversizedList } from './fields-size.js';
import { closeEachLeftOpen, disposeInner, LiveResources } from './resource.js';
import { shownGuestText } from './target-string.js';
import type { HttpGuestScope, PlatformSockets, WasiImports, WasiImportsPart, WasiPlatform } from './types.js';
import type { FutureIncomingResponse, IpAddress, OutgoingRequest, RequestOptions, ResolveAddressStream } from './wasi.js';

const IFACE = 'wasi:http/outgoing-handler';
const HANDLE = { iface: IFACE, func: 'handle' } as const;
const DENIED = { tag: 'HTTP-request-denied' } as const;
const DNS_ERROR = { tag: 'DNS-error', val: { rcode: 'name-unresolvable', infoCode: undefined } } as const;

/**
 * What the gate hands the platform's `handle` as its third argument: the destination it
 * checked. A platform that connects (Node: host/node/http.ts) connects to these addresses
 * only, naming `host` in `Host` and TLS; one that cannot (the browser's fetch) ignores it.
 */
export interface CheckedDestination {
  readonly host: string;
  readonly port: number;
  readonly addresses: readonly CheckedAddress[];
}

/**
 * What a resolution gave: the addresses as text (any spelling; null or a text that is not an
 * address is refused), or why there are none.
 */
export type Resolution = { readonly addresses: readonly (string | null)[] } | 'unsupported' | 'failed';

/**
 * A synchronous resolver over the platform's `ip-name-lookup`, on a socket namespace of its
 * own (the guest's lookups and their memory are not touched). Blocks on the lookup's pollable
 * like a guest would.
 */
export function platformResolver(platform: WasiPlatform): (name: string) => Resolution {
  let sockets: PlatformSockets | undefined;
  return (name) => {
    sockets ??= platform.createSockets();
    let stream: ResolveAddressStream;
    try {
      stream = sockets.ipNameLookup.resolveAddresses(sockets.instanceNetwork.instanceNetwork(), resolverName(name));
    } catch (e) {
      return e === 'not-supported' ? 'unsupported' : 'failed';
    }
    try {
      const out: (string | null)[] = [];
      for (;;) {
        let a: IpAddress | undefined;
        try {
          a = stream.resolveNextAddress();
        } catch (e) {
          if (e !== 'would-block') return 'failed';
          const p = stream.subscribe();
          const waited: unknown = p.block();
          disposeInner(p);
          // A platform whose block() is asynchronous (the browser without JSPI) cannot answer here.
          if (waited instanceof Promise) return 'unsupported';
          continue;
        }
        if (a === undefined) return { addresses: out };
        out.push(Address.fromWasi(a)?.text ?? null);
      }
    } finally {
      disposeInner(stream);
    }
  };
}

/**
 * Request body bytes one guest may have the host hold before `handle` sends them, over all its
 * requests. `wasi:http/types` is ungated: without this a guest with no capability and a few KiB
 * of memory made the host hold 16 MiB per request it created, zero fills costing it nothing.
 */
export const MAX_HELD_REQUEST_BODY_BYTES = 16 * 1024 * 1024;
/** Outgoing exchanges (each a connection) one guest may have open at once; past it `connection-limit-reached`. */
export const MAX_OPEN_HTTP_REQUESTS = 128;

/**
 * Default for the `wasi:http/types` resources one guest may hold at once that it made without a
 * capability (fields, outgoing-request, outgoing-response, request-options): `maxHttpResources`,
 * `--max-http-resources`. A guest that builds requests one at a time holds a handful.
 */
export const DEFAULT_MAX_HTTP_RESOURCES = 1024;

export interface HttpGuestResourcesOptions {
  /** See DEFAULT_MAX_HTTP_RESOURCES. */
  readonly maxResources?: number | undefined;
}

const TYPES = 'wasi:http/types#';

/** One guest's HTTP resources: the bounds above, and closing what it leaves open when it ends. */
export class HttpGuestResources implements HttpGuestScope {
  #held = 0;
  readonly #open = new Set<() => void>();
  /** What the guest made through `wasi:http/types` and still holds (guestHttpTypes). */
  readonly made: LiveResources;

  constructor(options: HttpGuestResourcesOptions = {}) {
    this.made = new LiveResources(options.maxResources ?? DEFAULT_MAX_HTTP_RESOURCES, 'maxHttpResources, --max-http-resources');
  }

  reserve(bytes: number): boolean {
    if (this.#held + bytes > MAX_HELD_REQUEST_BODY_BYTES) return false;
    this.#held += bytes;
    return true;
  }

  release(bytes: number): void {
    this.#held = Math.max(0, this.#held - bytes);
  }

  open(close: () => void): (() => void) | undefined {
    if (this.#open.size >= MAX_OPEN_HTTP_REQUESTS) return undefined;
    const entry = (): void => close();
    this.#open.add(entry);
    return () => void this.#open.delete(entry);
  }

  /** The guest ended: close every exchange it still has (their connections with them). */
  closeAll(): void {
    closeEachLeftOpen(this.#open, (close) => close());
  }

  /**
   * The fields `f` as this guest holds it: each `clone` is one this guest made (counted in
   * `made`), and so are the clones' clones (clone needs no capability either); `append` and
   * `set` are bounded in bytes (fields-size.ts). `f` itself is not counted here.
   */
  guestFields<T extends object>(f: T): T {
    boundFieldsSize(f);
    const clone = (f as { clone?: unknown }).clone;
    if (typeof clone === 'function' && !Object.hasOwn(f, 'clone'))
      Object.defineProperty(f, 'clone', {
        configurable: true,
        value: () => this.guestFields(this.made.make(`${TYPES}[method]fields.clone`, () => clone.call(f) as object)),
      });
    return f;
  }

  /**
   * The response `handle` promised, as the guest gets it: the headers the platform makes for
   * it are the exchange's (bounded with it), but their clones are the guest's own.
   */
  countResponseClones<T extends object>(future: T): T {
    const get = (future as { get?: unknown }).get;
    if (typeof get !== 'function' || Object.hasOwn(future, 'get')) return future;
    Object.defineProperty(future, 'get', {
      configurable: true,
      value: () => {
        const r: unknown = get.call(future);
        const response = (r as { tag?: string; val?: { tag?: string; val?: unknown } } | undefined)?.val;
        const res = r !== undefined && (r as { tag?: string }).tag === 'ok' && response?.tag === 'ok' ? response.val : undefined;
        const headers = (res as { headers?: unknown } | undefined)?.headers;
        if (typeof res === 'object' && res !== null && typeof headers === 'function' && !Object.hasOwn(res, 'headers'))
          Object.defineProperty(res, 'headers', { configurable: true, value: () => this.guestFields(headers.call(res) as object) });
        return r;
      },
    });
    return future;
  }
}

type AnyClass = abstract new (...args: never[]) => object;

/**
 * The platform's class `Base` as the guest sees it: a Proxy whose constructor and `statics`
 * are the guest's own and everything else the platform's. A Proxy, not a subclass: jco checks
 * every resource it hands the guest with `instanceof` against the class in the import object,
 * and the platform makes instances too (a response's headers), which a subclass would fail.
 * `construct` gets the arguments and the platform's constructor of them.
 */
function guestClass<C extends AnyClass>(
  Base: C,
  construct: (args: unknown[], build: (args: unknown[]) => object) => object,
  statics: Readonly<Record<string, (...args: unknown[]) => unknown>> = {},
): C {
  return new Proxy(Base, {
    construct: (target, args: unknown[], newTarget) =>
      construct(args, (given) => Reflect.construct(target as unknown as new (...a: unknown[]) => object, given, newTarget)),
    get: (target, key, receiver: unknown) =>
      typeof key === 'string' && Object.hasOwn(statics, key) ? statics[key] : Reflect.get(target, key, receiver),
  });
}

/**
 * The platform's `wasi:http/types` made this guest's. Every resource the guest can make
 * without a capability is counted against its LiveResources (`new fields()`, `from-list`,
 * `clone`, `new outgoing-request`, `new outgoing-response`, `new request-options`) until it
 * drops it or hands it over (a constructor's `fields`, `response-outparam.set`'s response,
 * `outgoing-body.finish`'s trailers; `handle` is in createGatedHttp). `outgoing-request`
 * also gets the guest's scope as its constructor's second argument (bodies and exchanges).
 * A platform whose classes are not constructors is passed as is.
 */
function guestHttpTypes(types: WasiImports['wasi:http/types'], scope: HttpGuestResources): WasiImports['wasi:http/types'] {
  const t = types as unknown as Record<string, unknown>;
  const isClass = (c: unknown): c is AnyClass => typeof c === 'function' && c.prototype !== undefined;
  const { Fields, OutgoingRequest, OutgoingResponse, RequestOptions, ResponseOutparam, OutgoingBody } = t;
  if (!isClass(Fields) || !isClass(OutgoingRequest)) return types;
  const made = scope.made;
  // A fields the guest made clones into one it made too (clone needs no capability either).
  const fields = (operation: string, make: () => object): object => scope.guestFields(made.make(operation, make));
  /**
   * A counted constructor; `handedOver` is the argument that becomes the new resource's (no
   * longer the guest's); `scoped` is given as the second argument, after the guest's one.
   */
  const counted = (operation: string, Base: AnyClass, handedOver: (args: unknown[]) => unknown, scoped?: HttpGuestScope) =>
    guestClass(Base, (args, build) => {
      // Handed over before anything else: jco took it out of the guest's table, whatever happens next.
      made.release(handedOver(args));
      return withBoundedHeaders(made.make(operation, () => build(scoped === undefined ? args : [args[0], scoped])));
    });
  /** A request's or response's `headers()` is a fields the guest can append to: bounded like its own. */
  const withBoundedHeaders = (r: object): object => {
    const headers = (r as { headers?: unknown }).headers;
    if (typeof headers === 'function' && !Object.hasOwn(r, 'headers'))
      Object.defineProperty(r, 'headers', { configurable: true, value: () => scope.guestFields(headers.call(r) as object) });
    return r;
  };
  const out: Record<string, unknown> = { ...t };
  const fromList = (Fields as { fromList?: unknown }).fromList;
  out.Fields = guestClass(
    Fields,
    (args, build) => fields(`${TYPES}[constructor]fields`, () => build(args)),
    typeof fromList === 'function'
      ? {
          fromList: (...args: unknown[]) => {
            // Refused (`forbidden`) before anything is made or counted: the fields would be over its bound.
            refuseOversizedList(args[0]);
            return fields(`${TYPES}[static]fields.from-list`, () => fromList.apply(Fields, args) as object);
          },
        }
      : {},
  );
  // The guest's scope goes to the platform's constructor as its second argument.
  out.OutgoingRequest = counted(`${TYPES}[constructor]outgoing-request`, OutgoingRequest, (a) => a[0], scope);
  if (isClass(OutgoingResponse)) out.OutgoingResponse = counted(`${TYPES}[constructor]outgoing-response`, OutgoingResponse, (a) => a[0]);
  if (isClass(RequestOptions)) out.RequestOptions = counted(`${TYPES}[constructor]request-options`, RequestOptions, () => undefined);
  const set = (ResponseOutparam as { set?: unknown } | undefined)?.set;
  if (isClass(ResponseOutparam) && typeof set === 'function')
    out.ResponseOutparam = guestClass(ResponseOutparam, (args, build) => build(args), {
      set: (param: unknown, response: unknown) => {
        made.release((response as { val?: unknown } | null)?.val);
        return set.call(ResponseOutparam, param, response);
      },
    });
  const finish = (OutgoingBody as { finish?: unknown } | undefined)?.finish;
  if (isClass(OutgoingBody) && typeof finish === 'function')
    out.OutgoingBody = guestClass(OutgoingBody, (args, build) => build(args), {
      finish: (body: unknown, trailers: unknown) => {
        made.release(trailers);
        return finish.call(OutgoingBody, body, trailers);
      },
    });
  return out as unknown as WasiImports['wasi:http/types'];
}

/** The request's authority, or null when the gate cannot read it. */
function requestAuthority(request: OutgoingRequest): { authority: Authority; defaultPort: Port } | null {
  const scheme = request.scheme?.();
  // No scheme: the platform picks https (preview2-shim does), so the default port is 443.
  const defaultPort =
    scheme === undefined || scheme === null ? HTTPS_PORT : scheme.tag === 'HTTPS' ? HTTPS_PORT : scheme.tag === 'HTTP' ? HTTP_PORT : null;
  if (defaultPort === null) return null;
  const text: unknown = request.authority?.();
  if (typeof text !== 'string') return null;
  const authority = Authority.parse(text, defaultPort);
  return authority === null ? null : { authority, defaultPort };
}

/** A request's header entries as text (names lowercased and trimmed). */
function headerEntries(request: OutgoingRequest): [string, string][] {
  // Typed as WASI's field values (bytes); a platform's fields may hand out strings too.
  const entries: Iterable<readonly [string, Uint8Array | string]> | undefined = request.headers?.()?.entries?.();
  const out: [string, string][] = [];
  if (entries === undefined) return out;
  const dec = new TextDecoder();
  for (const [k, v] of entries) out.push([String(k).trim().toLowerCase(), typeof v === 'string' ? v : dec.decode(v)]);
  return out;
}

/**
 * Headers that frame the message or the connection: the host's to write, never the guest's
 * (Wasmtime forbids the same in wasi-http fields). With them a guest's body becomes a second
 * request on the wire (`transfer-encoding` against a length, `upgrade: h2c` through a proxy),
 * which a server or proxy in front of the checked authority routes on its own `Host`:
 * request smuggling, the Host-header SSRF by other means.
 */
const FRAMING_HEADERS = new Set(['transfer-encoding', 'te', 'upgrade', 'connection', 'keep-alive', 'proxy-connection', 'http2-settings']);

/** Why the request's headers are refused (a framing header, a `content-length` that is not one number), or null. */
function framingProblem(headers: readonly (readonly [string, string])[]): string | null {
  let lengths = 0;
  for (const [k, v] of headers) {
    if (FRAMING_HEADERS.has(k)) return k;
    if (k === 'content-length' && (++lengths > 1 || !/^[0-9]{1,15}$/.test(v.trim()))) return `content-length: ${v}`;
  }
  return null;
}

export function createGatedHttp(
  decider: NetDecider,
  platform: WasiPlatform,
  resolve: (name: string) => Resolution = platformResolver(platform),
  resources: HttpGuestResources = new HttpGuestResources(),
): WasiImportsPart<'wasi:http/types' | 'wasi:http/outgoing-handler'> {
  const outgoing = platform.http.outgoingHandler;
  return {
    'wasi:http/types': guestHttpTypes(platform.http.types, resources),
    'wasi:http/outgoing-handler': {
      handle(request: OutgoingRequest, options: RequestOptions | undefined): FutureIncomingResponse {
        // Both are the host's now (jco took them from the guest's table), sent or refused.
        resources.made.release(request);
        resources.made.release(options);
        const r = requestAuthority(request);
        if (r === null) {
          decider.recordDenial(HANDLE, shownGuestText(String(request?.authority?.() ?? '')), 'missing');
          throw DENIED;
        }
        const { authority, defaultPort } = r;
        const target: unknown = request.pathWithQuery?.();
        if (target !== undefined && target !== null && (typeof target !== 'string' || (target !== '' && !target.startsWith('/')))) {
          decider.recordDenial(HANDLE, `${endpointText(authority)} (request target: ${shownGuestText(String(target))})`, 'request-target');
          throw DENIED;
        }
        const headers = headerEntries(request);
        const framing = framingProblem(headers);
        if (framing !== null) {
          decider.recordDenial(HANDLE, `${endpointText(authority)} (header ${shownGuestText(framing)})`, 'request-header');
          throw DENIED;
        }
        const hosts = headers.filter(([k]) => k === 'host').map(([, v]) => v);
        if (hosts.length > 1 || (hosts.length === 1 && !sameHost(hosts[0] ?? '', authority, defaultPort))) {
          decider.recordDenial(HANDLE, `${endpointText(authority)} (Host: ${shownGuestText(hosts.join(', '))})`, 'host-header');
          throw DENIED;
        }
        const { host, port, address: literal } = authority;
        if (!decider.rule.destination({ host, port }, HANDLE).allowed) throw DENIED;
        let addresses: readonly Address[] | null;
        if (literal !== null) {
          addresses = [literal];
        } else {
          // ONE resolution: its addresses are checked here and are the only ones connected to.
          const res = resolve(host);
          if (res === 'failed' || (res !== 'unsupported' && res.addresses.length === 0)) throw DNS_ERROR;
          if (res === 'unsupported') {
            addresses = null;
          } else {
            const resolved = res.addresses.map((a) => (a === null ? null : Address.parse(a)));
            if (!decider.rule.resolved(host, resolved, port, HANDLE).allowed) throw DENIED;
            // Every entry is an Address here: the rule refuses a resolution holding a null.
            addresses = resolved.filter((a): a is Address => a !== null);
          }
        }
        const to: CheckedDestination | undefined =
          addresses === null
            ? undefined
            : { host: literal === null ? host : literal.text, port, addresses: addresses.map((a) => a.toChecked()) };
        return resources.countResponseClones(outgoing.handle(request, options, to));
      },
    },
  };

  function sameHost(header: string, authority: Authority, defaultPort: Port): boolean {
    const h = Authority.parse(header.trim(), defaultPort);
    return h !== null && h.sameAs(authority);
  }
}

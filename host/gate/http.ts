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
import { closeEachLeftOpen, disposeInner } from './resource.js';
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

/** One guest's HTTP resources: the bounds above, and closing what it leaves open when it ends. */
export class HttpGuestResources implements HttpGuestScope {
  #held = 0;
  readonly #open = new Set<() => void>();

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
}

/**
 * The platform's `wasi:http/types` with `outgoing-request` made this guest's: a subclass whose
 * constructor hands the platform the guest's scope (jco checks resources with `instanceof`
 * against the class the import object names, and instances of the subclass are the
 * platform's too). A platform whose class is not a constructor (none there) is passed as is.
 */
function guestHttpTypes(types: WasiImports['wasi:http/types'], scope: HttpGuestScope): WasiImports['wasi:http/types'] {
  const Base = (types as { OutgoingRequest?: unknown }).OutgoingRequest;
  if (typeof Base !== 'function' || Base.prototype === undefined) return types;
  const PlatformRequest = Base as new (headers: unknown, scope: HttpGuestScope) => object;
  class GuestOutgoingRequest extends PlatformRequest {
    constructor(headers: unknown) {
      super(headers, scope);
    }
  }
  return { ...types, OutgoingRequest: GuestOutgoingRequest } as unknown as WasiImports['wasi:http/types'];
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
        return outgoing.handle(request, options, to);
      },
    },
  };

  function sameHost(header: string, authority: Authority, defaultPort: Port): boolean {
    const h = Authority.parse(header.trim(), defaultPort);
    return h !== null && h.sameAs(authority);
  }
}

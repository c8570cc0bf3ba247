/**
 * `wasi:http/outgoing-handler` for one guest (SPEC section 5). `handle(request)` is decided on
 * the request's own scheme and authority (default ports 80/443), in this order:
 *
 * 1. An authority the gate cannot read (none, userinfo, a path, a bad port) or a scheme other
 *    than http/https is refused: the gate checks only what it can name.
 * 2. A `Host` header that names another host or port than the authority is REFUSED (not
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
import { formatIp, parseIpAddress } from '../policy/index.js';
import type { NetDecider } from './net-policy.js';
import { disposeInner } from './resource.js';
import { endpointText, ipAddressText, parseAuthority, resolverName, sameEndpoint, type Endpoint } from './net-address.js';
import type { WasiImportObject, WasiInterface, WasiPlatform } from './types.js';

const IFACE = 'wasi:http/outgoing-handler';
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
  readonly addresses: readonly { readonly address: string; readonly family: 4 | 6 }[];
}

/** What a resolution gave: the canonical addresses, or why there are none. */
export type Resolution = { readonly addresses: readonly (string | null)[] } | 'unsupported' | 'failed';

/**
 * A synchronous resolver over the platform's `ip-name-lookup`, on a socket namespace of its
 * own (the guest's lookups and their memory are not touched). Blocks on the lookup's pollable
 * like a guest would.
 */
export function platformResolver(platform: WasiPlatform): (name: string) => Resolution {
  let sockets: ReturnType<WasiPlatform['createSockets']> | undefined;
  return (name) => {
    sockets ??= platform.createSockets();
    let stream: WasiInterface;
    try {
      stream = sockets.ipNameLookup.resolveAddresses(sockets.instanceNetwork.instanceNetwork(), resolverName(name));
    } catch (e) {
      return e === 'not-supported' ? 'unsupported' : 'failed';
    }
    try {
      const out: (string | null)[] = [];
      for (;;) {
        let a: unknown;
        try {
          a = stream.resolveNextAddress();
        } catch (e) {
          if (e !== 'would-block') return 'failed';
          const p = stream.subscribe() as WasiInterface;
          const waited: unknown = p.block();
          disposeInner(p);
          // A platform whose block() is asynchronous (the browser without JSPI) cannot answer here.
          if (waited instanceof Promise) return 'unsupported';
          continue;
        }
        if (a === undefined) return { addresses: out };
        out.push(ipAddressText(a));
      }
    } finally {
      disposeInner(stream);
    }
  };
}

/** The request's endpoint, or null when the gate cannot read it. */
function requestEndpoint(request: WasiInterface): { endpoint: Endpoint & { port: number }; defaultPort: number } | null {
  const scheme = request.scheme?.() as { tag?: string } | undefined;
  // No scheme: the platform picks https (preview2-shim does), so the default port is 443.
  const defaultPort = scheme === undefined || scheme === null ? 443 : scheme.tag === 'HTTPS' ? 443 : scheme.tag === 'HTTP' ? 80 : 0;
  if (defaultPort === 0) return null;
  const authority: unknown = request.authority?.();
  if (typeof authority !== 'string') return null;
  const endpoint = parseAuthority(authority, defaultPort);
  return endpoint === null ? null : { endpoint, defaultPort };
}

/** The `Host` header values of a request (names compared case-insensitively). */
function hostHeaders(request: WasiInterface): string[] {
  const entries = request.headers?.()?.entries?.() as Iterable<[string, Uint8Array | string]> | undefined;
  const out: string[] = [];
  if (entries === undefined) return out;
  const dec = new TextDecoder();
  for (const [k, v] of entries) {
    if (String(k).trim().toLowerCase() === 'host') out.push(typeof v === 'string' ? v : dec.decode(v));
  }
  return out;
}

export function createGatedHttp(
  decider: NetDecider,
  platform: WasiPlatform,
  resolve: (name: string) => Resolution = platformResolver(platform),
): WasiImportObject {
  const outgoing: WasiInterface = platform.http.outgoingHandler;
  return {
    'wasi:http/types': platform.http.types,
    'wasi:http/outgoing-handler': {
      handle(request: WasiInterface, options: unknown): unknown {
        const r = requestEndpoint(request);
        if (r === null) {
          decider.recordDenial(IFACE, 'handle', String(request?.authority?.() ?? ''), 'missing');
          throw DENIED;
        }
        const { endpoint, defaultPort } = r;
        const hosts = hostHeaders(request);
        if (hosts.length > 1 || (hosts.length === 1 && !sameHost(hosts[0]!, endpoint, defaultPort))) {
          decider.recordDenial(IFACE, 'handle', `${endpointText(endpoint)} (Host: ${hosts.join(', ')})`, 'host-header');
          throw DENIED;
        }
        const { host, port } = endpoint;
        const literal = parseIpAddress(host);
        if (literal !== null && decider.refusesUnspecified({ host, port }, IFACE, 'handle')) throw DENIED;
        if (!decider.gate.allows('net', { kind: 'net', host, port }, IFACE, 'handle')) throw DENIED;
        let addresses: readonly string[] | null;
        if (literal !== null) {
          addresses = [formatIp(literal)];
        } else {
          // ONE resolution: its addresses are checked here and are the only ones connected to.
          const res = resolve(host);
          if (res === 'failed' || (res !== 'unsupported' && res.addresses.length === 0)) throw DNS_ERROR;
          if (res !== 'unsupported' && !decider.destinationsAdmit(host, res.addresses, port, IFACE, 'handle')) throw DENIED;
          addresses = res === 'unsupported' ? null : (res.addresses as string[]);
        }
        const to: CheckedDestination | undefined =
          addresses === null
            ? undefined
            : { host: literal === null ? host : addresses[0]!, port, addresses: addresses.map((a) => ({ address: a, family: a.includes(':') ? 6 : 4 })) };
        return outgoing.handle(request, options, to);
      },
    },
  };

  function sameHost(header: string, endpoint: Endpoint, defaultPort: number): boolean {
    const h = parseAuthority(header.trim(), defaultPort);
    return h !== null && sameEndpoint(h, endpoint);
  }
}

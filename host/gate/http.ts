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
 * 3. `net` for `host:port` (the engine reads every spelling of an IP literal as one address).
 * 4. A name is resolved with the platform's own resolver (`wasi:sockets/ip-name-lookup` of a
 *    private socket namespace, never the guest's) and every address is held against the
 *    deny rules; a name that does not resolve is a `DNS-error`.
 *
 * Every denial throws `{ tag: 'HTTP-request-denied' }`, the error-code variant jco lowers into
 * `err` (checked with a real guest: guest-examples/http-client prints it).
 *
 * What remains: the platform resolves the name again when it connects (the request cannot be
 * pinned to the checked address without breaking `Host` and TLS), so a DNS answer that changes
 * between step 4 and the connection (rebinding) is not caught; a platform without a resolver
 * (the browser's sockets are `not-supported`) gets steps 1-3 only. Platform-neutral.
 */
import { parseIpAddress } from '../policy/index.js';
import type { NetDecider } from './net-policy.js';
import { disposeInner } from './resource.js';
import { endpointText, ipAddressText, parseAuthority, resolverName, sameEndpoint, type Endpoint } from './net-address.js';
import type { WasiImportObject, WasiInterface, WasiPlatform } from './types.js';

const IFACE = 'wasi:http/outgoing-handler';
const DENIED = { tag: 'HTTP-request-denied' } as const;

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
        if (!decider.gate.allows('net', { kind: 'net', host, port }, IFACE, 'handle')) throw DENIED;
        if (parseIpAddress(host) === null) {
          const res = resolve(host);
          if (res === 'failed') throw { tag: 'DNS-error', val: { rcode: 'name-unresolvable', infoCode: undefined } };
          if (res !== 'unsupported' && !decider.denyRulesAdmit(host, res.addresses, port, IFACE, 'handle')) throw DENIED;
        }
        return outgoing.handle(request, options);
      },
    },
  };

  function sameHost(header: string, endpoint: Endpoint, defaultPort: number): boolean {
    const h = parseAuthority(header.trim(), defaultPort);
    return h !== null && sameEndpoint(h, endpoint);
  }
}

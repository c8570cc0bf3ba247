/**
 * A `net` grant as Spin's `allowed_outbound_hosts` entries (`scheme://host:port`), read from
 * Spin's own parser (spin crates/outbound-networking-config/src/allowed_hosts.rs):
 * - the scheme is `*`: molt-wasm's `net` does not name protocols, so every scheme Spin knows
 *   (http, https, tcp, udp, redis, mysql, ...) is allowed, as under `run`;
 * - the port is always written: a scope without one is `:*` (every port), never left out,
 *   since Spin would then take the scheme's default port and `*` has none;
 * - `*.example.com` is Spin's subdomain wildcard, subdomains only, as in molt-wasm;
 * - IPv6 addresses go in brackets (`[2001:db8::1]:443`); IPv4 and IPv6 CIDR blocks are
 *   written bare (`10.0.0.0/8:*`, `fd00::/8:443`), the form Spin has parsed since its
 *   IPv6 support (December 2023, Spin 2.1);
 * - the unscoped grant is `*://*:*`, Spin's spelling of "every destination".
 * Pure.
 */
import { NetScope } from '../policy/scopes/net.js';
import type { Grant } from '../policy/types.js';

/** Spin's entry for "any scheme, any host, any port". */
export const SPIN_ANY_HOST = '*://*:*';

/** One canonical net scope (`api.example.com:443`, `[fd00::/8]`, ...) as a Spin entry. */
export function netScopeToSpin(scope: string): string {
  const parsed = NetScope.parse(scope, 'net grant');
  const port = parsed.port === undefined ? '*' : String(parsed.port);
  const host = parsed.withoutPort().toString();
  // An IPv6 literal needs brackets before `:port`; a CIDR block must stay bare (Spin's
  // parser reads `[fd00::/8]` as neither an address nor a network).
  const spinHost = parsed.kind === 'ip' && host.includes(':') ? `[${host}]` : host;
  return `*://${spinHost}:${port}`;
}

/** The `allowed_outbound_hosts` list for a net grant, in the grant's (canonical, sorted) order, without repeats. */
export function allowedOutboundHosts(grant: Grant): string[] {
  if (grant === true) return [SPIN_ANY_HOST];
  return [...new Set(grant.map(netScopeToSpin))];
}

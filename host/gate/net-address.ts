/**
 * Addresses as the network gates see them (SPEC section 5): WASI's `ip-address` /
 * `ip-socket-address` records turned into one canonical text per address (so `::ffff:127.0.0.1`
 * on an IPv6 socket IS 127.0.0.1), HTTP authorities split into host and port, and the
 * comparison of a `Host` header with an authority. Pure and platform-neutral: the policy core
 * parses and formats addresses; this module only adapts WASI's shapes to it.
 */
import { formatIp, parseIpAddress } from '../policy/index.js';
import { parseHost } from '../policy/scopes/net.js';
import { isUnspecified, isV4Mapped, V4_MAPPED_BASE } from '../policy/scopes/ip.js';

/** True when `host` is an IP literal, in any spelling, of an unspecified address (0.0.0.0/8, `::`). */
export function isUnspecifiedHost(host: string): boolean {
  const a = parseIpAddress(host);
  return a !== null && isUnspecified(a);
}

/** `wasi:sockets/network` ip-address, as jco lifts it. */
export type WasiIpAddress =
  | { readonly tag: 'ipv4'; readonly val: readonly number[] }
  | { readonly tag: 'ipv6'; readonly val: readonly number[] };

/** `wasi:sockets/network` ip-socket-address, as jco lifts it. */
export type WasiSocketAddress =
  | { readonly tag: 'ipv4'; readonly val: { readonly port: number; readonly address: readonly number[] } }
  | {
      readonly tag: 'ipv6';
      readonly val: { readonly port: number; readonly address: readonly number[]; readonly flowInfo?: number; readonly scopeId?: number };
    };

/** A host (name or canonical address) and an optional port: what the engine's net check takes. */
export interface Endpoint {
  readonly host: string;
  readonly port?: number;
}

function isUint(n: unknown, max: number): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= max;
}

/** The canonical text of a WASI ip-address tuple; null when the shape is not one. */
export function ipTupleText(tag: unknown, parts: unknown): string | null {
  if (!Array.isArray(parts)) return null;
  if (tag === 'ipv4') {
    if (parts.length !== 4 || !parts.every((p) => isUint(p, 255))) return null;
    const v = parts.reduce((acc: bigint, p: number) => (acc << 8n) | BigInt(p), 0n);
    return formatIp({ version: 4, value: V4_MAPPED_BASE | v });
  }
  if (tag === 'ipv6') {
    if (parts.length !== 8 || !parts.every((p) => isUint(p, 0xffff))) return null;
    const v = parts.reduce((acc: bigint, p: number) => (acc << 16n) | BigInt(p), 0n);
    // An IPv4-mapped value is the IPv4 address (as parseIpAddress reads it).
    return formatIp({ version: isV4Mapped(v) ? 4 : 6, value: v });
  }
  return null;
}

/** Canonical text of a lookup result (`ip-address`); null when malformed. */
export function ipAddressText(a: unknown): string | null {
  if (typeof a !== 'object' || a === null) return null;
  const { tag, val } = a as { tag?: unknown; val?: unknown };
  return ipTupleText(tag, val);
}

/**
 * The endpoint a socket address names. Port 0 (bind to "any port") becomes no port: the
 * engine reads a port-less target as "this host, some port", which an allow with a port
 * covers; the real port is checked again at listen. Null when malformed.
 */
export function socketEndpoint(a: unknown): Endpoint | null {
  if (typeof a !== 'object' || a === null) return null;
  const { tag, val } = a as { tag?: unknown; val?: { port?: unknown; address?: unknown } };
  if (typeof val !== 'object' || val === null || !isUint(val.port, 65535)) return null;
  const host = ipTupleText(tag, val.address);
  if (host === null) return null;
  return val.port === 0 ? { host } : { host, port: val.port };
}

/** `host:port`, with brackets around an IPv6 host. */
export function endpointText(e: Endpoint): string {
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return e.port === undefined ? host : `${host}:${e.port}`;
}

/**
 * The name to hand the platform's resolver: an IPv4 literal in a spelling resolvers disagree
 * on (`2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`) becomes its dotted quad, so the
 * address resolved is the address checked; anything else is passed unchanged.
 */
export function resolverName(name: string): string {
  if (name.includes(':')) return name;
  const a = parseIpAddress(name);
  return a === null ? name : formatIp(a);
}

/**
 * Splits an HTTP authority (`host`, `host:port`, `[v6]`, `[v6]:port`) and applies the
 * scheme's default port. Null for anything else: userinfo (`user@host`, a classic way to
 * make two parsers see two hosts), a path, whitespace, an empty host, a bad port.
 */
export function parseAuthority(authority: string, defaultPort: number): Endpoint & { port: number } | null {
  if (authority.length === 0 || /[\s@/\\?#%\0]/.test(authority)) return null;
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) return null;
    host = authority.slice(1, close);
    const rest = authority.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return null;
      portText = rest.slice(1);
    }
    if (!host.includes(':')) return null;
  } else {
    const parts = authority.split(':');
    if (parts.length > 2) return null;
    host = parts[0]!;
    portText = parts[1];
  }
  if (host.length === 0) return null;
  let port = defaultPort;
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText)) return null;
    port = Number(portText);
    if (port < 1 || port > 65535) return null;
  }
  return { host, port };
}

/** Whether two endpoints are the same host and port (names case-insensitively, IPs by address). */
export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  if (a.port !== b.port) return false;
  const ha = parseHost(a.host);
  const hb = parseHost(b.host);
  if (ha === null || hb === null) return false;
  if (ha.kind === 'ip' && hb.kind === 'ip') return ha.addr.value === hb.addr.value;
  if (ha.kind === 'name' && hb.kind === 'name') return ha.name === hb.name;
  return false;
}

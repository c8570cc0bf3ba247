/**
 * Where a network call goes: a host (a name, or an address in canonical text) and maybe a
 * port; read from a WASI socket address or from an HTTP authority, each parsed in one place
 * (SPEC section 5). Pure.
 */
import { normalizeHostName } from '../policy/scopes/net.js';
import { Address } from './address.js';
import { isSocketPort, parsePort, type Port } from './port.js';

/** A host (name or canonical address) and an optional port: what the policy's net check takes. */
export interface Endpoint {
  readonly host: string;
  readonly port?: number;
}

/** `host:port`, with brackets around an IPv6 host. */
export function endpointText(e: Endpoint): string {
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return e.port === undefined ? host : `${host}:${e.port}`;
}

/** `e` as the policy's net check target. */
export function netTarget(e: Endpoint): { kind: 'net'; host: string; port?: number } {
  return e.port === undefined ? { kind: 'net', host: e.host } : { kind: 'net', host: e.host, port: e.port };
}

/**
 * The endpoint a WASI `ip-socket-address` names, its host the canonical address text. Port 0
 * (bind to "any port") becomes no port: the policy reads a port-less target as "this host,
 * some port", which an allow with a port covers; the real port is checked again at listen.
 * Null when malformed.
 */
export function socketEndpoint(a: unknown): Endpoint | null {
  if (typeof a !== 'object' || a === null) return null;
  const { tag, val } = a as { tag?: unknown; val?: { port?: unknown; address?: unknown } };
  if (typeof val !== 'object' || val === null || !isSocketPort(val.port)) return null;
  const address = Address.fromWasiTuple(tag, val.address);
  if (address === null) return null;
  return val.port === 0 ? { host: address.text } : { host: address.text, port: val.port };
}

/**
 * The longest authority read: a DNS name (253 and a trailing dot) or a bracketed IPv6 literal,
 * and `:65535`. Longer is no host anything resolves, and refusing it first keeps a guest from
 * making every audit record and notice of the refusal as long as its memory.
 */
export const MAX_AUTHORITY = 254 + ':65535'.length;

/**
 * An HTTP authority (`host`, `host:port`, `[v6]`, `[v6]:port`) with the scheme's default
 * port applied. The host is kept as written (the request names it so); `address` is its
 * Address when it is an IP literal in any spelling.
 */
export class Authority implements Endpoint {
  private constructor(
    readonly host: string,
    readonly port: Port,
    /** The host as an Address when it is an IP literal; null for a name. */
    readonly address: Address | null,
  ) {}

  /**
   * Parses an authority. Null for anything the gate cannot name: userinfo (`user@host`, a
   * classic way to make two parsers see two hosts), a path, whitespace, `%`, an empty host,
   * a bad port, `[` without `]`, brackets around something that is not IPv6.
   */
  static parse(authority: string, defaultPort: Port): Authority | null {
    if (authority.length === 0 || authority.length > MAX_AUTHORITY || /[\s@/\\?#%\0]/.test(authority)) return null;
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
      host = parts[0] ?? '';
      portText = parts[1];
    }
    if (host.length === 0) return null;
    let port = defaultPort;
    if (portText !== undefined) {
      const p = parsePort(portText);
      if (p === null) return null;
      port = p;
    }
    return new Authority(host, port, Address.parse(host));
  }

  /**
   * Whether `other` names the same host and port: names case-insensitively with one trailing
   * dot ignored, IP literals by address (any spelling); a name is never an address.
   */
  sameAs(other: Authority): boolean {
    if (this.port !== other.port) return false;
    if (this.address !== null || other.address !== null) {
      return this.address !== null && other.address !== null && this.address.equals(other.address);
    }
    const a = normalizeHostName(this.host);
    return a !== null && a === normalizeHostName(other.host);
  }
}

/** The default port of `http:` (80) and `https:` (443). */
export const HTTP_PORT = 80 as Port;
export const HTTPS_PORT = 443 as Port;

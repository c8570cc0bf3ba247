/**
 * Network scopes for `net` (SPEC section 1): `host`, `host:port`, `*.domain` (subdomains
 * only, Spin's reading: `*.example.com` does not allow `example.com`), IPv4/IPv6 literals in
 * any spelling, CIDR blocks, each with an optional port (`[::1]:443`, `[fd00::/8]:443` for
 * IPv6). Names are case-insensitive with one trailing dot ignored; IDN names must be given in
 * their `xn--` form. A name target matches name scopes; an IP target matches IP and CIDR
 * scopes by address (the host layer checks a name and each address it resolves to).
 *
 * Ports: a scope without a port covers every port. A target without a port (a DNS lookup)
 * is allowed by a scope with a port, since the lookup is how that port is reached; a deny
 * scope with a port does not block a port-less target (it blocks the connection instead).
 */
import { ScopeError } from '../../errors.js';
import { formatIp, isLoopback, isV4Mapped, nat64Embedded, parseIpAddress, prefixMask, type IpAddress } from './ip.js';

/**
 * The one name a DENY rule stretches to addresses: `localhost` also blocks every loopback
 * address (127.0.0.0/8, `::1`, their mapped forms), written literally or resolved, since
 * that is what the name means on every host (RFC 6761). An ALLOW of `localhost` stays the
 * name. A deny of any other name covers that name (and the addresses it resolves to when a
 * request names it), never a literal address or another name: deny addresses as addresses.
 */
export const LOOPBACK_NAME = 'localhost';

/** What a net check is about. `host` is a name or an IP literal in any spelling. */
export interface NetTarget {
  readonly host: string;
  readonly port?: number;
}

/** The host part of a net scope. */
export type NetPattern =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'wildcard'; readonly suffix: string } // `*.suffix`
  | { readonly kind: 'ip'; readonly addr: IpAddress }
  | { readonly kind: 'cidr'; readonly network: bigint; readonly prefix: number }; // prefix over 128 bits

/** A parsed target host: a normalised name or an address; null when malformed. */
type HostValue = { readonly kind: 'name'; readonly name: string } | { readonly kind: 'ip'; readonly addr: IpAddress };

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;
// WHATWG: a host whose last label is a number must be an IPv4 address, or it is invalid.
const NUMERIC_LABEL = /^(0x[0-9a-f]*|[0-9]+)$/;

/** Lowercases, strips one trailing dot, checks labels (1..63 of [a-z0-9_-]) and total length (<= 253). */
export function normalizeHostName(s: string): string | null {
  let name = s.toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name.length === 0 || name.length > 253) return null;
  const labels = name.split('.');
  for (const l of labels) if (!LABEL.test(l)) return null;
  if (NUMERIC_LABEL.test(labels[labels.length - 1]!)) return null;
  return name;
}

/** A target host as a name or an address, null when it is neither. */
export function parseHost(s: string): HostValue | null {
  const addr = parseIpAddress(s);
  if (addr !== null) return { kind: 'ip', addr };
  const name = normalizeHostName(s);
  return name === null ? null : { kind: 'name', name };
}

function isValidPort(p: number | undefined): boolean {
  return p === undefined || (Number.isInteger(p) && p >= 1 && p <= 65535);
}

function patternMatchesHost(p: NetPattern, h: HostValue): boolean {
  switch (p.kind) {
    case 'name':
      return h.kind === 'name' && h.name === p.name;
    case 'wildcard':
      return h.kind === 'name' && h.name.endsWith('.' + p.suffix);
    case 'ip':
      return h.kind === 'ip' && h.addr.value === p.addr.value;
    case 'cidr':
      return h.kind === 'ip' && (h.addr.value & prefixMask(p.prefix)) === p.network;
  }
}

function formatPattern(p: NetPattern): string {
  switch (p.kind) {
    case 'name':
      return p.name;
    case 'wildcard':
      return '*.' + p.suffix;
    case 'ip':
      return formatIp(p.addr);
    case 'cidr': {
      // IPv4 blocks (inside ::ffff:0:0/96) are written as IPv4 /0..32.
      if (p.prefix >= 96 && isV4Mapped(p.network)) {
        return `${formatIp({ version: 4, value: p.network })}/${p.prefix - 96}`;
      }
      return `${formatIp({ version: 6, value: p.network })}/${p.prefix}`;
    }
  }
}

export class NetScope {
  private constructor(
    /** The host part; the scope index (scope-index.ts) files scopes by it. */
    readonly pattern: NetPattern,
    /** The one port this scope covers; undefined = every port. */
    readonly port: number | undefined,
  ) {}

  /** Which form this scope has: `name`, `wildcard`, `ip` or `cidr`. */
  get kind(): NetPattern['kind'] {
    return this.pattern.kind;
  }

  /**
   * Parses a net pattern. `where` (default `"net scope"`) names the source in errors.
   * Throws ScopeError quoting the input for: empty input, a scheme, a path, `*` anywhere but
   * a leading `*.` label, a bad or out-of-range port (1..65535), a CIDR prefix out of range
   * or with host bits set, invalid labels.
   */
  static parse(input: string, where = 'net scope'): NetScope {
    const q = JSON.stringify(input);
    const fail = (why: string): never => {
      throw new ScopeError(`invalid net scope ${q}: ${why}`, where, input);
    };
    if (input.length === 0) fail('empty; give a host, host:port, *.domain, IP or CIDR');
    if (input.includes('://')) fail('a URL scheme is not allowed; give the host alone');
    if (/[\s\0]/.test(input)) fail('whitespace or NUL in a host');

    let hostPart: string;
    let portText: string | undefined;
    if (input.startsWith('[')) {
      // [v6], [v6]:port, [v6/N], [v6/N]:port
      const close = input.indexOf(']');
      if (close < 0) fail('"[" without a closing "]"');
      hostPart = input.slice(1, close);
      const rest = input.slice(close + 1);
      if (rest !== '') {
        if (!rest.startsWith(':')) fail(`unexpected ${JSON.stringify(rest)} after "]"`);
        portText = rest.slice(1);
      }
      if (!hostPart.includes(':')) fail('brackets are only for IPv6 addresses');
    } else {
      const colons = input.split(':').length - 1;
      if (colons >= 2) {
        hostPart = input; // a bare IPv6 address or block; a port needs brackets
      } else if (colons === 1) {
        const at = input.lastIndexOf(':');
        hostPart = input.slice(0, at);
        portText = input.slice(at + 1);
      } else {
        hostPart = input;
      }
    }

    let port: number | undefined;
    if (portText !== undefined) {
      if (!/^[0-9]{1,5}$/.test(portText)) fail(`port ${JSON.stringify(portText)} is not a number in 1..65535`);
      port = Number(portText);
      if (port < 1 || port > 65535) fail(`port ${port} is out of range 1..65535`);
    }
    if (hostPart.length === 0) fail('no host before the port');

    return new NetScope(parsePattern(hostPart, fail), port);
  }

  /** Whether this scope allows a connection to, or lookup of, `target` (see ports above). */
  allows(target: NetTarget): boolean {
    if (!isValidPort(target.port)) return false;
    if (this.port !== undefined && target.port !== undefined && target.port !== this.port) return false;
    const h = parseHost(target.host);
    return h !== null && patternMatchesHost(this.pattern, h);
  }

  /** Deny matching: like allows, but a scope with a port only blocks targets on that port. */
  blocks(target: NetTarget): boolean {
    if (this.port !== undefined && target.port !== this.port) return false;
    const h = parseHost(target.host);
    return h !== null && this.matchesHost(h, target.port, 'deny');
  }

  /** Matching against an already parsed host (the policy parses a target once per check). */
  matchesHost(h: HostValue, port: number | undefined, mode: 'allow' | 'deny'): boolean {
    if (this.port !== undefined) {
      if (port === undefined ? mode === 'deny' : port !== this.port) return false;
    }
    if (mode === 'deny' && this.pattern.kind === 'name' && this.pattern.name === LOOPBACK_NAME && h.kind === 'ip' && isLoopback(h.addr)) {
      return true;
    }
    if (patternMatchesHost(this.pattern, h)) return true;
    // A deny of an IPv4 address also blocks its NAT64 spellings (64:ff9b::a.b.c.d, and the
    // placements of the local-use 64:ff9b:1::/48), which reach that address on a NAT64 network:
    // denying 169.254.169.254 must not leave [64:ff9b::a9fe:a9fe] open to a broad grant.
    return (
      mode === 'deny' && h.kind === 'ip' && nat64Embedded(h.addr).some((v4) => this.matchesHost({ kind: 'ip', addr: v4 }, port, 'deny'))
    );
  }

  /** The same host pattern on every port. */
  withoutPort(): NetScope {
    return this.port === undefined ? this : new NetScope(this.pattern, undefined);
  }

  /** True when every target `other` allows is allowed by this scope (used for the ceiling). */
  covers(other: NetScope): boolean {
    if (this.port !== undefined && other.port !== this.port) return false;
    const a = this.pattern;
    const b = other.pattern;
    switch (a.kind) {
      case 'name':
        return b.kind === 'name' && b.name === a.name;
      case 'wildcard':
        return (
          (b.kind === 'name' && b.name.endsWith('.' + a.suffix)) ||
          (b.kind === 'wildcard' && (b.suffix === a.suffix || b.suffix.endsWith('.' + a.suffix)))
        );
      case 'ip':
        return (b.kind === 'ip' && b.addr.value === a.addr.value) || (b.kind === 'cidr' && b.prefix === 128 && b.network === a.addr.value);
      case 'cidr':
        return (
          (b.kind === 'ip' && (b.addr.value & prefixMask(a.prefix)) === a.network) ||
          (b.kind === 'cidr' && b.prefix >= a.prefix && (b.network & prefixMask(a.prefix)) === a.network)
        );
    }
  }

  /** Canonical form: lowercase names, canonical IPs, `[v6]:port` / `[v6/N]:port` with a port. */
  toString(): string {
    const host = formatPattern(this.pattern);
    if (this.port === undefined) return host;
    return host.includes(':') ? `[${host}]:${this.port}` : `${host}:${this.port}`;
  }
}

export type { HostValue };

function parsePattern(hostPart: string, fail: (why: string) => never): NetPattern {
  if (hostPart.includes('/')) {
    const slash = hostPart.indexOf('/');
    const addrText = hostPart.slice(0, slash);
    const prefixText = hostPart.slice(slash + 1);
    const addr = parseIpAddress(addrText);
    if (addr === null) fail('a path is not allowed in a host (only an IP address may take a /prefix)');
    if (!/^[0-9]{1,3}$/.test(prefixText)) fail(`CIDR prefix ${JSON.stringify(prefixText)} is not a number`);
    const bits = Number(prefixText);
    const max = addr.version === 4 && !addrText.includes(':') ? 32 : 128;
    if (bits > max) fail(`CIDR prefix /${bits} is out of range 0..${max}`);
    const prefix = max === 32 ? bits + 96 : bits;
    const network = addr.value & prefixMask(prefix);
    if (network !== addr.value) {
      const fixed = formatPattern({ kind: 'cidr', network, prefix });
      fail(`host bits are set after the /${bits} prefix; did you mean "${fixed}"?`);
    }
    return { kind: 'cidr', network, prefix };
  }
  if (hostPart.startsWith('*.')) {
    const rest = hostPart.slice(2);
    if (rest.includes('*')) fail('"*" is only allowed as the whole first label ("*.example.com")');
    if (parseIpAddress(rest) !== null) fail('a wildcard needs a domain name, not an IP address');
    const suffix = normalizeHostName(rest);
    if (suffix === null) fail(`${JSON.stringify(rest)} is not a valid domain name`);
    return { kind: 'wildcard', suffix };
  }
  if (hostPart.includes('*')) {
    fail(
      hostPart === '*' ? 'use an unscoped grant (true) for every host' : '"*" is only allowed as the whole first label ("*.example.com")',
    );
  }
  const addr = parseIpAddress(hostPart);
  if (addr !== null) return { kind: 'ip', addr };
  if (hostPart.includes(':')) fail('not a valid IPv6 address');
  if (/[^\x20-\x7e]/.test(hostPart)) fail('non-ASCII host; give the punycode ("xn--") form');
  const name = normalizeHostName(hostPart);
  if (name === null) fail('not a valid host name (labels of 1..63 letters, digits, "-" or "_")');
  return { kind: 'name', name };
}

/**
 * One IP address, whatever its spelling (SPEC section 5): `2130706433`, `0x7f000001`,
 * `0177.0.0.1`, `127.1`, `::ffff:127.0.0.1`, `[::ffff:7f00:1]` and the WASI record
 * `{ tag: 'ipv6', val: [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1] }` are all the Address 127.0.0.1,
 * with one canonical text. The policy core parses the spellings (host/policy/scopes/ip.ts);
 * this is the value type the network decision and its callers pass around. Pure.
 */
import { formatIp, isLoopback, isUnspecified, isV4Mapped, parseIpAddress, V4_MAPPED_BASE, type IpAddress } from '../policy/scopes/ip.js';

/** An address a connection may be pinned to, in the form Node's `lookup` answers. */
export interface CheckedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

function isUint(n: unknown, max: number): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= max;
}

export class Address {
  /** The canonical text: dotted quad for IPv4 (and IPv4-mapped IPv6), RFC 5952 otherwise. */
  readonly text: string;

  private constructor(readonly ip: IpAddress) {
    this.text = formatIp(ip);
  }

  /** An IP literal in any spelling (`[v6]` brackets allowed); null when `text` is not one. */
  static parse(text: string): Address | null {
    const ip = parseIpAddress(text);
    return ip === null ? null : new Address(ip);
  }

  /** A WASI ip-address tuple (`tag`, `val`); null when the shape is not one. */
  static fromWasiTuple(tag: unknown, parts: unknown): Address | null {
    if (!Array.isArray(parts)) return null;
    if (tag === 'ipv4') {
      if (parts.length !== 4 || !parts.every((p) => isUint(p, 255))) return null;
      const v = parts.reduce((acc: bigint, p: number) => (acc << 8n) | BigInt(p), 0n);
      return new Address({ version: 4, value: V4_MAPPED_BASE | v });
    }
    if (tag === 'ipv6') {
      if (parts.length !== 8 || !parts.every((p) => isUint(p, 0xffff))) return null;
      const v = parts.reduce((acc: bigint, p: number) => (acc << 16n) | BigInt(p), 0n);
      // An IPv4-mapped value IS the IPv4 address (as parseIpAddress reads it).
      return new Address({ version: isV4Mapped(v) ? 4 : 6, value: v });
    }
    return null;
  }

  /** A WASI ip-address record (a lookup result); null when malformed. */
  static fromWasi(a: unknown): Address | null {
    if (typeof a !== 'object' || a === null) return null;
    const { tag, val } = a as { tag?: unknown; val?: unknown };
    return Address.fromWasiTuple(tag, val);
  }

  /** 4 for IPv4 and IPv4-mapped IPv6 (one address), 6 otherwise. */
  get family(): 4 | 6 {
    return this.ip.version;
  }

  /** 0.0.0.0/8 or `::`: never a destination (Linux connects it to the local host). */
  get isUnspecified(): boolean {
    return isUnspecified(this.ip);
  }

  /** 127.0.0.0/8 or `::1`. */
  get isLoopback(): boolean {
    return isLoopback(this.ip);
  }

  equals(other: Address): boolean {
    return this.ip.value === other.ip.value;
  }

  /** What Node's `lookup` answers for this address. */
  toChecked(): CheckedAddress {
    return { address: this.text, family: this.family };
  }

  toString(): string {
    return this.text;
  }
}

/** The canonical text of a lookup result (`ip-address`); null when malformed. */
export function ipAddressText(a: unknown): string | null {
  return Address.fromWasi(a)?.text ?? null;
}

/** True when `host` is an IP literal, in any spelling, of an unspecified address (0.0.0.0/8, `::`). */
export function isUnspecifiedHost(host: string): boolean {
  return Address.parse(host)?.isUnspecified ?? false;
}

/**
 * The name to hand a resolver: an IPv4 literal in a spelling resolvers disagree on
 * (`2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`) becomes its dotted quad, so the address
 * resolved is the address checked; anything else (names, IPv6) is passed unchanged.
 */
export function resolverName(name: string): string {
  if (name.includes(':')) return name;
  return Address.parse(name)?.text ?? name;
}

/**
 * IP address parsing that treats every spelling of one address as the same address (SPEC
 * section 5; Deno CVE-2026-49859/49860): IPv4 in the WHATWG/inet_aton forms (decimal
 * `2130706433`, hex `0x7f000001`, octal `0177.0.0.1`, short `127.1`, a trailing dot), IPv6
 * compressed or expanded with an optional dotted tail, and IPv4-mapped IPv6 (`::ffff:7f00:1`)
 * which IS the IPv4 address. Every address is held as a 128-bit integer, IPv4 as its mapped
 * form, so one comparison serves both families and IPv4 CIDRs are IPv6 CIDRs /96+N.
 */

export interface IpAddress {
  /** 4 for IPv4 and IPv4-mapped IPv6 (they are one address), 6 otherwise. */
  readonly version: 4 | 6;
  /** The address as a 128-bit integer; IPv4 a.b.c.d is ::ffff:a.b.c.d. */
  readonly value: bigint;
}

/** ::ffff:0:0, the IPv4-mapped prefix (/96). */
export const V4_MAPPED_BASE = 0xffffn << 32n;
const V4_MAPPED_MASK = ((1n << 96n) - 1n) << 32n;
const ALL_ONES_128 = (1n << 128n) - 1n;

/** True when a 128-bit value lies in ::ffff:0:0/96. */
export function isV4Mapped(value: bigint): boolean {
  return (value & V4_MAPPED_MASK) === V4_MAPPED_BASE;
}

function fromValue(value: bigint): IpAddress {
  return { version: isV4Mapped(value) ? 4 : 6, value };
}

/** 64:ff9b::/96, RFC 6052's well-known NAT64 prefix. */
const NAT64_BASE = 0x64ff9bn << 96n;
const NAT64_MASK = ((1n << 96n) - 1n) << 32n;
/** 64:ff9b:1::/48, RFC 8215's local-use NAT64 prefix: a network picks its own length in it. */
const NAT64_LOCAL_BASE = 0x64ff9b0001n << 80n;
const NAT64_LOCAL_MASK = ((1n << 48n) - 1n) << 80n;

/** Bits `from..from+count` of a 128-bit value (bit 0 the most significant), as a number. */
function bitsAt(value: bigint, from: number, count: number): bigint {
  return (value >> BigInt(128 - from - count)) & ((1n << BigInt(count)) - 1n);
}

/**
 * The IPv4 addresses a NAT64 address may stand for, or none for any other address:
 * 64:ff9b::a.b.c.d reaches a.b.c.d on a network with NAT64, as many IPv6-only hosts have.
 * In the local-use prefix 64:ff9b:1::/48 the network chooses a prefix length of 48, 56, 64 or
 * 96, each placing the IPv4 bits differently around the reserved octet (RFC 6052 section 2.2);
 * the host cannot know which, so every placement is a candidate.
 */
export function nat64Embedded(addr: IpAddress): IpAddress[] {
  if (addr.version !== 6) return [];
  const v = addr.value;
  const v4 = (n: bigint): IpAddress => fromValue(V4_MAPPED_BASE | n);
  if ((v & NAT64_MASK) === NAT64_BASE) return [v4(v & 0xffff_ffffn)];
  if ((v & NAT64_LOCAL_MASK) !== NAT64_LOCAL_BASE) return [];
  return [
    v4((bitsAt(v, 48, 16) << 16n) | bitsAt(v, 72, 16)), // /48
    v4((bitsAt(v, 56, 8) << 24n) | bitsAt(v, 72, 24)), // /56
    v4(bitsAt(v, 72, 32)), // /64
    v4(v & 0xffff_ffffn), // /96
  ];
}

/** The network mask of a /prefix over 128 bits. */
export function prefixMask(prefix: number): bigint {
  if (prefix <= 0) return 0n;
  return (ALL_ONES_128 >> BigInt(128 - prefix)) << BigInt(128 - prefix);
}

// One IPv4 part: hex (`0x`, possibly empty, is 0 as in WHATWG), octal (leading 0), or decimal.
function parseV4Part(part: string): number | null {
  if (/^0[xX][0-9a-fA-F]*$/.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  if (/^0[0-7]+$/.test(part)) return parseInt(part, 8);
  if (/^(0|[1-9][0-9]*)$/.test(part)) return Number(part);
  return null;
}

/** IPv4 in any inet_aton/WHATWG spelling, as a 32-bit number; null when not one. */
export function parseIpv4(s: string): number | null {
  let text = s;
  if (text.endsWith('.') && text.length > 1) text = text.slice(0, -1); // WHATWG: one trailing dot
  const parts = text.split('.');
  if (parts.length > 4) return null;
  const nums: number[] = [];
  for (const p of parts) {
    if (p.length === 0 || p.length > 40) return null;
    const n = parseV4Part(p);
    if (n === null || !Number.isFinite(n)) return null;
    nums.push(n);
  }
  // All parts but the last are single bytes; the last fills the bytes that remain.
  let value = 0;
  for (let i = 0; i < nums.length - 1; i++) {
    const n = nums[i]!;
    if (n > 255) return null;
    value = value * 256 + n;
  }
  const last = nums[nums.length - 1]!;
  const room = 5 - nums.length; // bytes left for the last part
  if (last >= 256 ** room) return null;
  return value * 256 ** room + last;
}

// The dotted tail of an IPv6 address is strict: four decimal bytes, no other spelling.
function parseStrictDottedQuad(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

/** IPv6 (no brackets, no zone id) as a 128-bit integer; null when not one. */
export function parseIpv6(s: string): bigint | null {
  if (!s.includes(':') || s.length > 45) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const toGroups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const head = toGroups(halves[0]!);
  const tail = halves.length === 2 ? toGroups(halves[1]!) : [];
  // A dotted IPv4 tail takes the place of the last two groups.
  const groups: number[] = [];
  const lastList = halves.length === 2 ? tail : head;
  let dottedTail: number | null = null;
  if (lastList.length > 0 && lastList[lastList.length - 1]!.includes('.')) {
    dottedTail = parseStrictDottedQuad(lastList.pop()!);
    if (dottedTail === null) return null;
  }
  const parseGroups = (list: string[]): number[] | null => {
    const out: number[] = [];
    for (const g of list) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const h = parseGroups(head);
  const t = parseGroups(tail);
  if (h === null || t === null) return null;
  const explicit = h.length + t.length + (dottedTail === null ? 0 : 2);
  if (halves.length === 2) {
    if (explicit > 7) return null; // `::` stands for at least one zero group
    groups.push(...h, ...new Array<number>(8 - explicit).fill(0), ...t);
  } else {
    if (explicit !== 8) return null;
    groups.push(...h);
  }
  if (dottedTail !== null) groups.push(Math.floor(dottedTail / 65536), dottedTail % 65536);
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return value;
}

/**
 * Parses an IP literal in any spelling: IPv4 forms, IPv6 (optionally in `[...]`), and
 * IPv4-mapped IPv6, which comes back as version 4. Null when `s` is not an IP literal
 * (zone ids such as `fe80::1%eth0` are not accepted).
 */
export function parseIpAddress(s: string): IpAddress | null {
  let text = s;
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  if (text.includes(':')) {
    const v6 = parseIpv6(text);
    return v6 === null ? null : fromValue(v6);
  }
  const v4 = parseIpv4(text);
  return v4 === null ? null : fromValue(V4_MAPPED_BASE | BigInt(v4));
}

/** Dotted-quad of the low 32 bits. */
function formatV4(value: bigint): string {
  const n = Number(value & 0xffffffffn);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** RFC 5952 text: lowercase, no leading zeros, the longest run (>= 2) of zero groups as `::`. */
function formatV6(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** The canonical text of an address: dotted-quad for IPv4 (and IPv4-mapped), RFC 5952 otherwise. */
export function formatIp(addr: IpAddress): string {
  return addr.version === 4 ? formatV4(addr.value) : formatV6(addr.value);
}

/** Canonical text of an IP literal in any spelling (`0x7f000001` -> `127.0.0.1`); null if not one. */
export function canonicalIp(s: string): string | null {
  const a = parseIpAddress(s);
  return a === null ? null : formatIp(a);
}

/**
 * The unspecified addresses: 0.0.0.0/8 ("this network", RFC 1122; Linux connects 0.0.0.0 to
 * the local host) in every spelling (`0`, `0x0`, `000.000.000.000`, `::ffff:0.0.0.0`) and
 * `::`. Never a destination (SPEC section 5); binding to them is another matter.
 */
export function isUnspecified(addr: IpAddress): boolean {
  if (addr.version === 4) return (addr.value & 0xff000000n) === 0n;
  return addr.value === 0n;
}

/** Loopback: 127.0.0.0/8 (and its IPv4-mapped form) and `::1`. */
export function isLoopback(addr: IpAddress): boolean {
  if (addr.version === 4) return (addr.value & 0xff000000n) === 0x7f000000n;
  return addr.value === 1n;
}

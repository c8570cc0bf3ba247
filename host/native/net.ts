/**
 * Gated network for the native API (SPEC section 5): a name needs `net` for the name; every
 * address it resolves to is held against the deny rules (any spelling of an address is the
 * same address, the engine parses them); a literal IP must itself be allowed; an unspecified
 * address (0.0.0.0/8, `::`, any spelling) is never a destination. The connection goes to an
 * address that was checked, never to a fresh resolution (no DNS rebinding between check and
 * use): `fetch` opens it with pinnedRequest (host/node/pinned-request.ts), the same code the
 * guests' wasi:http uses. Redirects are never followed: the caller sees the 3xx.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { connect as netConnect, type Socket } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { isUnspecifiedHost } from '../gate/net-address.js';
import { pinnedRequest } from '../node/pinned-request.js';
import { canonicalIp, parseIpAddress, type PolicyEngine } from '../policy/index.js';
import type { SubjectId } from '../policy/types.js';
import { fail, ok, type HttpCode, type NativeResult, type NetCode } from './result.js';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

export interface FetchResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Uint8Array;
}

export type Decide = (host: string, port: number | undefined, func: string) => boolean;

/** Whether a live deny rule of the subject matches `host` (deny-only: addresses a name resolved to). */
function deniedByRule(engine: PolicyEngine, subject: SubjectId, host: string, port: number | undefined): boolean {
  return engine.denies(subject, 'net', port === undefined ? { kind: 'net', host } : { kind: 'net', host, port });
}

export class NativeNet {
  constructor(
    private readonly engine: PolicyEngine,
    private readonly subject: SubjectId,
    /** The scoped check with audit, supplied by the API (one decision point). */
    private readonly decide: Decide,
  ) {}

  /** Checks the name, resolves it, checks every address against the deny rules. */
  private async resolveChecked(host: string, port: number | undefined, func: string): Promise<NativeResult<ResolvedAddress[], NetCode>> {
    // A destination (connect, fetch) is never unspecified; a lookup of the literal is harmless.
    if (port !== undefined && isUnspecifiedHost(host)) return fail('access-denied');
    if (!this.decide(host, port, func)) return fail('access-denied');
    const literal = parseIpAddress(host);
    let addrs: ResolvedAddress[];
    if (literal !== null) {
      // Any spelling (2130706433, 0x7f000001, ::ffff:127.0.0.1): connect to its canonical form.
      addrs = [{ address: canonicalAddress(host), family: literal.version === 4 ? 4 : 6 }];
    } else {
      try {
        addrs = (await dnsLookup(host, { all: true, verbatim: true })).map((a) => ({
          address: a.address,
          family: a.family === 6 ? 6 : 4,
        }));
      } catch {
        return fail('name-unresolvable');
      }
      // Revocation during the lookup counts: decide again, then every address against the denies.
      if (!this.decide(host, port, func)) return fail('access-denied');
      if (addrs.some((a) => deniedByRule(this.engine, this.subject, a.address, port))) return fail('access-denied');
      if (port !== undefined && addrs.some((a) => isUnspecifiedHost(a.address))) return fail('access-denied');
    }
    return ok(addrs);
  }

  lookup(host: string): Promise<NativeResult<ResolvedAddress[], NetCode>> {
    return this.resolveChecked(host, undefined, 'lookup');
  }

  /** Opens a TCP connection; the caller owns (and must end) the socket. */
  async connect(host: string, port: number, timeoutMs = 5000): Promise<NativeResult<Socket, NetCode>> {
    if (!Number.isInteger(port) || port < 1 || port > 65535) return fail('access-denied');
    const r = await this.resolveChecked(host, port, 'connect');
    if (!r.ok) return r;
    if (r.value.length === 0) return fail('name-unresolvable');
    // Each checked address in resolver order (localhost may be ::1 then 127.0.0.1).
    let last: NativeResult<Socket, NetCode> = fail('name-unresolvable');
    for (const addr of r.value) {
      last = await connectTo(addr, port, timeoutMs);
      if (last.ok || last.code !== 'connection-refused') return last;
    }
    return last;
  }

  /** A GET (or the given method) over http/https, to a checked address only. */
  async fetch(url: string, init: { method?: string; body?: Uint8Array } = {}): Promise<NativeResult<FetchResponse, HttpCode>> {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return fail('HTTP-request-denied');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return fail('HTTP-request-denied');
    const port = u.port === '' ? (u.protocol === 'https:' ? 443 : 80) : Number(u.port);
    const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    const r = await this.resolveChecked(host, port, 'fetch');
    if (!r.ok) return fail(r.code === 'name-unresolvable' ? 'destination-not-found' : 'HTTP-request-denied');
    if (r.value.length === 0) return fail('destination-not-found');
    let last: NativeResult<FetchResponse, HttpCode> = fail('destination-not-found');
    for (const addr of r.value) {
      last = await fetchVia(u, parseIpAddress(host) === null ? host : canonicalAddress(host), port, addr, init);
      if (last.ok || last.code !== 'connection-refused') return last;
    }
    return last;
  }
}

function connectTo(addr: ResolvedAddress, port: number, timeoutMs: number): Promise<NativeResult<Socket, NetCode>> {
  return new Promise((resolve) => {
    const sock = netConnect({ host: addr.address, port, family: addr.family });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(fail('timeout'));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      resolve(ok(sock));
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(fail(e.code === 'ECONNREFUSED' ? 'connection-refused' : 'unknown'));
    });
  });
}

function fetchVia(u: URL, host: string, port: number, addr: ResolvedAddress, init: { method?: string; body?: Uint8Array }): Promise<NativeResult<FetchResponse, HttpCode>> {
  return new Promise((resolve) => {
    const req = pinnedRequest(
      { scheme: u.protocol === 'https:' ? 'https:' : 'http:', host, port, addresses: [addr] },
      { method: init.method ?? 'GET', path: `${u.pathname}${u.search}` },
    );
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(ok({ status: res.statusCode ?? 0, headers: res.headers, body: new Uint8Array(Buffer.concat(chunks)) })));
      res.on('error', () => resolve(fail('internal-error')));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(fail(e.code === 'ECONNREFUSED' ? 'connection-refused' : 'internal-error')));
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

/** The canonical text of an IP literal in any spelling (Node's net cannot parse `0x7f000001`). */
function canonicalAddress(host: string): string {
  return canonicalIp(host)!;
}

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
import { Address, type CheckedAddress } from '../net/address.js';
import { Authority, HTTP_PORT, HTTPS_PORT, netTarget } from '../net/endpoint.js';
import { NetRule, type NetCall, type NetPolicy } from '../net/decision.js';
import { isPort } from '../net/port.js';
import { pinnedRequest } from '../node/pinned-request.js';
import type { PolicyEngine } from '../policy/index.js';
import type { SubjectId } from '../policy/types.js';
import { fail, ok, type HttpCode, type NativeResult, type NetCode } from './result.js';

/** An address the native API checked and connects to. */
export type ResolvedAddress = CheckedAddress;

export interface FetchResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Uint8Array;
}

export type Decide = (host: string, port: number | undefined, func: string) => boolean;

/**
 * The native API as the network rule's policy: the scoped check is the API's own (audited);
 * deny rules on resolved addresses are asked of the engine directly, and the rule's own
 * refusals (unspecified destinations) are not recorded, as before the rule was shared.
 */
function nativePolicy(engine: PolicyEngine, subject: SubjectId, decide: Decide): NetPolicy {
  return {
    allows: (target, call) => decide(target.host, target.port, call.func),
    deniesResolved: (address) => engine.denies(subject, 'net', netTarget(address)),
    refused: () => undefined,
  };
}

const IFACE = 'molt:native';

export class NativeNet {
  readonly #rule: NetRule;

  /** `decide` is the scoped check with audit, supplied by the API (one decision point). */
  constructor(engine: PolicyEngine, subject: SubjectId, decide: Decide) {
    this.#rule = new NetRule(nativePolicy(engine, subject, decide));
  }

  /**
   * The decision alone: checks the name (or literal), resolves a name, checks every address
   * against the deny rules. With a port it is a destination (never unspecified). What a
   * connect or fetch would go to; nothing is connected.
   */
  async check(host: string, port: number | undefined, func: string): Promise<NativeResult<ResolvedAddress[], NetCode>> {
    const call: NetCall = { iface: IFACE, func };
    const first = port === undefined ? this.#rule.lookup(host, call) : this.#rule.destination({ host, port }, call);
    if (!first.allowed) return fail('access-denied');
    const literal = Address.parse(host);
    // Any spelling (2130706433, 0x7f000001, ::ffff:127.0.0.1): connect to its canonical form.
    if (literal !== null) return ok([literal.toChecked()]);
    let addrs: (Address | null)[];
    try {
      addrs = (await dnsLookup(host, { all: true, verbatim: true })).map((a) => Address.parse(a.address));
    } catch {
      return fail('name-unresolvable');
    }
    // Revocation during the lookup counts: decide again, then every address.
    const again = port === undefined ? this.#rule.lookup(host, call) : this.#rule.destination({ host, port }, call);
    if (!again.allowed || !this.#rule.resolved(host, addrs, port, call).allowed) return fail('access-denied');
    return ok(addrs.filter((a): a is Address => a !== null).map((a) => a.toChecked()));
  }

  lookup(host: string): Promise<NativeResult<ResolvedAddress[], NetCode>> {
    return this.check(host, undefined, 'lookup');
  }

  /** Opens a TCP connection; the caller owns (and must end) the socket. */
  async connect(host: string, port: number, timeoutMs = 5000): Promise<NativeResult<Socket, NetCode>> {
    if (!isPort(port)) return fail('access-denied');
    const r = await this.check(host, port, 'connect');
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
    // The URL's host and port (WHATWG parsed, userinfo already apart), read as the guests' HTTP reads an authority.
    const authority = Authority.parse(u.host, u.protocol === 'https:' ? HTTPS_PORT : HTTP_PORT);
    if (authority === null) return fail('HTTP-request-denied');
    const { host, port } = authority;
    const r = await this.check(host, port, 'fetch');
    if (!r.ok) return fail(r.code === 'name-unresolvable' ? 'destination-not-found' : 'HTTP-request-denied');
    if (r.value.length === 0) return fail('destination-not-found');
    let last: NativeResult<FetchResponse, HttpCode> = fail('destination-not-found');
    for (const addr of r.value) {
      last = await fetchVia(u, authority.address?.text ?? host, port, addr, init);
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

function fetchVia(
  u: URL,
  host: string,
  port: number,
  addr: ResolvedAddress,
  init: { method?: string; body?: Uint8Array },
): Promise<NativeResult<FetchResponse, HttpCode>> {
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

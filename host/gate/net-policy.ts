/**
 * The network decisions of one guest (SPEC section 5), shared by wasi:sockets and wasi:http:
 *
 * - a name needs `net` for the name (a lookup has no port, so an allow with a port covers it);
 * - every address the name resolved to is held against the deny rules (the engine parses
 *   every spelling of an address, so `2130706433`, `0x7f000001` and `::ffff:127.0.0.1` are
 *   127.0.0.1); one denied address fails the whole lookup, as in the native API (parity);
 * - the addresses of an allowed lookup are remembered for this guest only, so a later connect
 *   to one of them is decided by the NAME's rules with the connect's port (`localhost:8080`
 *   allowed means 127.0.0.1:8080 once localhost resolved there), plus the deny rules on the
 *   address itself; every such decision is live (a revocation in between counts);
 * - any other address (a literal the guest made up) must itself be allowed;
 * - an unspecified address (0.0.0.0/8, `::`, any spelling) is never a destination: Linux
 *   connects it to the local host, around every rule written for 127.0.0.1 (binding to it
 *   is still decided by the rules: it is a local address there);
 * - a deny of `localhost` blocks every loopback address (the policy's NetScope does that).
 *
 * Every decision leaves an audit record. Platform-neutral.
 */
import type { CheckTarget } from '../policy/types.js';
import type { AuditRecord } from './audit.js';
import type { Gate } from './gate.js';
import { endpointText, isUnspecifiedHost, type Endpoint } from './net-address.js';

/** Bounds on what one guest can make the host remember (host exhaustion through lookups). */
const MAX_LEARNED_ADDRESSES = 4096;
const MAX_NAMES_PER_ADDRESS = 16;

export class NetDecider {
  /** Canonical address -> the names whose allowed lookup returned it. */
  readonly #learned = new Map<string, Set<string>>();

  constructor(readonly gate: Gate) {}

  /** `net` for a name or literal to be looked up (no port). */
  allowsLookup(name: string, iface: string, func: string): boolean {
    return this.gate.allows('net', { kind: 'net', host: name }, iface, func);
  }

  /**
   * After an allowed lookup of `name`: true when no deny rule matches any of `addresses`
   * (canonical texts; null = malformed, denied). On success the addresses are remembered.
   */
  admitResolved(name: string, addresses: readonly (string | null)[], iface: string, func: string): boolean {
    if (!this.denyRulesAdmit(name, addresses, undefined, iface, func)) return false;
    for (const a of addresses) this.#learn(a!, name);
    return true;
  }

  /**
   * True when no deny rule matches any of `addresses` on `port` (undefined: any port, as for
   * a lookup). Remembers nothing (an HTTP request's own resolution is not the guest's lookup).
   */
  denyRulesAdmit(name: string, addresses: readonly (string | null)[], port: number | undefined, iface: string, func: string): boolean {
    for (const a of addresses) {
      if (a === null || this.#addressDenied(port === undefined ? { host: a } : { host: a, port }, iface, func, name)) return false;
    }
    return true;
  }

  /**
   * Addresses a request is about to be sent to (HTTP): none unspecified, and no deny rule
   * matching any of them on `port`. Remembers nothing.
   */
  destinationsAdmit(name: string, addresses: readonly (string | null)[], port: number, iface: string, func: string): boolean {
    for (const a of addresses) {
      if (a !== null && isUnspecifiedHost(a)) return this.#refuseUnspecified({ host: a, port }, iface, func, name);
    }
    return this.denyRulesAdmit(name, addresses, port, iface, func);
  }

  /** A connect or send to `e`: never an unspecified address, then as allowsEndpoint. */
  allowsDestination(e: Endpoint, iface: string, func: string): boolean {
    if (this.refusesUnspecified(e, iface, func)) return false;
    return this.allowsEndpoint(e, iface, func);
  }

  /** True (and audited as a denial) when `e` is an unspecified address in any spelling. */
  refusesUnspecified(e: Endpoint, iface: string, func: string): boolean {
    return isUnspecifiedHost(e.host) && !this.#refuseUnspecified(e, iface, func);
  }

  #refuseUnspecified(e: Endpoint, iface: string, func: string, via?: string): false {
    const why = via === undefined ? 'unspecified address' : `unspecified address, ${via}`;
    this.gate.record('net', iface, func, `${endpointText(e)} (${why})`, false, 'missing');
    return false;
  }

  /**
   * A connect, bind, listen or send to `e` (a canonical address, maybe without a port).
   * Allowed when a name this guest looked up resolved to it and that name is allowed on this
   * port (and no deny rule matches the address), or when the address itself is allowed.
   */
  allowsEndpoint(e: Endpoint, iface: string, func: string): boolean {
    const names = this.#learned.get(e.host);
    if (names !== undefined) {
      for (const name of names) {
        const target = e.port === undefined ? { kind: 'net' as const, host: name } : { kind: 'net' as const, host: name, port: e.port };
        if (this.gate.allows('net', target, iface, func)) return !this.#addressDenied(e, iface, func, name);
      }
    }
    const target = e.port === undefined ? { kind: 'net' as const, host: e.host } : { kind: 'net' as const, host: e.host, port: e.port };
    return this.gate.allows('net', target, iface, func);
  }

  /** Records a denial the gate decided itself (an HTTP `Host` header naming another host). */
  recordDenial(iface: string, func: string, target: string, code: AuditRecord['code']): void {
    this.gate.record('net', iface, func, target, false, code);
  }

  /**
   * Whether a deny rule matches the address `e`, which `via` resolved to (one audit record
   * either way, its target `address (via)`).
   */
  #addressDenied(e: Endpoint, iface: string, func: string, via: string): boolean {
    const { engine, subject } = this.gate;
    const target: CheckTarget = e.port === undefined ? { kind: 'net', host: e.host } : { kind: 'net', host: e.host, port: e.port };
    const denied = engine.denies(subject, 'net', target);
    // The target text only when someone reads it: this runs for every resolved address.
    if (this.gate.audit !== undefined || (denied && this.gate.denials !== undefined)) {
      this.gate.record('net', iface, func, `${endpointText(e)} (${via})`, !denied, denied ? 'missing' : 'ok', undefined, target);
    }
    return denied;
  }

  #learn(address: string, name: string): void {
    let names = this.#learned.get(address);
    if (names === undefined) {
      if (this.#learned.size >= MAX_LEARNED_ADDRESSES) {
        // Forget the oldest: a forgotten address is only allowed if it is itself allowed.
        this.#learned.delete(this.#learned.keys().next().value!);
      }
      this.#learned.set(address, (names = new Set()));
    }
    if (names.size < MAX_NAMES_PER_ADDRESS) names.add(name.toLowerCase());
  }
}

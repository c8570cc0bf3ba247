/**
 * SPEC section 5's network rule, written once, for guests (host/gate/sockets.ts,
 * host/gate/http.ts, in Node and the browser) and for the native API (host/native/net.ts):
 *
 * - a name needs `net` for the name; a lookup has no port, so an allow with a port covers it;
 * - every address a name resolved to is held against the deny rules (one denied address fails
 *   the whole resolution), and for a destination none may be unspecified;
 * - a name resolved through an allowed lookup may be connected to: a connect to one of its
 *   addresses is decided by the NAME's rules on the connect's port, plus the deny rules on the
 *   address itself (LookupMemory, per guest); any other address must itself be allowed;
 * - every spelling of an address is the same address (Address);
 * - an unspecified address (0.0.0.0/8, `::`, any spelling) is never a destination, before any
 *   rule: Linux connects it to the local host, around every rule written for 127.0.0.1
 *   (binding to it is decided by the rules: it is a local address there);
 * - a deny of `localhost` covers every loopback address (the policy's NetScope does that).
 *
 * The policy itself (grants, deny rules, revocation, prompts, the audit log) is reached through
 * NetPolicy, which the guest gate and the native API each supply. Pure.
 */
import { Address } from './address.js';
import { endpointText, type Endpoint } from './endpoint.js';

/** Why a network call was refused. */
export type NetDenyReason =
  /** An unspecified address as a destination (before any rule). */
  | 'unspecified-address'
  /** `net` is not granted for this target (not allowed, denied by a rule, or revoked). */
  | 'not-granted'
  /** A deny rule matches an address the name resolved to. */
  | 'denied-address'
  /** A resolver answered something that is not an address. */
  | 'unreadable-address';

export type NetDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: NetDenyReason };

export const ALLOWED: NetDecision = Object.freeze({ allowed: true });
const refused = (reason: NetDenyReason): NetDecision => ({ allowed: false, reason });

/** Which call asks (for the audit record): `wasi:sockets/tcp` `tcp-socket.start-connect`. */
export interface NetCall {
  readonly iface: string;
  readonly func: string;
}

/** What the rule needs from whoever holds the policy: the guest gate, or the native API's. */
export interface NetPolicy {
  /** The scoped `net` check of `target` (audited; may prompt). */
  allows(target: Endpoint, call: NetCall): boolean;
  /** Whether a deny rule matches `address`, which the name `via` resolved to (audited). */
  deniesResolved(address: Endpoint, via: string, call: NetCall): boolean;
  /** Told of a refusal the rule decided itself (`target` already says why). */
  refused(target: string, call: NetCall): void;
}

/** Bounds on what one guest can make the host remember (host exhaustion through lookups). */
const MAX_LEARNED_ADDRESSES = 4096;
const MAX_NAMES_PER_ADDRESS = 16;

/** Which names an allowed lookup resolved to each address (canonical text). One per guest. */
export class LookupMemory {
  readonly #names = new Map<string, Set<string>>();

  learn(address: string, name: string): void {
    let names = this.#names.get(address);
    if (names === undefined) {
      if (this.#names.size >= MAX_LEARNED_ADDRESSES) {
        // Forget the oldest: a forgotten address is only allowed if it is itself allowed.
        const oldest = this.#names.keys().next();
        if (oldest.done !== true) this.#names.delete(oldest.value);
      }
      this.#names.set(address, (names = new Set()));
    }
    if (names.size < MAX_NAMES_PER_ADDRESS) names.add(name.toLowerCase());
  }

  namesOf(address: string): ReadonlySet<string> | undefined {
    return this.#names.get(address);
  }
}

export class NetRule {
  constructor(readonly policy: NetPolicy) {}

  /** A name or literal to be looked up (no port). */
  lookup(name: string, call: NetCall): NetDecision {
    return this.policy.allows({ host: name }, call) ? ALLOWED : refused('not-granted');
  }

  /**
   * A destination named by host (a name, or an IP literal in any spelling) and port, before
   * any resolution (HTTP, the native API's connect and fetch): never unspecified, then `net`
   * for `host:port`.
   */
  destination(e: Endpoint & { readonly port: number }, call: NetCall): NetDecision {
    if (Address.parse(e.host)?.isUnspecified === true) return this.#refuseUnspecified(e, undefined, call);
    return this.policy.allows(e, call) ? ALLOWED : refused('not-granted');
  }

  /**
   * The addresses a resolution of the name `name` gave (null: the resolver answered something
   * that is not an address). With a port (a destination) none may be unspecified; then no
   * deny rule may match any of them on that port (without a port: on any port).
   */
  resolved(name: string, addresses: readonly (Address | null)[], port: number | undefined, call: NetCall): NetDecision {
    if (port !== undefined) {
      for (const a of addresses) {
        if (a?.isUnspecified === true) return this.#refuseUnspecified({ host: a.text, port }, name, call);
      }
    }
    for (const a of addresses) {
      if (a === null) return refused('unreadable-address');
      if (this.policy.deniesResolved(port === undefined ? { host: a.text } : { host: a.text, port }, name, call))
        return refused('denied-address');
    }
    return ALLOWED;
  }

  /**
   * A socket call naming the address `e` (canonical text, maybe without a port): allowed when
   * a name `memory` holds for it is allowed on this port (and no deny rule matches the
   * address), or when the address itself is allowed. A `destination` (connect, a remote, a
   * datagram) is never unspecified; a local address (bind, listen) may be.
   */
  socket(e: Endpoint, memory: LookupMemory, role: 'destination' | 'local', call: NetCall): NetDecision {
    if (role === 'destination' && Address.parse(e.host)?.isUnspecified === true) return this.#refuseUnspecified(e, undefined, call);
    const names = memory.namesOf(e.host);
    if (names !== undefined) {
      for (const name of names) {
        if (this.policy.allows(e.port === undefined ? { host: name } : { host: name, port: e.port }, call)) {
          return this.policy.deniesResolved(e, name, call) ? refused('denied-address') : ALLOWED;
        }
      }
    }
    return this.policy.allows(e, call) ? ALLOWED : refused('not-granted');
  }

  #refuseUnspecified(e: Endpoint, via: string | undefined, call: NetCall): NetDecision {
    const why = via === undefined ? 'unspecified address' : `unspecified address, ${via}`;
    this.policy.refused(`${endpointText(e)} (${why})`, call);
    return refused('unspecified-address');
  }
}

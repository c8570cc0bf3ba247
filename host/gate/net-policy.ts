/**
 * One guest's network decisions (SPEC section 5), shared by wasi:sockets and wasi:http: the
 * rule is host/net/decision.ts (the same one the native API uses); this is where the guest's
 * Gate supplies the policy (scoped checks with audit and prompts, deny rules on resolved
 * addresses, audit records of refusals) and where the guest's own lookup memory lives (a name
 * looked up through `ip-name-lookup` and the addresses it got are remembered for this guest
 * alone). Every decision leaves an audit record. Platform-neutral.
 */
import { endpointText, netTarget, type Endpoint } from '../net/endpoint.js';
import { LookupMemory, NetRule, type NetCall, type NetDecision, type NetPolicy } from '../net/decision.js';
import type { Address } from '../net/address.js';
import type { AuditRecord } from './audit.js';
import type { Gate } from './gate.js';

/** The guest gate as the network rule's policy. */
function gatePolicy(gate: Gate): NetPolicy {
  return {
    allows: (target, call) => gate.allows('net', netTarget(target), call.iface, call.func),
    deniesResolved(address, via, call) {
      const target = netTarget(address);
      const denied = gate.engine.denies(gate.subject, 'net', target);
      // The target text only when someone reads it: this runs for every resolved address.
      if (gate.audit !== undefined || (denied && gate.denials !== undefined)) {
        gate.record(
          'net',
          call.iface,
          call.func,
          `${endpointText(address)} (${via})`,
          !denied,
          denied ? 'missing' : 'ok',
          undefined,
          target,
        );
      }
      return denied;
    },
    refused: (target, call) => gate.record('net', call.iface, call.func, target, false, 'missing'),
  };
}

export class NetDecider {
  readonly rule: NetRule;
  readonly #memory = new LookupMemory();

  constructor(readonly gate: Gate) {
    this.rule = new NetRule(gatePolicy(gate));
  }

  /** `net` for a name or literal to be looked up (no port). */
  lookup(name: string, call: NetCall): NetDecision {
    return this.rule.lookup(name, call);
  }

  /**
   * After an allowed lookup of `name`: no deny rule may match any of `addresses` (null =
   * malformed, denied). When allowed, the addresses are remembered for this guest.
   */
  admitLookup(name: string, addresses: readonly (Address | null)[], call: NetCall): NetDecision {
    const d = this.rule.resolved(name, addresses, undefined, call);
    if (d.allowed) for (const a of addresses) if (a !== null) this.#memory.learn(a.text, name);
    return d;
  }

  /** A socket call naming `e` (see NetRule.socket), with this guest's lookup memory. */
  socket(e: Endpoint, role: 'destination' | 'local', call: NetCall): NetDecision {
    return this.rule.socket(e, this.#memory, role, call);
  }

  /** Records a denial the gate decided itself (an HTTP `Host` header naming another host). */
  recordDenial(call: NetCall, target: string, code: AuditRecord['code']): void {
    this.gate.record('net', call.iface, call.func, target, false, code);
  }
}

/**
 * Scope lists indexed for the per-check hot path, so a check costs what the target's shape
 * costs (its path depth, its name's labels), not the number of scopes: a grant of 100 paths
 * or hosts answers as fast as a grant of one. Each index answers exactly what a linear
 * `scopes.some(s => s.allows…)` answers (a property test holds them equal); candidates it
 * finds are still asked through the scope's own matcher, so ports and modes stay the
 * scope's business.
 */
import { isLoopback, nat64Embedded, prefixMask } from './ip.js';
import { LOOPBACK_NAME, type HostValue, type NetScope } from './net.js';
import type { PathScope } from './path.js';

/** Path scopes as a set of normalised paths: a check probes the target and each ancestor. */
export class PathIndex {
  readonly #paths: ReadonlySet<string>;
  constructor(scopes: readonly PathScope[]) {
    this.#paths = new Set(scopes.map((s) => s.path));
  }

  /** Whether a scope covers `norm` (a normalizeGuestPath result): `norm` or an ancestor is a scope. */
  matches(norm: string): boolean {
    const paths = this.#paths;
    if (norm.startsWith('/')) {
      // Absolute namespace: `/` covers all of it; otherwise `/a/b/c`, `/a/b`, `/a`.
      if (paths.has('/')) return true;
      for (let p = norm; p.length > 1; p = p.slice(0, p.lastIndexOf('/'))) if (paths.has(p)) return true;
      return false;
    }
    // Relative namespace: `.` covers all of it; otherwise `a/b`, `a`.
    if (paths.has('.')) return true;
    for (let p = norm; ;) {
      if (paths.has(p)) return true;
      const slash = p.lastIndexOf('/');
      if (slash < 0) return false;
      p = p.slice(0, slash);
    }
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/**
 * Net scopes by pattern: exact names and addresses in maps, `*.suffix` by suffix (a name is
 * probed with each of its parent domains), CIDR blocks by prefix length (an address is
 * masked once per distinct length).
 */
export class NetIndex {
  readonly #names = new Map<string, NetScope[]>();
  readonly #wildcards = new Map<string, NetScope[]>();
  readonly #ips = new Map<bigint, NetScope[]>();
  /** prefix length -> its mask and network -> scopes. */
  readonly #cidrs = new Map<number, { readonly mask: bigint; readonly byNetwork: Map<bigint, NetScope[]> }>();

  constructor(scopes: readonly NetScope[]) {
    for (const s of scopes) {
      const p = s.pattern;
      switch (p.kind) {
        case 'name':
          push(this.#names, p.name, s);
          break;
        case 'wildcard':
          push(this.#wildcards, p.suffix, s);
          break;
        case 'ip':
          push(this.#ips, p.addr.value, s);
          break;
        case 'cidr': {
          let block = this.#cidrs.get(p.prefix);
          if (block === undefined) this.#cidrs.set(p.prefix, (block = { mask: prefixMask(p.prefix), byNetwork: new Map() }));
          push(block.byNetwork, p.network, s);
          break;
        }
      }
    }
  }

  /** Whether some scope matches the parsed host on `port` (NetScope.matchesHost semantics). */
  matches(h: HostValue, port: number | undefined, mode: 'allow' | 'deny'): boolean {
    const any = (list: readonly NetScope[] | undefined): boolean => list !== undefined && list.some((s) => s.matchesHost(h, port, mode));
    if (h.kind === 'name') {
      if (any(this.#names.get(h.name))) return true;
      if (this.#wildcards.size === 0) return false;
      // `*.example.com` matches `a.example.com` and `a.b.example.com`, never `example.com`.
      const name = h.name;
      for (let dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
        if (any(this.#wildcards.get(name.slice(dot + 1)))) return true;
      }
      return false;
    }
    const value = h.addr.value;
    if (any(this.#ips.get(value))) return true;
    // A deny of `localhost` blocks every loopback address (NetScope.matchesHost, LOOPBACK_NAME).
    if (mode === 'deny' && isLoopback(h.addr) && any(this.#names.get(LOOPBACK_NAME))) return true;
    for (const { mask, byNetwork } of this.#cidrs.values()) {
      if (any(byNetwork.get(value & mask))) return true;
    }
    // A deny of an IPv4 address blocks its NAT64 spelling too (NetScope.matchesHost).
    return mode === 'deny' && nat64Embedded(h.addr).some((v4) => this.matches({ kind: 'ip', addr: v4 }, port, 'deny'));
  }
}

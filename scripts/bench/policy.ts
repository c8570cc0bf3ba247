/**
 * Suite 2: the policy check alone, ns per check, on one PolicyEngine: the unscoped bitset
 * (`checkId`), `check` against a path scope of 100 entries and a net scope of 100 entries
 * (a target matching an entry near the end, and a target matching none). Each sample times
 * a loop of N checks; the result is the median over repeats.
 */
import { normalizeManifest, PolicyEngine } from '../../host/policy/index.js';
import type { CheckTarget } from '../../host/policy/types.js';
import { median, now } from './stats.js';

export interface PolicyResult {
  readonly name: string;
  readonly nsPerCheck: number;
  readonly checks: number;
  readonly samples: number;
}

export function benchPolicy(opts: { quick: boolean; log: (s: string) => void }): PolicyResult[] {
  const engine = new PolicyEngine();
  const paths = Array.from({ length: 100 }, (_, i) => `/data/project-${i}/files`);
  const hosts = Array.from({ length: 100 }, (_, i) => `api-${i}.example.com:443`);
  const manifest = normalizeManifest({
    version: 1,
    allow: { time: true, 'fs.read': paths, net: hosts },
    deny: {},
  });
  const s = engine.createSubject(manifest, 'bench');
  // The same targets against one-entry grants: with the scope index, 100 entries should cost
  // about what one costs (the check follows the target's depth, not the grant's length).
  const one = engine.createSubject(
    normalizeManifest({ version: 1, allow: { 'fs.read': [paths[97]!], net: [hosts[97]!] }, deny: {} }),
    'bench-one',
  );
  const TIME = 6;
  const repeats = opts.quick ? 7 : 21;
  const results: PolicyResult[] = [];

  const run = (name: string, n: number, loop: (n: number) => number): void => {
    let sink = 0;
    for (let i = 0; i < 3; i++) sink += loop(n); // warm-up (tier-up)
    const xs: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = now();
      sink += loop(n);
      xs.push(((now() - t0) * 1e6) / n);
    }
    if (sink < 0) throw new Error('unreachable');
    const ns = median(xs);
    opts.log(`  ${name}: ${ns.toFixed(1)} ns/check`);
    results.push({ name, nsPerCheck: ns, checks: n, samples: repeats });
  };

  const big = opts.quick ? 2_000_000 : 10_000_000;
  const small = opts.quick ? 20_000 : 100_000;
  run('unscoped checkId (bitset)', big, (n) => {
    let ok = 0;
    for (let i = 0; i < n; i++) if (engine.checkId(s, TIME)) ok++;
    return ok;
  });
  run('unscoped check(subject, "time")', small * 10, (n) => {
    let ok = 0;
    for (let i = 0; i < n; i++) if (engine.check(s, 'time') === 'ok') ok++;
    return ok;
  });
  const scoped = (label: string, cap: string, target: CheckTarget, expectOk: boolean, subject = s): void =>
    run(label, small, (n) => {
      let ok = 0;
      for (let i = 0; i < n; i++) if (engine.check(subject, cap, target) === 'ok') ok++;
      if ((ok === n) !== expectOk) throw new Error(`${label}: unexpected decision`);
      return ok;
    });
  scoped('path scope, 1 entry, hit', 'fs.read', { kind: 'path', path: '/data/project-97/files/src/main.c' }, true, one);
  scoped('path scope, 100 entries, hit (#97)', 'fs.read', { kind: 'path', path: '/data/project-97/files/src/main.c' }, true);
  scoped('path scope, 100 entries, miss', 'fs.read', { kind: 'path', path: '/data/other/files/x' }, false);
  scoped('net scope, 1 entry, hit', 'net', { kind: 'net', host: 'api-97.example.com', port: 443 }, true, one);
  scoped('net scope, 100 entries, hit (#97)', 'net', { kind: 'net', host: 'api-97.example.com', port: 443 }, true);
  scoped('net scope, 100 entries, miss', 'net', { kind: 'net', host: 'evil.example.org', port: 443 }, false);
  scoped('net scope, 100 entries, IP literal miss', 'net', { kind: 'net', host: '10.1.2.3', port: 443 }, false);
  engine.dropSubject(s);
  engine.dropSubject(one);
  return results;
}

/**
 * The WASM-in-Node runner: every op is performed by a guest under the Node host (createHost
 * from host/node), through WASI imports: fs/env/time by the C probe (preview1 core module,
 * guest-examples/dist/probe.wasm), checks, lookups, connects and HTTP by the WAT probe
 * component (guest-examples/dist/probe-component.wasm, WIT imports). See wasm-probes.ts.
 *
 * The schedule (which ops share an instance, `--exit` mode while console.write is not
 * granted, controls applied mid-run from the stdout sink, the live subject carried from
 * instance to instance) is ../probe-schedule.ts, shared with the browser runner.
 *
 * Two readings (wasm-probes.ts): an IP-literal connect runs in a guest of its own (a literal
 * the guest made up, not an address its earlier lookup returned), and the C probe's
 * ENOTCAPABLE (libc: no preopen covers the path) is `access` inside a mapped directory whose
 * preopen the host withheld for want of the grant, `not-permitted` elsewhere.
 *
 * n/a: none today; every op kind of the fixture format is expressible through WASI
 * (probeCall returns null only for a kind that is not).
 */
import { existsSync, readFileSync } from 'node:fs';
import { PolicyEngine } from '../../../host/policy/index.js';
import { fixtureManifest, makeScratch, type Fixture, type RunEnv, type Runner } from '../fixture.js';
import { runSchedule } from '../probe-schedule.js';
import { outcomesOfSchedule, probePlan } from './probe-plan.js';
import { PROBE_COMPONENT_PATH, PROBE_PATH, type ProbeKind } from './wasm-probes.js';

export { outcomeOfProbe, PROBE_PATH } from './wasm-probes.js';

type HostModule = typeof import('../../../host/node/index.js');
let hostModule: Promise<HostModule | string> | undefined;
function loadHost(): Promise<HostModule | string> {
  // Imported lazily: a missing or broken host makes this runner unavailable with the reason,
  // not the whole harness fail.
  hostModule ??= import('../../../host/node/index.js').catch((e: unknown) => `host/node failed to load: ${(e as Error).message}`);
  return hostModule;
}

export const wasmNodeRunner: Runner = {
  name: 'wasm-node',
  async available() {
    for (const p of [PROBE_PATH, PROBE_COMPONENT_PATH]) if (!existsSync(p)) return `${p} not built (node dist/scripts/build-guests.js)`;
    const h = await loadHost();
    return typeof h === 'string' ? h : true;
  },
  async run(fixture: Fixture, env: RunEnv) {
    const host = await loadHost();
    if (typeof host === 'string') throw new Error(host);
    const bytes: Record<ProbeKind, Uint8Array> = {
      core: new Uint8Array(readFileSync(PROBE_PATH)),
      component: new Uint8Array(readFileSync(PROBE_COMPONENT_PATH)),
    };
    const engine = new PolicyEngine();
    const h = host.createHost({ engine });
    const plan = probePlan(fixture, env);
    const scratch = makeScratch(fixture, 'wasm');
    const label = `parity:${fixture.name}`;
    try {
      const results = await runSchedule({
        steps: plan.steps,
        engine,
        manifest: fixtureManifest(fixture),
        label,
        prepare: (probe, args, manifest, stdout) =>
          h.prepare(bytes[probe], {
            manifest,
            dirs: scratch.dirs,
            env: fixture.env ?? {},
            args,
            label,
            ...(stdout !== undefined ? { stdout } : {}),
          }),
      });
      return outcomesOfSchedule(results, fixture, env, plan, false);
    } finally {
      scratch.dispose();
    }
  },
};

/**
 * The browser runner (SPEC section 7): the same two probe guests as the wasm-node runner run
 * under molt-wasm/browser inside Debian's Chromium, driven by test/browser/probe-driver.ts in
 * the page: the C probe (preview1) for fs/env/time, the WAT probe component (transpiled in the
 * page, JSPI on) for check/check-id, lookup, connect and fetch. Same gate, same preview1
 * layer; the browser platform: an in-memory filesystem seeded with the fixture's files and
 * symlinks, the fixture's env as the app-supplied environment, HTTP through the page's
 * `fetch` (to the harness's loopback server, which answers CORS), no sockets.
 *
 * Same plan and schedule as wasm-node (probe-plan.ts, ../probe-schedule.ts): one instance per
 * run of same-probe ops, controls applied mid-run from the stdout sink; `--exit` mode, one op
 * per instance, while console.write is not granted; the live subject carried between instances.
 *
 * n/a, where the browser has no layer to perform the op (test/fixtures/README.md):
 * - `lookup:H` when the policy admits the name H at that point: the browser has no resolver
 *   (the shim answers `not-supported`), so what the fixture expects (addresses, or the deny
 *   rules held against them) cannot happen. When the policy refuses the name itself, the gate
 *   answers before any resolver and the outcome IS compared (`access-denied`).
 * - `connect:H:P` when `net` is granted at all: browsers have no TCP sockets (the shim's
 *   `not-supported`). Without any `net` the gate refuses first and it is compared.
 * In both cases n/a is given only for the exact answer `not-supported` in exactly those
 * situations; anything else the page answers is compared. Unavailable (skipped, with the
 * reason) when /usr/bin/chromium or a probe is missing.
 */
import { existsSync } from 'node:fs';
import { chromiumMissing, openSession } from '../../browser/harness.js';
import type { DriverInput } from '../../browser/probe-driver.js';
import { fixtureManifest, type Fixture, type RunEnv, type Runner } from '../fixture.js';
import { outcomesOfSchedule, probePlan } from './probe-plan.js';
import { PROBE_COMPONENT_PATH, PROBE_PATH } from './wasm-probes.js';

export const browserRunner: Runner = {
  name: 'browser',
  async available() {
    const missing = chromiumMissing();
    if (missing !== null) return missing;
    for (const p of [PROBE_PATH, PROBE_COMPONENT_PATH]) if (!existsSync(p)) return `${p} not built (node dist/scripts/build-guests.js)`;
    return true;
  },
  async run(fixture: Fixture, env: RunEnv) {
    // A fresh browser context per fixture (the harness shares one Chromium per process).
    const session = await openSession();
    try {
      const plan = probePlan(fixture, env);
      const input: DriverInput = {
        steps: plan.steps,
        manifest: fixtureManifest(fixture),
        files: fixture.files ?? {},
        symlinks: fixture.symlinks ?? {},
        dirs: fixture.dirs ?? {},
        env: fixture.env ?? {},
        probes: { core: 'dist/examples/probe.wasm', component: 'dist/examples/probe-component.wasm' },
        label: `parity:${fixture.name}`,
      };
      const results = (await session.page.evaluate(async (arg: DriverInput) => {
        const driver = await import(new URL('dist/parity-driver.js', location.href).href);
        return driver.runProbeFixture(arg);
      }, input)) as string[];
      return outcomesOfSchedule(results, fixture, env, plan, true);
    } finally {
      await session.close();
    }
  },
};

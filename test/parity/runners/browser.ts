/**
 * The browser runner (SPEC section 7): the same two probe guests as the wasm-node runner run
 * under molt-wasm/browser inside Debian's Chromium, driven by test/browser/probe-driver.ts in
 * the page: the C probe (preview1) for fs/env/time, the WAT probe component (transpiled in the
 * page, JSPI on) for check/check-id, lookup, connect and fetch. Same gate, same preview1
 * layer; the browser platform: an in-memory filesystem seeded with the fixture's files and
 * symlinks, the fixture's env as the app-supplied environment, HTTP through the page's
 * `fetch` (to the harness's loopback server, which answers CORS), no sockets.
 *
 * Same plan as wasm-node (wasm-probes.ts decides the probe and argument; one instance per run
 * of same-probe ops, controls applied mid-run from the stdout sink; `--exit` mode, one op per
 * instance, while console.write is not granted; the live subject carried between instances).
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
import type { DriverInput, DriverStep } from '../../browser/probe-driver.js';
import { PolicyEngine } from '../../../host/policy/index.js';
import { applyControl, fixtureManifest, isControl, parseOp, substitute, type Fixture, type Outcome, type RunEnv, type Runner } from '../fixture.js';
import { outcomeOfExit, outcomeOfWord, PROBE_COMPONENT_PATH, PROBE_PATH, probeCall, type ProbeCall } from './wasm-probes.js';

/** What the policy says before each step (replayed on a throwaway engine; ops never change it). */
interface Before {
  readonly console: boolean;
  /** `net` granted at all (any scope). */
  readonly net: boolean;
  /** For a lookup op: the name itself is admitted (the gate would hand it to a resolver). */
  readonly name: boolean;
}

function replay(fixture: Fixture, env: RunEnv): Before[] {
  const engine = new PolicyEngine();
  const s = engine.createSubject(fixtureManifest(fixture), 'parity:browser-replay');
  return fixture.operations.map((step) => {
    if (isControl(step)) applyControl(engine, s, step);
    let name = false;
    if (!isControl(step)) {
      const op = parseOp(substitute(step.op, env));
      if (op.kind === 'lookup') name = engine.check(s, 'net', { kind: 'net', host: op.host }) === 'ok';
    }
    return { console: engine.check(s, 'console.write') === 'ok', net: engine.check(s, 'net') === 'ok', name };
  });
}

/** The plan the page runs, and the probe call behind each op (for reading the answers). */
export function driverInput(fixture: Fixture, env: RunEnv): { input: DriverInput; calls: (ProbeCall | null)[]; before: Before[] } {
  const before = replay(fixture, env);
  const calls = fixture.operations.map((s) => {
    if (isControl(s)) return null;
    const raw = substitute(s.op, env);
    return probeCall(parseOp(raw), raw);
  });
  const steps: DriverStep[] = fixture.operations.map((s, i) => {
    if (isControl(s)) {
      return { control: { control: s.control, ...(s.cap !== undefined ? { cap: s.cap } : {}), ...(s.scope !== undefined ? { scope: s.scope } : {}) } };
    }
    const c = calls[i];
    return {
      op: c === null || c === undefined ? null : { probe: c.probe, arg: c.arg, ...(c.alone === true ? { alone: true } : {}), exit: !before[i]!.console },
    };
  });
  const input: DriverInput = {
    steps,
    manifest: fixtureManifest(fixture),
    files: fixture.files ?? {},
    symlinks: fixture.symlinks ?? {},
    dirs: fixture.dirs ?? {},
    env: fixture.env ?? {},
    probes: { core: 'dist/examples/probe.wasm', component: 'dist/examples/probe-component.wasm' },
    label: `parity:${fixture.name}`,
  };
  return { input, calls, before };
}

/**
 * A driver answer to the fixture's vocabulary, read the same way the wasm-node runner reads
 * the probes (an ENOTCAPABLE from wasi-libc: `access` inside one of the fixture's dirs,
 * `not-permitted` outside); then the browser's `not-supported` for sockets becomes n/a where
 * the browser has no layer to perform the op (see the top of this file).
 */
export function outcomeOfDriver(result: string, call: ProbeCall | null, before: Before | undefined, op: string | undefined, mapped: readonly string[] = []): Outcome {
  let o: Outcome = result;
  if (call !== null) {
    if (result.startsWith('word:')) o = outcomeOfWord(call, result.slice(5), mapped);
    else if (result.startsWith('exit:')) o = outcomeOfExit(call, Number(result.slice(5)), mapped);
  }
  if (o === 'not-supported' && op !== undefined && before !== undefined) {
    const kind = parseOp(op).kind;
    if ((kind === 'lookup' && before.name) || (kind === 'connect' && before.net)) return 'n/a';
  }
  return o;
}

export const browserRunner: Runner = {
  name: 'browser',
  async available() {
    const missing = chromiumMissing();
    if (missing !== null) return missing;
    for (const p of [PROBE_PATH, PROBE_COMPONENT_PATH]) if (!existsSync(p)) return `${p} not built (node dist/scripts/build-guests.js)`;
    return true;
  },
  async run(fixture: Fixture, env: RunEnv) {
    // One browser per fixture: the harness has no teardown hook, and a browser left open
    // would keep the process alive.
    const session = await openSession();
    try {
      const { input, calls, before } = driverInput(fixture, env);
      const results = (await session.page.evaluate(async (arg: DriverInput) => {
        const driver = await import(new URL('dist/parity-driver.js', location.href).href);
        return driver.runProbeFixture(arg);
      }, input)) as string[];
      const mapped = Object.keys(fixture.dirs ?? {});
      return results.map((r, i) => {
        const step = fixture.operations[i];
        const op = step !== undefined && !isControl(step) ? substitute(step.op, env) : undefined;
        return outcomeOfDriver(r, calls[i] ?? null, before[i], op, mapped);
      });
    } finally {
      await session.close();
    }
  },
};

/**
 * The browser runner (SPEC section 7): the C probe guest (the same preview1 core module the
 * wasm-node runner uses) runs under molt-wasm/browser inside Debian's Chromium, driven by
 * test/browser/probe-driver.ts in the page: same gate, same preview1 layer, the browser
 * platform (in-memory filesystem seeded with the fixture's files and symlinks, the fixture's
 * env as the app-supplied environment). Controls are applied mid-run exactly as in the
 * wasm-node runner.
 *
 * `n/a` here, as in wasm-node: lookup/connect/fetch (the preview1 probe has no sockets or
 * HTTP) and check/check-id (molt:capabilities is a component import); ops that run while
 * console.write is not granted (the probe cannot report them). Unavailable (skipped, with the
 * reason) when /usr/bin/chromium or the probe is missing.
 */
import { existsSync } from 'node:fs';
import { chromiumMissing, openSession } from '../../browser/harness.js';
import type { DriverInput, DriverStep } from '../../browser/probe-driver.js';
import { fixtureManifest, isControl, parseOp, substitute, type Fixture, type Outcome, type RunEnv, type Runner } from '../fixture.js';
import { outcomeOfProbe, outcomeOfWord, probeCall, PROBE_PATH } from './wasm-probes.js';

/** The probe's argument for an op it can express, else null. */
function probeArg(raw: string): string | null {
  switch (parseOp(raw).kind) {
    case 'read':
    case 'write':
    case 'stat':
    case 'readdir':
    case 'mkdir':
    case 'unlink':
    case 'rename':
    case 'env':
    case 'time':
      return raw;
    default:
      return null;
  }
}

export function driverInput(fixture: Fixture, env: RunEnv): DriverInput {
  const steps: DriverStep[] = fixture.operations.map((s) =>
    isControl(s)
      ? { control: { control: s.control, ...(s.cap !== undefined ? { cap: s.cap } : {}), ...(s.scope !== undefined ? { scope: s.scope } : {}) } }
      : { arg: probeArg(substitute(s.op, env)) },
  );
  return {
    steps,
    manifest: fixtureManifest(fixture),
    files: fixture.files ?? {},
    symlinks: fixture.symlinks ?? {},
    dirs: fixture.dirs ?? {},
    env: fixture.env ?? {},
    probeUrl: 'dist/examples/probe.wasm',
  };
}

/**
 * A driver result to the fixture's vocabulary, read the same way the wasm-node runner reads
 * the probe (an ENOTCAPABLE from wasi-libc means no preopen was listed: `access` inside one of
 * the fixture's dirs, `not-permitted` outside).
 */
export function outcomeOfDriver(result: string, op?: string, mapped: readonly string[] = []): Outcome {
  if (!result.startsWith('word:')) return result;
  const word = result.slice(5);
  const call = op === undefined ? null : probeCall(parseOp(op), op);
  return call === null ? outcomeOfProbe(word) : outcomeOfWord(call, word, mapped);
}

export const browserRunner: Runner = {
  name: 'browser',
  async available() {
    const missing = chromiumMissing();
    if (missing !== null) return missing;
    if (!existsSync(PROBE_PATH)) return `${PROBE_PATH} not built (node dist/scripts/build-guests.js)`;
    return true;
  },
  async run(fixture: Fixture, env: RunEnv) {
    // One browser per fixture: the harness has no teardown hook, and a browser left open
    // would keep the process alive.
    const session = await openSession();
    try {
      const input = driverInput(fixture, env);
      const results = (await session.page.evaluate(async (arg: DriverInput) => {
        const driver = await import(new URL('dist/parity-driver.js', location.href).href);
        return driver.runProbeFixture(arg);
      }, input)) as string[];
      const mapped = Object.keys(fixture.dirs ?? {});
      return results.map((r, i) => {
        const step = fixture.operations[i];
        const op = step !== undefined && !isControl(step) ? substitute(step.op, env) : undefined;
        return outcomeOfDriver(r, op, mapped);
      });
    } finally {
      await session.close();
    }
  },
};

/**
 * Host memory a guest sizes is bounded per call (SPEC section 5, docs/limits.md; issue 14):
 * each guest of memory-guests.ts asks one host call for 1 GiB with 1 MiB of memory, run as
 * `molt-wasm run --max-memory=1M` in a child process; the child's peak RSS must stay within
 * 64 MiB of the same command running hello (preview1 cases against a preview1 hello,
 * component and adapted cases against guest-examples' hello component). Guests run through
 * jco's preview1 adapter get `--max-memory=4M`: the adapter grows the memory for its state. Before the bounds these peaks
 * were 1.1 to 2.5 GiB. No wall-clock bound: only memory and the exit code are asserted.
 *
 * Components are run once before measuring, so the transpile (cached) is not in the peak.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../node-host/helpers.js';
import { MEMORY_CASES, MiB, P1_HELLO, buildCase, componentHello } from './memory-guests.js';
import { mib, runForPeakRss } from './peak-rss.js';

const SLACK = 64 * MiB;
const work = tempDir('molt-host-memory-');
const cache = join(work, 'cache');
const data = join(work, 'data');
mkdirSync(data);

function resetData(): void {
  // A file larger than the guest's memory, so a read could fill every iovec.
  writeFileSync(join(data, 'big'), new Uint8Array(4 * MiB).fill(0x61));
}

function measure(file: string, extra: readonly string[] = [], maxMemory = '1M'): ReturnType<typeof runForPeakRss> {
  resetData();
  return runForPeakRss(work, cache, [`--max-memory=${maxMemory}`, ...extra.map((a) => a.replace('DIR', data)), file]);
}

async function baseline(name: string, bytes: Uint8Array): Promise<number> {
  const file = join(work, `${name}.wasm`);
  writeFileSync(file, bytes);
  measure(file); // warm the transpile cache
  const r = measure(file);
  assert.equal(r.code, 0, r.stderr);
  return r.peakRss;
}

test('guest-sized host allocations keep the peak RSS within 64 MiB of hello (--max-memory=1M)', async (t) => {
  const hello = {
    preview1: await baseline('hello-p1', await buildCase({ kind: 'preview1', wat: P1_HELLO })),
    component: await baseline('hello-component', componentHello()),
  };
  t.diagnostic(`hello: preview1 ${mib(hello.preview1)}, component ${mib(hello.component)}`);
  for (const c of MEMORY_CASES) {
    await t.test(c.what, async () => {
      const file = join(work, `${c.name}.wasm`);
      writeFileSync(file, await buildCase(c));
      if (c.kind !== 'preview1') measure(file, c.cliArgs, c.maxMemory);
      const r = measure(file, c.cliArgs, c.maxMemory);
      t.diagnostic(`${c.name}: peak ${mib(r.peakRss)} (exit ${r.code})`);
      assert.equal(r.code, c.exitAfter, r.stderr);
      const base = hello[c.kind === 'preview1' ? 'preview1' : 'component'];
      const limit = base + SLACK;
      assert.ok(r.peakRss <= limit, `${c.what}: peak RSS ${mib(r.peakRss)} > hello ${mib(base)} + 64 MiB`);
    });
  }
});

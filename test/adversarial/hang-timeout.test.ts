// Models host exhaustion by a guest that never yields (Wasmtime GHSA-852m-cvvp-9p4w class): `(loop br 0)` and a sleep inside a WASI call, stopped by --timeout / timeoutMs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GuestTimeoutError } from '../../host/index.js';
import { REPO, tempDir } from '../node-host/helpers.js';
import { opsGuest, policy, runOps } from './support.js';

test('timeoutMs stops a spinning guest; the host then runs the next guest', async () => {
  const t0 = Date.now();
  const r = await runOps([{ op: 'spin' }], policy({ 'console.write': true }), { timeoutMs: 300 });
  const took = Date.now() - t0;
  assert.equal(r.result.outcome, 'timeout');
  assert.equal(r.result.exitCode, 124);
  assert.ok(r.result.error instanceof GuestTimeoutError);
  assert.equal(r.result.error.message, 'guest timed out after 300 ms');
  // The spin never ends by itself, so `timeout` is the outcome; `took` includes a worker's
  // start-up, so only the lower bound is asserted (the limit is not cut short).
  assert.ok(took >= 290, `stopped after ${took} ms, before the 300 ms limit`);
  const next = await runOps([{ op: 'preopens' }], policy({ 'console.write': true }));
  assert.equal(next.result.outcome, 'returned');
});

test('molt-wasm run --timeout: a spinning guest is stopped, exit 124, one line on stderr', async () => {
  const dir = tempDir('molt-adv-hang-');
  const wasm = join(dir, 'spin.wasm');
  writeFileSync(wasm, await opsGuest([{ op: 'spin' }]));
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'molt-wasm.js'), 'run', '--timeout', '400', wasm], {
    encoding: 'utf8',
    input: '',
    timeout: 20000,
    env: { ...process.env, MOLT_WASM_CACHE_DIR: join(dir, 'cache') },
  });
  assert.equal(r.error, undefined, "stopped by spawnSync's own timeout, not by --timeout");
  assert.equal(r.status, 124, r.stderr);
  assert.equal(r.stderr, 'molt-wasm: guest timed out after 400 ms\n');
  // No elapsed-time bound: it would include Node's start-up; the spin never ends by itself.
});

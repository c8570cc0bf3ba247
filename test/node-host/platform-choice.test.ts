/**
 * The Node host's default platform per guest (host/node/host.ts, core-platform.ts): a
 * preview1 core module that cannot wait (no `poll_oneoff` import) runs on molt-wasm's own
 * small platform, without preview2-shim and its I/O worker; a core module that imports
 * `poll_oneoff` gets the shim's pollables, so a sleep still sleeps. Both print, read the
 * clocks and random bytes the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import wabtInit from 'wabt';
import { createHost } from '../../host/node/index.js';
import { coreModuleNeedsPolling } from '../../host/node/core-platform.js';
import { capture, policy } from './helpers.js';

const WRITE = '(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))';
const CLOCK = '(import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))';
const RANDOM = '(import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))';
const POLL = '(import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))';

/** Writes the 3 bytes at 300 ("ok\n") to stdout when `$check` left 0 at 400. */
function module(imports: string[], body: string): string {
  return `(module
  ${imports.join('\n  ')}
  (memory (export "memory") 1)
  (data (i32.const 300) "ok\\n")
  (func (export "_start")
    ${body}
    (if (i32.eqz (i32.load (i32.const 400)))
      (then
        (i32.store (i32.const 200) (i32.const 300))
        (i32.store (i32.const 204) (i32.const 3))
        (drop (call $fd_write (i32.const 1) (i32.const 200) (i32.const 1) (i32.const 208)))))))`;
}

/** Reads both clocks (errno summed into 400) and 16 random bytes; the clocks must move. */
const CLOCKS_AND_RANDOM = `
    (i32.store (i32.const 400) (i32.add (call $clock (i32.const 1) (i64.const 1) (i32.const 0)) (call $clock (i32.const 0) (i64.const 1) (i32.const 8))))
    (i32.store (i32.const 400) (i32.add (i32.load (i32.const 400)) (call $random (i32.const 16) (i32.const 16))))
    (if (i64.eqz (i64.load (i32.const 0))) (then (i32.store (i32.const 400) (i32.const 99))))
    (if (i64.eqz (i64.load (i32.const 8))) (then (i32.store (i32.const 400) (i32.const 98))))`;

/** poll_oneoff on one relative monotonic-clock subscription of 20 ms; errno into 400. */
const SLEEP = `
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 20000000))
    (i32.store16 (i32.const 40) (i32.const 0))
    (i32.store (i32.const 400) (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))`;

async function wasm(wat: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const parsed = wabt.parseWat('guest.wat', wat);
  try {
    return new Uint8Array(parsed.toBinary({}).buffer);
  } finally {
    parsed.destroy();
  }
}

test('coreModuleNeedsPolling: true exactly when the module imports poll_oneoff', async () => {
  assert.equal(coreModuleNeedsPolling(await wasm(module([WRITE], ''))), false);
  assert.equal(coreModuleNeedsPolling(await wasm(module([WRITE, CLOCK, RANDOM], CLOCKS_AND_RANDOM))), false);
  assert.equal(coreModuleNeedsPolling(await wasm(module([WRITE, POLL], SLEEP))), true);
});

test('a core module without poll_oneoff prints, reads both clocks and random bytes (no shim)', async () => {
  const out = capture();
  const r = await createHost().run(await wasm(module([WRITE, CLOCK, RANDOM], CLOCKS_AND_RANDOM)), {
    manifest: policy({ 'console.write': true, time: true }),
    stdout: out.sink,
  });
  assert.equal(r.outcome, 'returned', String(r.error));
  assert.equal(out.text(), 'ok\n');
});

test('a core module that imports poll_oneoff sleeps on a clock subscription (the shim platform)', async () => {
  const out = capture();
  const t0 = process.hrtime.bigint();
  const r = await createHost().run(await wasm(module([WRITE, POLL], SLEEP)), {
    manifest: policy({ 'console.write': true, time: true }),
    stdout: out.sink,
  });
  const sleptNs = process.hrtime.bigint() - t0;
  assert.equal(r.outcome, 'returned', String(r.error));
  assert.equal(out.text(), 'ok\n');
  // A lower bound only (the subscription is 20 ms): the machine may be slow, never fast.
  assert.ok(sleptNs >= 20_000_000n, `poll_oneoff returned after ${sleptNs} ns`);
});

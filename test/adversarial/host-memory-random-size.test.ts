/**
 * Trick: random bytes sized by the guest, allocated before anything checks them.
 * `get-random-bytes(len)` must return exactly `len` bytes, so the platform allocates them
 * before jco asks the guest's `cabi_realloc` for room; preview1 `random_get(buf, len)` asked
 * the platform for `len` bytes before checking `buf+len` against guest memory (molt-wasm
 * before issue 14: 1.1 GiB peak RSS and seconds of CPU for `random_get(0, 1 GiB)` from a guest
 * with 1 MiB). Models Wasmtime GHSA-852m-cvvp-9p4w / GHSA-243v-98vx-264h (guest-controlled
 * host resource exhaustion; Wasmtime's fix added `-Smax-random-size`).
 *
 * Bounds: wasi:random get-(insecure-)random-bytes past RANDOM_BYTES_MAX (1 MiB) traps
 * (host/gate/random.ts); random_get checks its range first and asks the platform for at most
 * RANDOM_CHUNK (64 KiB) at a time, writing each piece straight into guest memory
 * (host/preview1/process-functions.ts). Each test fails when its bound is removed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostLimitTrap, RANDOM_BYTES_MAX } from '../../host/gate/index.js';
import { RANDOM_CHUNK } from '../../host/preview1/process-functions.js';
import { MiB, call, gatedStreams, preview1Over } from './host-memory-support.js';

test('get-random-bytes and get-insecure-random-bytes past 1 MiB trap; up to it they answer in full', () => {
  const { random, insecure } = gatedStreams();
  const big = 64n * BigInt(MiB);
  assert.throws(
    () => random.getRandomBytes(big),
    (e: unknown) => e instanceof HostLimitTrap && /get-random-bytes: 67108864 bytes asked, at most 1048576/.test(e.message),
  );
  assert.throws(
    () => insecure.getInsecureRandomBytes(big),
    (e: unknown) => e instanceof HostLimitTrap && /get-insecure-random-bytes/.test(e.message),
  );
  assert.equal((random.getRandomBytes(BigInt(RANDOM_BYTES_MAX)) as Uint8Array).length, RANDOM_BYTES_MAX);
  assert.equal((insecure.getInsecureRandomBytes(16n) as Uint8Array).length, 16);
  // The other members pass through.
  assert.equal(typeof random.getRandomU64(), 'bigint');
});

test('random_get(0, 1 GiB) with 1 MiB of memory traps without asking the platform for a byte', () => {
  const { p1, asked } = preview1Over();
  assert.throws(() => call(p1, 'random_get', 0, 0x40000000), WebAssembly.RuntimeError);
  assert.deepEqual(asked.randomBytes.lengths, []);
});

test('random_get(0, 1 MiB) fills the memory 64 KiB at a time', () => {
  const { p1, memory, asked } = preview1Over();
  assert.equal(call(p1, 'random_get', 0, MiB), 0);
  assert.equal(asked.randomBytes.total, MiB);
  assert.equal(asked.randomBytes.largest, RANDOM_CHUNK);
  assert.equal(memory.buffer.byteLength, MiB);
});

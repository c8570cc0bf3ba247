/**
 * Trick: a length that is not memory. `output-stream.write-zeroes(len)` and
 * `blocking-write-zeroes-and-flush(len)` take a u64, not bytes from the guest: a host that
 * builds `new Uint8Array(len)` (and copies it once more for the sink) allocates whatever the
 * guest names (molt-wasm before issue 14: 2.1 GiB peak RSS for 1 GiB of zeroes from a guest
 * with 1 MiB of memory). Models Wasmtime GHSA-852m-cvvp-9p4w (guest-controlled host resource
 * exhaustion in WASI implementations; companion advisory GHSA-243v-98vx-264h).
 *
 * Bounds (host/gate/cli.ts, host/gate/host-limits.ts): `check-write` permits 64 KiB and a
 * `write` or `write-zeroes` past it traps (the WIT's contract: "otherwise, this function will
 * trap"); the blocking zero fill is handed to the sink in pieces of at most 64 KiB. Each test
 * fails when its bound is removed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostLimitTrap, STREAM_CHUNK, STREAM_WRITE_PERMIT } from '../../host/gate/index.js';
import { MiB, gatedStreams } from './host-memory-support.js';

test('check-write permits 64 KiB; write-zeroes past it traps before anything is allocated or written', () => {
  const { stdout, written } = gatedStreams();
  assert.equal(stdout.checkWrite(), BigInt(STREAM_WRITE_PERMIT));
  assert.throws(
    () => stdout.writeZeroes(64n * BigInt(MiB)),
    (e: unknown) => {
      assert.ok(e instanceof HostLimitTrap && e instanceof WebAssembly.RuntimeError);
      assert.equal(e.requested, 64n * BigInt(MiB));
      assert.match(e.message, /write-zeroes: 67108864 bytes asked, at most 65536 per call/);
      return true;
    },
  );
  assert.equal(written.total, 0);
  stdout.writeZeroes(BigInt(STREAM_WRITE_PERMIT));
  assert.equal(written.total, STREAM_WRITE_PERMIT);
});

test("write past check-write traps (the bytes are the guest's, the contract is the WIT's)", () => {
  const { stdout, written } = gatedStreams();
  assert.throws(() => stdout.write(new Uint8Array(STREAM_WRITE_PERMIT + 1)), HostLimitTrap);
  assert.equal(written.total, 0);
});

test('blocking-write-zeroes-and-flush of 64 MiB reaches the sink in pieces of at most 64 KiB', () => {
  const { stdout, written } = gatedStreams();
  stdout.blockingWriteZeroesAndFlush(64n * BigInt(MiB));
  assert.equal(written.total, 64 * MiB);
  assert.equal(written.largest, STREAM_CHUNK);
  assert.equal(written.lengths.length, (64 * MiB) / STREAM_CHUNK);
});

test('blocking-write-and-flush of a large buffer reaches the sink in pieces of at most 64 KiB', () => {
  const { stdout, written } = gatedStreams();
  stdout.blockingWriteAndFlush(new Uint8Array(MiB + 1));
  assert.equal(written.total, MiB + 1);
  assert.ok(written.largest <= STREAM_CHUNK);
});

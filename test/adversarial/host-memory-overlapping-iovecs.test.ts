/**
 * Trick: one preview1 call whose iovecs all overlap the guest's whole memory. 1024 iovecs of
 * {buf 0, len 1 MiB} name 1 GiB while the guest has 1 MiB: a host that gathers the iovecs into
 * one buffer (fd_write, fd_pwrite) or sizes one read by their total (fd_read, fd_pread)
 * allocates 1 GiB per call (molt-wasm before issue 14: 1.1 GiB peak RSS for fd_write, 2.1 GiB
 * for fd_read). Models Wasmtime GHSA-852m-cvvp-9p4w (guest-controlled host resource
 * exhaustion in WASI implementations; companion advisory GHSA-243v-98vx-264h, both fixed by
 * bounding what one host call may copy).
 *
 * Bound (host/preview1/fd-functions.ts): iovecs are moved in pieces of at most IO_CHUNK
 * (64 KiB), and one call moves at most the guest's memory size. Each test fails when either
 * bound is removed: the largest piece asked of the 0.2 layer, or the total, goes past it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IO_CHUNK } from '../../host/preview1/fd-functions.js';
import { MiB, call, overlappingIovecs, preview1Over } from './host-memory-support.js';

const IOVS = 0x80000;
const OUT = 0x7fff0;
const NAME = 0x7ff00;
const RIGHTS = (1n << 1n) | (1n << 6n); // fd_read | fd_write

function openBig(p1: ReturnType<typeof preview1Over>['p1'], memory: WebAssembly.Memory): number {
  new Uint8Array(memory.buffer).set(new TextEncoder().encode('big'), NAME);
  assert.equal(call(p1, 'path_open', 3, 0, NAME, 3, 0, RIGHTS, 0n, 0, OUT), 0);
  return new DataView(memory.buffer).getUint32(OUT, true);
}

const moved = (memory: WebAssembly.Memory) => new DataView(memory.buffer).getUint32(OUT, true);

test('fd_write(stdout) of 1024 overlapping 1 MiB iovecs writes at most 1 MiB, 64 KiB at a time', () => {
  const { p1, memory, asked } = preview1Over();
  overlappingIovecs(memory, IOVS, 1024);
  assert.equal(call(p1, 'fd_write', 1, IOVS, 1024, OUT), 0);
  assert.equal(moved(memory), MiB, 'a short write of the memory size');
  assert.equal(asked.stdoutWrites.total, MiB);
  assert.ok(asked.stdoutWrites.largest <= IO_CHUNK);
});

for (const fn of ['fd_write', 'fd_pwrite'] as const) {
  test(`${fn}(file) of 1024 overlapping 1 MiB iovecs hands the file at most 1 MiB, in pieces of 64 KiB`, () => {
    const { p1, memory, asked } = preview1Over();
    const fd = openBig(p1, memory);
    overlappingIovecs(memory, IOVS, 1024);
    const args = fn === 'fd_write' ? [fd, IOVS, 1024, OUT] : [fd, IOVS, 1024, 0n, OUT];
    assert.equal(call(p1, fn, ...args), 0);
    assert.equal(moved(memory), MiB);
    assert.equal(asked.fileWrites.total, MiB);
    assert.ok(asked.fileWrites.largest <= IO_CHUNK, `largest write ${asked.fileWrites.largest}`);
  });
}

for (const fn of ['fd_read', 'fd_pread'] as const) {
  test(`${fn}(file) into 1024 overlapping 1 MiB iovecs asks at most 64 KiB per read and 1 MiB per call`, () => {
    const { p1, memory, asked } = preview1Over(8 * MiB);
    const fd = openBig(p1, memory);
    overlappingIovecs(memory, IOVS, 1024);
    const args = fn === 'fd_read' ? [fd, IOVS, 1024, OUT] : [fd, IOVS, 1024, 0n, OUT];
    assert.equal(call(p1, fn, ...args), 0);
    assert.equal(moved(memory), MiB);
    assert.equal(asked.fileReads.total, MiB);
    assert.ok(asked.fileReads.largest <= IO_CHUNK, `largest read ${asked.fileReads.largest}`);
  });
}

test('a short file ends the read at its end: iovecs after it are not read', () => {
  const { p1, memory, asked } = preview1Over(100 * 1024);
  const fd = openBig(p1, memory);
  overlappingIovecs(memory, IOVS, 1024);
  assert.equal(call(p1, 'fd_read', fd, IOVS, 1024, OUT), 0);
  assert.equal(moved(memory), 100 * 1024);
  assert.deepEqual(asked.fileReads.lengths, [IO_CHUNK, IO_CHUNK], 'the second piece came back short');
});

test('an iovec array or buffer outside memory traps before any I/O', () => {
  const { p1, memory, asked } = preview1Over();
  overlappingIovecs(memory, IOVS, 2);
  // The second iovec points past the end of memory: nothing of the first may be written.
  new DataView(memory.buffer).setUint32(IOVS + 8, MiB - 10, true);
  assert.throws(() => call(p1, 'fd_write', 1, IOVS, 2, OUT), WebAssembly.RuntimeError);
  // A count past IOV_MAX (host-cpu-iovec-count) still checks the first 1024: the second traps.
  assert.throws(() => call(p1, 'fd_write', 1, IOVS, 0x7fffffff, OUT), WebAssembly.RuntimeError);
  assert.equal(asked.stdoutWrites.total, 0);
});

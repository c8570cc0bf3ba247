/**
 * Trick: a preview1 read or write naming a huge number of iovecs. Every iovec is
 * bounds-checked before any I/O (so an out-of-bounds one traps before anything moves), which
 * made the host's work per call grow with the count the guest names: a 4 GiB guest naming
 * 512 Mi iovecs kept one fd_write checking for about 45 s (measured at issue 17's second stop;
 * only --timeout ended it). Models Wasmtime GHSA-852m-cvvp-9p4w's class (guest-controlled host
 * resource use per WASI call), here CPU rather than memory.
 *
 * Bound (host/preview1/fd-functions.ts IOV_MAX): a call looks at the first 1024 iovecs (Linux's
 * IOV_MAX) and no further; past them it is a short count, which POSIX readv/writev and
 * Wasmtime's preview1 (first non-empty iovec only) allow. The tests put an iovec that would trap
 * just past the 1024th: a host that still checks every iovec the guest names traps, so each
 * test fails when the bound is removed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IOV_MAX } from '../../host/preview1/fd-functions.js';
import { MiB, call, preview1Over } from './host-memory-support.js';

const IOVS = 0x80000;
const OUT = 0x7fff0;

/** IOV_MAX iovecs of one byte each, then one pointing past the end of memory. */
function iovecsThenOneOutOfBounds(memory: WebAssembly.Memory): void {
  const view = new DataView(memory.buffer);
  for (let i = 0; i < IOV_MAX; i++) {
    view.setUint32(IOVS + i * 8, 0x1000 + i, true);
    view.setUint32(IOVS + i * 8 + 4, 1, true);
  }
  view.setUint32(IOVS + IOV_MAX * 8, MiB - 1, true);
  view.setUint32(IOVS + IOV_MAX * 8 + 4, 4096, true);
}

test('IOV_MAX is 1024, as on Linux', () => assert.equal(IOV_MAX, 1024));

for (const count of [IOV_MAX + 1, 0x7fffffff, 0xffffffff]) {
  test(`fd_write(stdout) naming ${count} iovecs looks at the first ${IOV_MAX} only: a short write`, () => {
    const { p1, memory, asked } = preview1Over();
    iovecsThenOneOutOfBounds(memory);
    assert.equal(call(p1, 'fd_write', 1, IOVS, count, OUT), 0);
    assert.equal(new DataView(memory.buffer).getUint32(OUT, true), IOV_MAX, 'one byte from each of the first 1024');
    assert.equal(asked.stdoutWrites.total, IOV_MAX);
  });
}

test(`fd_read(stdin) naming 2^32-1 iovecs, the first ${IOV_MAX} empty, reads nothing and checks no further`, () => {
  const { p1, memory } = preview1Over();
  iovecsThenOneOutOfBounds(memory);
  const view = new DataView(memory.buffer);
  for (let i = 0; i < IOV_MAX; i++) view.setUint32(IOVS + i * 8 + 4, 0, true);
  assert.equal(call(p1, 'fd_read', 0, IOVS, 0xffffffff, OUT), 0);
  assert.equal(view.getUint32(OUT, true), 0);
});

test('an out-of-bounds iovec among the first 1024 still traps before any I/O', () => {
  const { p1, memory, asked } = preview1Over();
  iovecsThenOneOutOfBounds(memory);
  new DataView(memory.buffer).setUint32(IOVS + (IOV_MAX - 1) * 8, MiB - 1, true);
  new DataView(memory.buffer).setUint32(IOVS + (IOV_MAX - 1) * 8 + 4, 2, true);
  assert.throws(() => call(p1, 'fd_write', 1, IOVS, 0xffffffff, OUT), WebAssembly.RuntimeError);
  assert.equal(asked.stdoutWrites.total, 0);
});

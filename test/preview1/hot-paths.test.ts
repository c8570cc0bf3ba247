/**
 * The preview1 layer's hot paths keep state between calls to avoid per-call allocation
 * (host/preview1/memory.ts keeps the memory's views, fd-table.ts keeps free numbers in order,
 * fd_fdstat_get keeps a file's type and sync flags). These cases pin what must still hold:
 * after the guest grows its memory, the next call writes into the new buffer (also below the
 * old end); descriptor numbers follow Wasmtime's rule (the highest freed first); fdstat still
 * reports flags changed after open.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { Errno, type WasiImportObject } from '../../host/preview1/index.js';
import { double } from '../support/test-double.js';
import { instantiateGuest } from './wat-guest.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function shimWasi() {
  const dir = mkdtempSync(join(tmpdir(), 'molt-p1-hot-'));
  dirs.push(dir);
  for (const n of ['a', 'b', 'c', 'd']) writeFileSync(join(dir, n), n.repeat(8));
  const shim = new WASIShim({ sandbox: { preopens: { data: dir }, env: {}, args: ['prog'] } });
  const wasi = double<WasiImportObject>(shim.getImportObject());
  return { wasi, dir };
}

const READ = 1n << 1n;

test('after memory.grow, the next call writes into the new buffer, below the old end too', async () => {
  const { wasi } = shimWasi();
  const g = await instantiateGuest(wasi);
  assert.equal(g.exports.clock_time_get(1, 0n, 64), 0); // views made over the first buffer
  assert.equal(g.exports.grow(1), 1);
  g.view().setBigUint64(128, 0n, true);
  assert.equal(g.exports.clock_time_get(1, 0n, 128), 0);
  assert.notEqual(g.view().getBigUint64(128, true), 0n, 'written where the guest now sees it');
  assert.equal(g.exports.clock_time_get(1, 0n, 65536 + 64), 0);
  assert.notEqual(g.view().getBigUint64(65536 + 64, true), 0n);
  assert.throws(() => g.exports.clock_time_get(1, 0n, 2 * 65536), WebAssembly.RuntimeError);
});

test('descriptor numbers: the highest freed number is taken first, then one past the highest', async () => {
  const { wasi } = shimWasi();
  const g = await instantiateGuest(wasi);
  const open = (name: string): number => {
    g.put(500, name);
    assert.equal(g.exports.path_open(3, 0, 500, 1, 0, READ, 0n, 0, 600), 0);
    return g.view().getUint32(600, true);
  };
  assert.deepEqual(['a', 'b', 'c', 'd'].map(open), [4, 5, 6, 7]);
  assert.equal(g.exports.fd_close(5), 0);
  assert.equal(g.exports.fd_close(4), 0);
  assert.equal(g.exports.fd_close(6), 0);
  assert.deepEqual(['a', 'b', 'c', 'd'].map(open), [6, 5, 4, 8]);
  // renumber frees `from`; it is the next number handed out.
  assert.equal(g.exports.fd_renumber(8, 4), 0);
  assert.equal(open('a'), 8);
  assert.equal(g.exports.fd_close(8), 0);
  assert.equal(g.exports.fd_close(8), Errno.badf);
});

test('fd_fdstat_get reports the file type and flags set after open (append, nonblock)', async () => {
  const { wasi } = shimWasi();
  const g = await instantiateGuest(wasi);
  g.put(500, 'a');
  assert.equal(g.exports.path_open(3, 0, 500, 1, 0, READ, 0n, 0, 600), 0);
  const fd = g.view().getUint32(600, true);
  assert.equal(g.exports.fd_fdstat_get(fd, 704), 0);
  assert.equal(g.view().getUint8(704), 4, 'regular file');
  assert.equal(g.view().getUint16(706, true), 0);
  assert.equal(g.exports.fd_fdstat_set_flags(fd, 1 | 4), 0);
  assert.equal(g.exports.fd_fdstat_get(fd, 704), 0);
  assert.equal(g.view().getUint8(704), 4);
  assert.equal(g.view().getUint16(706, true), 1 | 4);
});

/**
 * The preview1 layer's hot paths keep state between calls to avoid per-call allocation
 * (host/preview1/memory.ts keeps the memory's views, fd-table.ts keeps free numbers in order,
 * fd_fdstat_get keeps a file's type and sync flags). These cases pin what must still hold:
 * after the guest grows its memory, the next call writes into the new buffer (also below the
 * old end); descriptor numbers follow Wasmtime's rule (the highest freed first); fdstat still
 * reports flags changed after open.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { Errno, type WasiImportObject } from '../../host/preview1/index.js';
import { createGatedWasi } from '../../host/gate/index.js';
import { nodePlatform } from '../../host/node/platform.js';
import { PolicyEngine } from '../../host/policy/index.js';
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

/** molt-wasm's own gated filesystem on Node (not the shim): a read grant on /data. */
function gatedWasi() {
  const dir = mkdtempSync(join(tmpdir(), 'molt-p1-lazy-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'x'), 'x');
  writeFileSync(join(dir, 'empty'), '');
  writeFileSync(join(dir, 'a'), 'aaaaaaaa');
  const engine = new PolicyEngine();
  const subject = engine.createSubject({ version: 1, allow: { 'fs.read': ['/data'] }, deny: {} });
  return createGatedWasi({ engine, subject, platform: nodePlatform, preopens: [{ guest: '/data', host: dir }] });
}

// path_open without O_DIRECTORY does not ask the new descriptor's type (an fstat): the
// table asks when something needs it. These pin that a directory opened that way is still
// a directory to every call, and that reads of files and directories answer as before.
test('a directory opened without O_DIRECTORY is a directory to fdstat, readdir and read', async () => {
  const g = await instantiateGuest(gatedWasi());
  const open = (name: string): number => {
    g.put(500, name);
    assert.equal(g.exports.path_open(3, 0, 500, name.length, 0, READ | (1n << 14n), 0n, 0, 600), 0, name);
    return g.view().getUint32(600, true);
  };
  const iov = (fd: number): number => {
    g.view().setUint32(800, 1024, true);
    g.view().setUint32(804, 16, true);
    return g.exports.fd_read(fd, 800, 1, 808);
  };
  // fdstat first: the type is asked there.
  const sub1 = open('sub');
  assert.equal(g.exports.fd_fdstat_get(sub1, 704), 0);
  assert.equal(g.view().getUint8(704), 3, 'directory');
  assert.equal(g.exports.fd_readdir(sub1, 1024, 256, 0n, 900), 0);
  assert.ok(g.view().getUint32(900, true) > 0, 'entries listed');
  // read first: EBADF as for any directory, and a directory afterwards.
  const sub2 = open('sub');
  assert.equal(iov(sub2), Errno.badf);
  assert.equal(g.exports.fd_fdstat_get(sub2, 704), 0);
  assert.equal(g.view().getUint8(704), 3, 'directory after a refused read');
  // A path open of a name beneath it works (it is a directory entry now).
  g.put(500, 'x');
  assert.equal(g.exports.path_open(sub2, 0, 500, 1, 0, READ, 0n, 0, 600), 0);
  // A file: read gives its bytes; an empty file reads 0 and is still a regular file.
  const a = open('a');
  assert.equal(iov(a), 0);
  assert.equal(g.view().getUint32(808, true), 8);
  assert.equal(g.exports.fd_fdstat_get(a, 704), 0);
  assert.equal(g.view().getUint8(704), 4, 'regular file');
  const empty = open('empty');
  assert.equal(iov(empty), 0);
  assert.equal(g.view().getUint32(808, true), 0);
  assert.equal(g.exports.fd_fdstat_get(empty, 704), 0);
  assert.equal(g.view().getUint8(704), 4, 'regular file');
  // A directory read with no buffer at all is EBADF too, not "0 bytes".
  const sub3 = open('sub');
  g.view().setUint32(804, 0, true);
  assert.equal(g.exports.fd_read(sub3, 800, 1, 808), Errno.badf);
  for (const fd of [sub1, sub2, a, empty, sub3]) assert.equal(g.exports.fd_close(fd), 0);
});

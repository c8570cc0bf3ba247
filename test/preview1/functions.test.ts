import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { Errno, Preview1Exit, runPreview1Start } from '../../host/preview1/index.js';
// Test doubles built on the shim's import object: loosely typed, as the doubles they are.
import type { WasiInterface as WasiImportObject } from '../support/test-double.js';
import { instantiateGuest } from './wat-guest.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The ungated shim with a preopen, args and env, stdout captured instead of printed. */
function shimWasi(opts: { preopen?: boolean; args?: string[]; env?: Record<string, string> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'molt-p1-'));
  dirs.push(dir);
  const shim = new WASIShim({
    sandbox: { preopens: opts.preopen === false ? {} : { data: dir }, env: opts.env ?? {}, args: opts.args ?? ['prog'] },
  });
  const written: Uint8Array[] = [];
  const wasi: WasiImportObject = {
    ...shim.getImportObject(),
    'wasi:cli/stdout': { getStdout: () => ({ blockingWriteAndFlush: (b: Uint8Array) => void written.push(b.slice()) }) },
  };
  return { wasi, dir, stdout: () => Buffer.concat(written).toString('utf8') };
}

test('fd_write gathers every ciovec to stdout and reports the byte count', async () => {
  const { wasi, stdout } = shimWasi();
  const g = await instantiateGuest(wasi);
  g.put(100, 'hello ');
  g.put(200, 'world');
  const v = g.view();
  v.setUint32(0, 100, true);
  v.setUint32(4, 6, true);
  v.setUint32(8, 200, true);
  v.setUint32(12, 5, true);
  assert.equal(g.exports.fd_write(1, 0, 2, 300), Errno.success);
  assert.equal(g.view().getUint32(300, true), 11);
  assert.equal(stdout(), 'hello world');
  assert.equal(g.exports.fd_write(99, 0, 2, 300), Errno.badf);
});

test('args_sizes_get and args_get lay out NUL-terminated UTF-8 strings', async () => {
  const { wasi } = shimWasi({ args: ['prog', 'é', 'two words'] });
  const g = await instantiateGuest(wasi);
  assert.equal(g.exports.args_sizes_get(0, 4), 0);
  assert.equal(g.view().getUint32(0, true), 3);
  const size = g.view().getUint32(4, true);
  assert.equal(size, 5 + 3 + 10);
  assert.equal(g.exports.args_get(16, 64), 0);
  const ptrs = [0, 1, 2].map((i) => g.view().getUint32(16 + i * 4, true));
  assert.deepEqual(ptrs, [64, 69, 72]);
  assert.equal(Buffer.from(g.bytes(64, size)).toString('utf8'), 'prog\0é\0two words\0');
});

test('proc_exit keeps the exact code: Preview1Exit without exit-with-code', async () => {
  const { wasi } = shimWasi();
  const g = await instantiateGuest({
    ...wasi,
    'wasi:cli/exit': {
      exit() {
        throw new Error('not this one');
      },
    },
  });
  assert.equal(runPreview1Start(g.instance, g.p1), 33);
  assert.throws(
    () => g.exports.proc_exit(200),
    (e: unknown) => e instanceof Preview1Exit && e.code === 200,
  );
});

test('proc_exit calls exit-with-code when the 0.2 layer has it, and its signal propagates', async () => {
  const { wasi } = shimWasi();
  class HostExit extends Error {}
  const seen: number[] = [];
  const g = await instantiateGuest({
    ...wasi,
    'wasi:cli/exit': {
      exitWithCode(code: number) {
        seen.push(code);
        throw new HostExit(String(code));
      },
    },
  });
  assert.throws(() => g.exports.proc_exit(33), HostExit);
  assert.deepEqual(seen, [33]);
});

test('a trap thrown by the 0.2 layer (denied clock) propagates unchanged', async () => {
  const { wasi } = shimWasi();
  const trap = new WebAssembly.RuntimeError('capability time denied');
  const g = await instantiateGuest({
    ...wasi,
    'wasi:clocks/wall-clock': {
      now() {
        throw trap;
      },
    },
  });
  assert.throws(
    () => g.exports.clock_time_get(0, 1n, 8),
    (e: unknown) => e === trap,
  );
  // The monotonic clock is untouched and works.
  assert.equal(g.exports.clock_time_get(1, 1n, 8), 0);
  assert.ok(g.view().getBigUint64(8, true) > 0n);
});

test('error-code strings from the 0.2 layer become errno values', async () => {
  const { wasi } = shimWasi();
  const calls: string[] = [];
  const fakeDir = {
    openAt(_f: unknown, path: string) {
      calls.push(path);
      throw path === 'secret' ? 'access' : 'no-entry';
    },
  };
  const g = await instantiateGuest({ ...wasi, 'wasi:filesystem/preopens': { getDirectories: () => [[fakeDir, '/']] } });
  g.put(500, 'secret');
  assert.equal(g.exports.path_open(3, 0, 500, 6, 0, 0n, 0n, 0, 600), Errno.acces);
  g.put(500, 'nothere');
  assert.equal(g.exports.path_open(3, 0, 500, 7, 0, 0n, 0n, 0, 600), Errno.noent);
  assert.deepEqual(calls, ['secret', 'nothere']);
  g.put(500, 'a\0b');
  assert.equal(g.exports.path_open(3, 0, 500, 3, 0, 0n, 0n, 0, 600), Errno.inval, 'NUL in a path');
  assert.equal(calls.length, 2, 'an invalid path never reaches the 0.2 layer');
});

test('no preopen listed by the 0.2 layer: fd_prestat_get is EBADF', async () => {
  const { wasi } = shimWasi({ preopen: false });
  const g = await instantiateGuest(wasi);
  assert.equal(g.exports.fd_prestat_get(3, 0), Errno.badf);
});

test('preopen, create, write, seek, read back, readdir on a real directory', async () => {
  const { wasi, dir } = shimWasi();
  writeFileSync(join(dir, 'existing.txt'), 'abc');
  const g = await instantiateGuest(wasi);
  assert.equal(g.exports.fd_prestat_get(3, 0), 0);
  assert.equal(g.view().getUint32(4, true), 4);
  assert.equal(g.exports.fd_prestat_dir_name(3, 16, 4), 0);
  assert.equal(Buffer.from(g.bytes(16, 4)).toString(), 'data');
  assert.equal(g.exports.fd_prestat_dir_name(3, 16, 3), Errno.nametoolong);

  g.put(500, 'new.txt');
  const rights = (1n << 1n) | (1n << 6n) | (1n << 2n); // fd_read | fd_write | fd_seek
  assert.equal(g.exports.path_open(3, 0, 500, 7, 1 /* creat */, rights, 0n, 0, 600), 0);
  const fd = g.view().getUint32(600, true);
  assert.equal(fd, 4);
  g.put(1000, 'preview1 on 0.2');
  g.view().setUint32(700, 1000, true);
  g.view().setUint32(704, 15, true);
  assert.equal(g.exports.fd_write(fd, 700, 1, 708), 0);
  assert.equal(readFileSync(join(dir, 'new.txt'), 'utf8'), 'preview1 on 0.2');

  assert.equal(g.exports.fd_seek(fd, -4n, 1 /* cur */, 720), 0);
  assert.equal(g.view().getBigUint64(720, true), 11n);
  assert.equal(g.exports.fd_seek(fd, -100n, 1, 720), Errno.inval);
  g.view().setUint32(700, 2000, true);
  g.view().setUint32(704, 64, true);
  assert.equal(g.exports.fd_read(fd, 700, 1, 708), 0);
  assert.equal(g.view().getUint32(708, true), 4);
  assert.equal(Buffer.from(g.bytes(2000, 4)).toString(), ' 0.2');

  assert.equal(g.exports.fd_readdir(3, 4096, 4096, 0n, 720), 0);
  const used = g.view().getUint32(720, true);
  const names: string[] = [];
  for (let at = 4096; at < 4096 + used;) {
    const len = g.view().getUint32(at + 16, true);
    names.push(Buffer.from(g.bytes(at + 24, len)).toString());
    at += 24 + len;
  }
  assert.deepEqual(names.sort(), ['.', '..', 'existing.txt', 'new.txt']);

  // Stdio cannot seek; closed fds are gone.
  assert.equal(g.exports.fd_seek(1, 0n, 0, 720), Errno.spipe);
  assert.equal(g.exports.fd_close(fd), 0);
  assert.equal(g.exports.fd_close(fd), Errno.badf);
});

test('dropped rights stick: fd_write then fails, and rights cannot grow back', async () => {
  const { wasi, dir } = shimWasi();
  const g = await instantiateGuest(wasi);
  g.put(500, 'r.txt');
  const rw = (1n << 1n) | (1n << 6n);
  assert.equal(g.exports.path_open(3, 0, 500, 5, 1, rw, 0n, 0, 600), 0);
  const fd = g.view().getUint32(600, true);
  assert.equal(g.exports.fd_fdstat_set_rights(fd, 1n << 1n, 0n), 0);
  assert.equal(g.exports.fd_fdstat_get(fd, 800), 0);
  assert.equal(g.view().getBigUint64(808, true), 1n << 1n);
  g.put(1000, 'x');
  g.view().setUint32(700, 1000, true);
  g.view().setUint32(704, 1, true);
  assert.equal(g.exports.fd_write(fd, 700, 1, 708), Errno.badf);
  assert.equal(readFileSync(join(dir, 'r.txt'), 'utf8'), '');
  assert.equal(g.exports.fd_fdstat_set_rights(fd, rw, 0n), Errno.notcapable);
});

test('memory grown by the guest between calls is seen by the next call', async () => {
  const { wasi, stdout } = shimWasi();
  const g = await instantiateGuest(wasi);
  assert.equal(g.exports.grow(1), 1);
  const high = 65536 + 100;
  g.put(high, 'grown');
  g.view().setUint32(high + 16, high, true);
  g.view().setUint32(high + 20, 5, true);
  assert.equal(g.exports.fd_write(1, high + 16, 1, high + 24), 0);
  assert.equal(stdout(), 'grown');
  assert.throws(() => g.exports.fd_write(1, 3 * 65536, 1, 0), WebAssembly.RuntimeError, 'out of bounds traps');
});

test('poll_oneoff: a relative monotonic timeout fires; zero subscriptions is EINVAL', async () => {
  const { wasi } = shimWasi();
  const g = await instantiateGuest(wasi);
  const v = g.view();
  v.setBigUint64(0, 0xabcn, true); // userdata
  v.setUint8(8, 0); // clock
  v.setUint32(16, 1, true); // monotonic
  v.setBigUint64(24, 5_000_000n, true); // 5 ms
  const t0 = process.hrtime.bigint();
  assert.equal(g.exports.poll_oneoff(0, 104, 1, 200), 0);
  assert.ok(process.hrtime.bigint() - t0 >= 4_000_000n, 'waited for the timeout');
  assert.equal(g.view().getUint32(200, true), 1);
  assert.equal(g.view().getBigUint64(104, true), 0xabcn);
  assert.equal(g.view().getUint8(114), 0, 'event type clock');
  assert.equal(g.exports.poll_oneoff(0, 104, 0, 200), Errno.inval);
  assert.throws(() => g.exports.poll_oneoff(0, 100, 1, 200), WebAssembly.RuntimeError, 'misaligned events trap');
});

test('sockets: a valid non-socket fd is ENOTSOCK, an unknown fd EBADF', async () => {
  const { wasi } = shimWasi();
  const g = await instantiateGuest(wasi);
  assert.equal(g.exports.sock_shutdown(1, 0), Errno.notsock);
  assert.equal(g.exports.sock_shutdown(77, 0), Errno.badf);
});

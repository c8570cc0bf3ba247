/**
 * Trick: read a large directory through preview1 fd_readdir with a tiny buffer. Each call
 * passes back the cookie of the last entry it took; a host that lists the whole directory
 * again on every call (molt-wasm before issue 17's third stop) does O(N) work per call and
 * O(N^2) for the listing: a directory of 100 000 names read 40 bytes at a time is ~5e9 entry
 * reads of host CPU for one `ls`, with nothing but fs.read on one directory. Models the class
 * of Wasmtime GHSA-852m-cvvp-9p4w (guest-controlled host resource use per WASI call), as CPU.
 *
 * Bound (host/preview1/readdir.ts): the stream of the directory being read is kept between
 * calls, so a listing continued from its cookie reads each entry once. The tests count the
 * entries the 0.2 layer is asked for; with the cursor removed (a new listing every call) the
 * first test fails. The others pin what the cursor must not change: rewinddir (cookie 0)
 * starts over, a cookie behind the cursor re-reads from the start, two directories read in
 * turn each list right, and closing the descriptor closes its listing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPreview1Imports, type Preview1ImportFunction } from '../../host/preview1/index.js';
import { double } from '../support/test-double.js';
import { call } from './host-memory-support.js';

const BUF = 0x1000;
const OUT = 0x100;

/** A fake directory of `n` regular files `<prefix>0..n-1` that counts what it is asked. */
function fakeDir(prefix: string, n: number) {
  const asked = { listings: 0, entries: 0, closed: 0 };
  const desc = {
    readDirectory() {
      asked.listings++;
      let i = 0;
      return {
        readDirectoryEntry() {
          asked.entries++;
          return i < n ? { name: `${prefix}${i++}`, type: 'regular-file' } : undefined;
        },
        [Symbol.dispose]() {
          asked.closed++;
        },
      };
    },
    metadataHash: () => ({ lower: 1n, upper: 0n }),
    metadataHashAt: (_f: unknown, name: string) => ({ lower: BigInt(name.length), upper: 0n }),
    getFlags: () => ({ read: true }),
    getType: () => 'directory',
  };
  return { desc, asked };
}

function preview1With(...dirs: { desc: unknown }[]) {
  const wasi = {
    'wasi:filesystem/preopens': { getDirectories: () => dirs.map((d, i) => [d.desc, `/d${i}`]) },
  };
  const imports = createPreview1Imports(double<Parameters<typeof createPreview1Imports>[0]>(wasi));
  const memory = new WebAssembly.Memory({ initial: 1 });
  imports.bindMemory(memory);
  return { p1: imports.imports.wasi_snapshot_preview1 as Record<string, Preview1ImportFunction>, memory };
}

/** One fd_readdir call: the whole entries it wrote (name and d_next), and whether it filled the buffer. */
function readOnce(p1: Record<string, Preview1ImportFunction>, memory: WebAssembly.Memory, fd: number, bufLen: number, cookie: bigint) {
  assert.equal(call(p1, 'fd_readdir', fd, BUF, bufLen, cookie, OUT), 0);
  const view = new DataView(memory.buffer);
  const used = view.getUint32(OUT, true);
  const whole: { name: string; next: bigint }[] = [];
  for (let at = 0; at + 24 <= used;) {
    const len = view.getUint32(BUF + at + 16, true);
    if (at + 24 + len > used) break;
    whole.push({ name: Buffer.from(memory.buffer, BUF + at + 24, len).toString(), next: view.getBigUint64(BUF + at, true) });
    at += 24 + len;
  }
  return { whole, full: used === bufLen };
}

/** Reads the directory at `fd` from `cookie` to its end, `bufLen` bytes a call, as wasi-libc does. */
function readAll(
  p1: Record<string, Preview1ImportFunction>,
  memory: WebAssembly.Memory,
  fd: number,
  bufLen: number,
  cookie = 0n,
): string[] {
  const names: string[] = [];
  for (;;) {
    const { whole, full } = readOnce(p1, memory, fd, bufLen, cookie);
    for (const e of whole) names.push(e.name);
    if (!full) return names;
    assert.ok(whole.length > 0, 'the buffer holds at least one entry');
    cookie = whole[whole.length - 1]!.next;
  }
}

const expected = (prefix: string, n: number) => ['.', '..', ...Array.from({ length: n }, (_, i) => `${prefix}${i}`)];

test('a directory of 3000 names read 40 bytes a call asks the 0.2 layer for each entry once', () => {
  const d = fakeDir('f', 3000);
  const { p1, memory } = preview1With(d);
  // 40 bytes: one entry (24 + up to 5 name bytes) and part of the next, as a tiny buffer does.
  assert.deepEqual(readAll(p1, memory, 3, 40), expected('f', 3000));
  assert.equal(d.asked.listings, 1, 'one listing for the whole read');
  assert.ok(d.asked.entries <= 3001, `entries asked: ${d.asked.entries}`);
});

test('rewinddir (cookie 0) starts a new listing; a cookie behind the cursor re-reads from the start', () => {
  const d = fakeDir('f', 50);
  const { p1, memory } = preview1With(d);
  assert.deepEqual(readAll(p1, memory, 3, 64), expected('f', 50));
  assert.deepEqual(readAll(p1, memory, 3, 64), expected('f', 50));
  assert.equal(d.asked.listings, 2);
  // Forward to cookie 30, then back to cookie 5 (seekdir): entry index 5 is f3.
  readOnce(p1, memory, 3, 64, 30n);
  assert.deepEqual(readAll(p1, memory, 3, 4096, 5n), expected('f', 50).slice(5));
  assert.equal(d.asked.closed, d.asked.listings - 1, 'every listing but the current one is closed');
});

test('two directories read in turn each list whole and right', () => {
  const a = fakeDir('a', 40);
  const b = fakeDir('b', 40);
  const { p1, memory } = preview1With(a, b);
  const names = { a: [] as string[], b: [] as string[] };
  const cookie = { a: 0n, b: 0n };
  const done = { a: false, b: false };
  while (!done.a || !done.b) {
    for (const [k, fd] of [
      ['a', 3],
      ['b', 4],
    ] as const) {
      if (done[k]) continue;
      const { whole, full } = readOnce(p1, memory, fd, 40, cookie[k]);
      for (const e of whole) names[k].push(e.name);
      if (!full) done[k] = true;
      else cookie[k] = whole[whole.length - 1]!.next;
    }
  }
  assert.deepEqual(names.a, expected('a', 40));
  assert.deepEqual(names.b, expected('b', 40));
});

test('closing the descriptor closes its listing; reading it then is EBADF', () => {
  const d = fakeDir('f', 100);
  const { p1, memory } = preview1With(d);
  readOnce(p1, memory, 3, 64, 0n);
  assert.equal(d.asked.closed, 0, 'the listing is kept between calls');
  assert.equal(call(p1, 'fd_close', 3), 0);
  assert.equal(d.asked.closed, 1);
  assert.equal(call(p1, 'fd_readdir', 3, BUF, 64, 0n, OUT), 8 /* EBADF */);
});

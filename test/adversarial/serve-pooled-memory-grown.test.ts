/**
 * Handing the next request a memory bigger than a fresh one (a pooled memory the guest grew:
 * the next instance would start with the earlier request's extra pages, and with whatever a
 * reset that only covers the declared size leaves in them). `molt-wasm serve` returns a memory
 * to its worker's pool only when it is still the size it was declared with; a grown one is
 * dropped. Here one request grows its memory and writes a marker in it (`/grow-secret`) and
 * the next one on the same worker (`--workers 1`) reports its memory's size and any byte
 * other than its own (`/scan`): a fresh memory's two pages, nothing else. Without the size
 * check in MemoryLease.release the next request gets three pages.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildWatProxy } from '../serve/build.js';
import { get, serve, type Served } from '../serve/helpers.js';

let s: Served;
before(async () => {
  s = await serve(['--workers', '1', await buildWatProxy()]);
});
after(async () => {
  await s?.stop();
});

test('a memory the guest grew is not handed to the next request', async () => {
  for (let i = 0; i < 3; i++) {
    assert.equal((await get(`${s.url}/grow-secret`)).body, 'grown\n');
    assert.equal((await get(`${s.url}/scan`)).body, 'dirty=0 pages=2\n', `round ${i}`);
  }
});

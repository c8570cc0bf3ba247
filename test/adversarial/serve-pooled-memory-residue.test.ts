/**
 * Reading an earlier request's data out of a reused linear memory (the bypass memory pooling
 * invites: a pooling allocator that hands a slot on without resetting it lets one request
 * read what another left). `molt-wasm serve` gives each request's instance a memory from its
 * worker's pool (host/serve/memory-pool.ts) instead of a new one. Here one request writes a
 * marker all over its memory (`/secret`: past the counter, in the heap, in the last bytes),
 * another leaves its counter and response text (`/`), and each next request on the same
 * worker (`--workers 1`, so it gets the memory just returned) scans its whole memory for any
 * byte other than its data segments and what it has itself written (`/scan`). A fresh memory
 * answers dirty=0; so must a reused one. Without the zeroing in MemoryLease.release the
 * scan finds the marker.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { prepareProxy } from '../../host/serve/load.js';
import { buildWatProxy } from '../serve/build.js';
import { get, serve, type Served } from '../serve/helpers.js';

let app: string;
let s: Served;
before(async () => {
  app = await buildWatProxy();
  s = await serve(['--workers', '1', app]);
});
after(async () => {
  await s?.stop();
});

test("the guest's memory is pooled (the test below is not about a fresh memory)", async () => {
  const proxy = await prepareProxy(new Uint8Array(readFileSync(app)), 'proxy-guest', {});
  assert.deepEqual(Object.values(proxy.pooledMemories), [{ initial: 2 }]);
});

test('a request never sees a byte an earlier request wrote into the memory it reuses', async () => {
  assert.equal((await get(`${s.url}/scan`)).body, 'dirty=0 pages=2\n');
  for (let i = 0; i < 4; i++) {
    assert.equal((await get(`${s.url}/secret`)).body, 'stored\n');
    assert.equal((await get(`${s.url}/scan`)).body, 'dirty=0 pages=2\n', `after /secret (round ${i})`);
    assert.equal((await get(`${s.url}/`)).body, 'count=1\n');
    assert.equal((await get(`${s.url}/scan`)).body, 'dirty=0 pages=2\n', `after / (round ${i})`);
  }
});

/**
 * Host memory through ungated resource constructors (Wasmtime GHSA-852m-cvvp-9p4w's class,
 * host exhaustion through many resources; found by the red-team pass): `wasi:http/types`
 * needs no capability, and every `[constructor]fields` is a host object that costs the guest
 * four bytes of a handle and nothing of its linear memory, so `--max-memory` never sees it.
 * One request making fields in a loop grew a serving worker by ~100 MB a second, up to V8's
 * default heap limit (gigabytes) or the request's timeout. Each serving worker's heap is now
 * bounded (`--max-host-heap`): past it V8 ends the worker, the request is a 500, the worker is
 * replaced and the server goes on.
 *
 * With the bound removed the hoarding request runs on to its --timeout (504), so the status
 * tells the two apart; the timeout is far above what a loaded machine needs to reach the bound.
 * The per-guest resource bound (`--max-http-resources`, default 1024; its own test is
 * http-constructor-flood.test.ts) would trap the hoard long before the heap bound, so it is
 * set to its largest here: a million fields are far more than 32 MiB of heap, and this test
 * is about the heap bound, the one for what no count reaches.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildWatProxy } from '../serve/build.js';
import { get, serve, type Served } from '../serve/helpers.js';

let s: Served;
before(async () => {
  const app = await buildWatProxy();
  s = await serve(['--max-host-heap', '32M', '--max-http-resources', '1048576', '--timeout', '60000', '--workers', '1', app]);
});
after(async () => {
  await s?.stop();
});

test('a guest hoarding fields resources is ended at the worker heap bound (500), and the server goes on', async () => {
  const r = await get(`${s.url}/hoard`);
  assert.equal(r.status, 500, `expected the worker's heap bound to end the request, got ${r.status}: ${r.body}`);
  assert.doesNotMatch(r.body, /heap|memory|worker/i, 'no host detail to the client');
  await s.waitFor('request');
  assert.match(s.stderr(), /out of memory|ERR_WORKER_OUT_OF_MEMORY/i);
  // The worker was replaced: the next request is served by a fresh one.
  const next = await get(`${s.url}/`);
  assert.equal(next.status, 200);
  assert.equal(next.body, 'count=1\n');
});

/**
 * Ending a request while one of its calls is still running (a call suspended with JSPI, or a
 * host import that ends the request re-entrantly): the call's wasm code runs on after the
 * release, and a memory pooled at the release would be written by it while another request
 * holds it. MemoryLease.release pools nothing while a wrapped call is in progress: the memory
 * is dropped. Here the guest's import releases the lease, then the guest writes a marker
 * after the import returns; the next lease gets a new memory, not that one. Without the
 * in-progress check the next request's memory holds the marker.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MemoryLease } from '../../host/serve/memory-pool.js';
import { pooledGuest, MARKER, type Guest } from './pooled-memory-support.js';

test('a memory whose request still has a call running is not pooled', async () => {
  const { module, pool } = await pooledGuest();
  const first: MemoryLease = pool.lease();
  const a = first.instantiateCore(module, { host: { cb: (): void => first.release() } }).exports as unknown as Guest;
  a.callback();
  assert.equal(first.revoked, true);

  const second = pool.lease();
  const b = second.instantiateCore(module, { host: { cb: (): void => {} } }).exports as unknown as Guest;
  assert.equal(b.read(100), 0, `the next request's memory holds nothing (marker ${MARKER.toString(16)} absent)`);
  assert.equal(pool.reused, 0, 'the memory was dropped, not pooled');
  second.release();
});

/**
 * Keeping a view of a request's memory past its end (jco's glue caches a DataView of the
 * memory's buffer; any host object could keep a Uint8Array of it): once the memory is reused
 * such a view would read and write the next request's memory. MemoryLease.release detaches
 * every view of the old buffer (`grow(0)`) before the memory is zeroed and pooled. Here a
 * view kept from the first request is read and written after the second request got the
 * memory: it is empty, and the second request's memory is untouched. Without the `grow(0)`
 * the view reaches the second request's memory.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pooledGuest, type Guest } from './pooled-memory-support.js';

const host = { host: { cb: (): void => {} } };

test("a view kept from an ended request's memory does not reach the next request's", async () => {
  const { module, pool } = await pooledGuest();
  const first = pool.lease();
  const a = first.instantiateCore(module, host).exports as unknown as Guest;
  const kept = new Uint32Array(a.memory.buffer);
  const keptData = new DataView(a.memory.buffer);
  a.write(100, 7);
  assert.equal(kept[25], 7);
  first.release();

  const second = pool.lease();
  const b = second.instantiateCore(module, host).exports as unknown as Guest;
  assert.equal(pool.reused, 1, 'the second request got the first one’s memory back');
  b.write(200, 9);
  assert.equal(kept.length, 0, 'the kept view is detached');
  assert.equal(kept[50], undefined);
  kept[25] = 42;
  assert.throws(() => keptData.setUint32(100, 42, true), TypeError);
  assert.equal(b.read(100), 0);
  second.release();
});

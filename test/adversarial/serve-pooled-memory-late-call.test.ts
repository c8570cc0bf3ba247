/**
 * Calling into an ended request's instance once its memory serves another request (what a
 * pooled memory must never allow: code of request N, kept by jco's glue, a late callback or
 * a finalizer, running after the memory went to request N+1 would write into N+1's memory).
 * Every core instance of a request is made through its MemoryLease, which hands out only
 * wrapped exports; `release()` revokes them. Here an export, the instance's table entry and
 * its memory object are kept past the release and used once the memory is reused: each
 * throws, and the new request's memory is untouched. Another lease never unwraps the ended
 * lease's functions either. Without the check in the wrapped export, the late write lands in
 * the new request's memory.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pooledGuest, type Guest } from './pooled-memory-support.js';

const host = { host: { cb: (): void => {} } };

test("an ended request's kept exports cannot reach the memory the next request got", async () => {
  const { module, pool } = await pooledGuest();
  const first = pool.lease();
  const a = first.instantiateCore(module, host).exports as unknown as Guest;
  a.write(100, 7);
  const keptWrite = a.write;
  const keptEntry = a.table.get(0) as (x: number, v: number) => void;
  first.release();

  const second = pool.lease();
  const b = second.instantiateCore(module, host).exports as unknown as Guest;
  assert.equal(pool.reused, 1, 'the second request got the first one’s memory back');
  assert.equal(b.read(100), 0);

  assert.throws(() => keptWrite(100, 42), WebAssembly.RuntimeError);
  assert.throws(() => keptEntry(100, 43), WebAssembly.RuntimeError);
  assert.throws(() => a.table.get(0), WebAssembly.RuntimeError);
  assert.throws(() => a.memory.buffer, WebAssembly.RuntimeError);
  assert.throws(() => a.memory.grow(0), WebAssembly.RuntimeError);
  assert.equal(b.read(100), 0, 'nothing of the ended request wrote into the new memory');

  // Handed to another lease as an import, the ended lease's export stays revoked.
  const third = pool.lease();
  const c = third.instantiateCore(module, { host: { cb: keptWrite } }).exports as unknown as Guest;
  assert.throws(() => c.callback(), WebAssembly.RuntimeError);
  second.release();
  third.release();
});

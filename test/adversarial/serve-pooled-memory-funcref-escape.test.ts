/**
 * Trick: a way into an ended request's code that the lease did not hand out as a wrapper.
 * MemoryLease (host/serve/memory-pool.ts) revokes what it hands out when the request ends:
 * exported functions, the memory, a table's entries. A core instance can also hand out its
 * own functions as VALUES: an exported global of type funcref, or an export whose result is
 * a funcref. Here a request's instance gives both out; they are kept past release() and
 * called once the memory serves the next request. Unwrapped, each one writes into the next
 * request's memory (what the lease exists to prevent: code of request N running on request
 * N+1's memory). Models a revocation that misses a derived reference: the same bypass as
 * serve-pooled-memory-late-call (a kept export), reached through a funcref value instead.
 *
 * Reachability today: jco 0.15's generated glue never reads an exported global or calls a
 * returned funcref (canonical ABI core signatures carry only numbers), so a guest cannot make
 * the glue keep one; this pins the lease's own guarantee, which must not depend on that.
 * Without the global facade (or without wrapping a result), this test fails: the late call
 * writes into the new request's memory.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importDefinedMemory } from '../../host/serve/memory-import.js';
import { MemoryPool } from '../../host/serve/memory-pool.js';
import { watToCore } from '../../scripts/lib/componentize.js';

const WAT = `(module
  (memory (export "memory") 1)
  (func $write (param $a i32) (param $v i32) (i32.store (local.get $a) (local.get $v)))
  (elem declare func $write)
  (global (export "kept") funcref (ref.func $write))
  (func (export "writer") (result funcref) (ref.func $write))
  (func (export "read") (param $a i32) (result i32) (i32.load (local.get $a))))`;

interface Guest {
  kept: WebAssembly.Global;
  writer(): (a: number, v: number) => void;
  read(a: number): number;
}

test("funcrefs an ended request's instance gave out as values cannot reach the next request's memory", async () => {
  const rewritten = importDefinedMemory(await watToCore(WAT, 'funcref-escape.wat'));
  assert.ok(rewritten, 'the module is rewritten to import its memory');
  const module = await WebAssembly.compile(rewritten.bytes as Uint8Array<ArrayBuffer>);
  const pool = new MemoryPool(new Map([[module, rewritten.memory]]));

  const first = pool.lease();
  const a = first.instantiateCore(module, {}).exports as unknown as Guest;
  const fromGlobal = a.kept.value as (x: number, v: number) => void;
  const fromResult = a.writer();
  fromGlobal(200, 1);
  fromResult(204, 2);
  assert.equal(a.read(200), 1, 'while the request lasts, both write into its memory');
  first.release();

  const second = pool.lease();
  const b = second.instantiateCore(module, {}).exports as unknown as Guest;
  assert.equal(pool.reused, 1, 'the second request got the first one’s memory back');
  assert.throws(() => fromGlobal(100, 42), WebAssembly.RuntimeError);
  assert.throws(() => fromResult(104, 43), WebAssembly.RuntimeError);
  assert.throws(() => a.kept.value, WebAssembly.RuntimeError);
  assert.equal(b.read(100), 0, 'the funcref from the global wrote into the new request’s memory');
  assert.equal(b.read(104), 0, 'the funcref from the result wrote into the new request’s memory');
  second.release();
});

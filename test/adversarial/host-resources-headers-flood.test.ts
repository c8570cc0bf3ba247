// Models host heap exhaustion through a method that returns the SAME object as a new handle
// each call (Wasmtime GHSA-243v-98vx-264h family): `outgoing-request.headers()` needs no
// capability and hands the guest the request's one fields, but jco makes a new handle and a
// new capture-table entry per call, and keeps both until the guest drops that handle. One
// million calls grew `molt-wasm run`'s heap by about 100 MiB. Counting objects would not see
// it (one object); each handle now counts against `maxHostResources` until it is dropped, and
// dropping it frees its count (the request and its headers stay usable).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { V } from '../node-host/guests/prelude.js';
import { ResourceLimitTrap } from '../../host/gate/host-limits.js';
import { floodGuest, runFlood } from './support.js';

const T = `wasi:http/types@${V}`;

/**
 * `run hold N`: gets stdout, makes one outgoing-request (from a new fields, which becomes the
 * request's), then calls `headers()` N times keeping each handle, and prints "held": N + 2
 * resources held (stdout, the request, N handles). `run churn N`: drops each handle.
 */
const headersFlood = floodGuest({
  interfaces: [T],
  imports: `(import "${T}" "[constructor]fields" (func $fields (result i32)))
     (import "${T}" "[constructor]outgoing-request" (func $request (param i32) (result i32)))
     (import "${T}" "[method]outgoing-request.headers" (func $headers (param i32) (result i32)))
     (import "${T}" "[resource-drop]fields" (func $drop_fields (param i32)))`,
  locals: '(local $r i32) (local $h i32)',
  setup: `(call $print (i32.const 2048) (i32.const 0))
     (local.set $r (call $request (call $fields)))`,
  step: `(local.set $h (call $headers (local.get $r)))
     (if (local.get $drop) (then (call $drop_fields (local.get $h))))`,
});

const run = (mode: 'hold' | 'churn', count: number, maxHostResources: number) => runFlood(headersFlood, mode, count, { maxHostResources });

test('each headers() handle counts, though every call returns the same fields; one past the bound traps', async () => {
  // stdout, the request and 38 handles to its headers are exactly 40 (the fields given to the
  // request is the request's, not counted twice).
  const at = await run('hold', 38, 40);
  assert.equal(at.outcome, 'returned', String(at.error));
  assert.equal(at.out, 'held\n');
  const past = await run('hold', 39, 40);
  assert.equal(past.outcome, 'trap');
  assert.equal(past.exitCode, 70);
  assert.ok(past.error instanceof ResourceLimitTrap, `expected ResourceLimitTrap, got ${String(past.error)}`);
  assert.match(String(past.error), /outgoing-request\.headers: the guest holds 40 host resources/);
  assert.equal(past.out, '');
});

test('a dropped headers handle frees its count: 100 times the bound, one at a time, runs to the end', async () => {
  const r = await run('churn', 4000, 40);
  assert.equal(r.outcome, 'returned', String(r.error));
  assert.equal(r.out, 'churned\n');
});

// Models host heap exhaustion through a resource-returning METHOD (Wasmtime GHSA-243v-98vx-264h:
// a guest holds as many resources as it likes in the host's table): `input-stream.subscribe`
// needs no capability, and each call was a new host pollable (and an entry in preview2-shim's
// I/O worker) kept in jco's table until the guest drops it. It costs the guest a four-byte
// handle and none of its linear memory, so `--max-memory` never saw it: one million calls on
// stdin grew `molt-wasm run`'s heap by about 300 MiB (`--max-http-resources` counted only the
// wasi:http/types constructors). Now every resource any call hands the guest counts against
// `maxHostResources` (`--max-host-resources`, default 16384) until the guest drops it; past
// it the guest traps before the pollable is made. A guest that subscribes and drops in a loop
// never reaches the bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { V } from '../node-host/guests/prelude.js';
import { DEFAULT_MAX_HOST_RESOURCES } from '../../host/gate/held.js';
import { ResourceLimitTrap } from '../../host/gate/host-limits.js';
import { floodGuest, runFlood } from './support.js';

/**
 * `run hold N`: gets stdout (printing nothing) and stdin, then subscribes to stdin N times,
 * keeping every pollable, and prints "held". `run churn N`: the same, dropping each pollable.
 * So the guest holds N + 2 resources at the end of `hold` (stdout, stdin, N pollables).
 */
const subscribeFlood = floodGuest({
  interfaces: [`wasi:cli/stdin@${V}`, `wasi:io/poll@${V}`],
  imports: `(import "wasi:cli/stdin@${V}" "get-stdin" (func $get_stdin (result i32)))
     (import "wasi:io/streams@${V}" "[method]input-stream.subscribe" (func $subscribe (param i32) (result i32)))
     (import "wasi:io/poll@${V}" "[resource-drop]pollable" (func $drop_pollable (param i32)))`,
  locals: '(local $in i32) (local $p i32)',
  setup: `(call $print (i32.const 2048) (i32.const 0))
     (local.set $in (call $get_stdin))`,
  step: `(local.set $p (call $subscribe (local.get $in)))
     (if (local.get $drop) (then (call $drop_pollable (local.get $p))))`,
});

const run = (mode: 'hold' | 'churn', count: number, maxHostResources?: number) =>
  runFlood(subscribeFlood, mode, count, maxHostResources !== undefined ? { maxHostResources } : {});

test('a guest holds at most maxHostResources pollables and streams; one more subscribe traps', async () => {
  // stdout and stdin and 48 pollables are exactly 50.
  const at = await run('hold', 48, 50);
  assert.equal(at.outcome, 'returned', String(at.error));
  assert.equal(at.out, 'held\n');
  const past = await run('hold', 49, 50);
  assert.equal(past.outcome, 'trap');
  assert.equal(past.exitCode, 70);
  assert.ok(past.error instanceof ResourceLimitTrap, `expected ResourceLimitTrap, got ${String(past.error)}`);
  assert.match(
    String(past.error),
    /input-stream\.subscribe: the guest holds 50 host resources, the most it may \(.*--max-host-resources\)/,
  );
  assert.equal(past.out, '');
});

test('the default bound holds for a guest that never drops', async () => {
  const r = await run('hold', DEFAULT_MAX_HOST_RESOURCES);
  assert.equal(r.outcome, 'trap');
  assert.ok(r.error instanceof ResourceLimitTrap, String(r.error));
});

test('a dropped pollable is no longer counted: subscribing and dropping 100 times the bound runs to the end', async () => {
  const r = await run('churn', 5000, 50);
  assert.equal(r.outcome, 'returned', String(r.error));
  assert.equal(r.out, 'churned\n');
});

// Models host exhaustion through many resources (Wasmtime GHSA-243v-98vx-264h: guest-controlled
// resource exhaustion, its hosts had no bound on the resources a guest keeps in its table):
// `wasi:http/types` needs no capability, and every `new fields()`, `fields.from-list`,
// `fields.clone`, `new outgoing-request`, `new outgoing-response` and `new request-options` is
// a host object held in jco's resource table until the guest drops it. It costs the guest a
// four-byte handle and none of its linear memory, so `--max-memory` never sees it: a guest
// with no capability making fields in a loop grew `molt-wasm run`'s heap without bound (serve
// had only its worker heap bound). Now each guest holds at most `maxHttpResources` of them
// (default 1024); past it the guest traps with a message that names the bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { V } from '../node-host/guests/prelude.js';
import { DEFAULT_MAX_HTTP_RESOURCES, HttpGuestResources } from '../../host/gate/http.js';
import { ServedRequest } from '../../host/serve/incoming.js';
import { ResourceLimitTrap } from '../../host/gate/host-limits.js';
import { floodGuest, runFlood } from './support.js';
import { guest, httpServer, outgoingGet, policy as netPolicy } from '../net/helpers.js';

const T = `wasi:http/types@${V}`;
const imp = (name: string, sig: string) => `(import "${T}" "${name}" (func $${name.replace(/[^a-z-]/g, '_')} ${sig}))`;

/**
 * `run hold N`: N rounds, each making one of every kind and keeping it (six live resources a
 * round: a fields, its clone, a from-list fields, a request (whose fields is the request's), a
 * request-options, a response (whose fields is the response's)), then prints "held".
 * `run churn N`: N rounds making the same and dropping each, then prints "churned".
 */
const flood = floodGuest({
  interfaces: [T],
  imports: [
    imp('[constructor]fields', '(result i32)'),
    imp('[resource-drop]fields', '(param i32)'),
    imp('[static]fields.from-list', '(param i32 i32 i32)'),
    imp('[method]fields.clone', '(param i32) (result i32)'),
    imp('[constructor]outgoing-request', '(param i32) (result i32)'),
    imp('[resource-drop]outgoing-request', '(param i32)'),
    imp('[constructor]request-options', '(result i32)'),
    imp('[resource-drop]request-options', '(param i32)'),
    imp('[constructor]outgoing-response', '(param i32) (result i32)'),
    imp('[resource-drop]outgoing-response', '(param i32)'),
  ].join('\n'),
  functions: `;; one round; drops everything it made when $drop is set
     (func $round (param $drop i32) (local $f i32) (local $c i32) (local $l i32) (local $r i32) (local $o i32) (local $s i32)
       (local.set $f (call $_constructor_fields))
       (local.set $c (call $_method_fields_clone (local.get $f)))
       (call $_static_fields_from-list (i32.const 4096) (i32.const 0) (i32.const 96))
       (if (i32.load8_u (i32.const 96)) (then unreachable))
       (local.set $l (i32.load (i32.const 100)))
       (local.set $r (call $_constructor_outgoing-request (call $_constructor_fields)))
       (local.set $o (call $_constructor_request-options))
       (local.set $s (call $_constructor_outgoing-response (call $_constructor_fields)))
       (if (local.get $drop) (then
         (call $_resource-drop_fields (local.get $f))
         (call $_resource-drop_fields (local.get $c))
         (call $_resource-drop_fields (local.get $l))
         (call $_resource-drop_outgoing-request (local.get $r))
         (call $_resource-drop_request-options (local.get $o))
         (call $_resource-drop_outgoing-response (local.get $s)))))`,
  step: '(call $round (local.get $drop))',
});

const run = (mode: 'hold' | 'churn', rounds: number, maxHttpResources?: number) =>
  runFlood(flood, mode, rounds, maxHttpResources !== undefined ? { maxHttpResources } : {});

test('a guest with no capability holds at most maxHttpResources wasi:http resources; one more traps', async () => {
  // 10 rounds hold exactly 60: every kind counts once, and a fields handed to a request or a
  // response is the request's (not counted twice).
  const at = await run('hold', 10, 60);
  assert.equal(at.outcome, 'returned', String(at.error));
  assert.equal(at.out, 'held\n');
  const past = await run('hold', 11, 60);
  assert.equal(past.outcome, 'trap');
  assert.equal(past.exitCode, 70);
  assert.ok(past.error instanceof ResourceLimitTrap, `expected ResourceLimitTrap, got ${String(past.error)}`);
  assert.match(String(past.error), /\[constructor\]fields: the guest holds 60 resources .*--max-http-resources/);
  assert.equal(past.out, '');
});

test('the default bound holds for a guest that never drops', async () => {
  const rounds = Math.ceil(DEFAULT_MAX_HTTP_RESOURCES / 6) + 1;
  const r = await run('hold', rounds);
  assert.equal(r.outcome, 'trap');
  assert.ok(r.error instanceof ResourceLimitTrap, String(r.error));
});

test('what a guest drops is no longer counted: 5000 rounds under a bound of 60 run to the end', async () => {
  const r = await run('churn', 5000, 60);
  assert.equal(r.outcome, 'returned', String(r.error));
  assert.equal(r.out, 'churned\n');
});

test("clones of a response's headers count too (the headers are the exchange's, their clones the guest's)", async () => {
  const server = await httpServer();
  try {
    const g = guest(netPolicy({ net: [`127.0.0.1:${server.port}`] }));
    const future = g.imports['wasi:http/outgoing-handler'].handle(outgoingGet(g, 'HTTP', `127.0.0.1:${server.port}`), undefined);
    let r: ReturnType<typeof future.get>;
    for (const end = Date.now() + 10_000; (r = future.get()) === undefined && Date.now() < end;)
      await new Promise((ok) => setTimeout(ok, 10));
    assert.ok(r?.tag === 'ok' && r.val.tag === 'ok', 'no response');
    const headers = r.val.val.headers() as unknown as { clone(): { [Symbol.dispose](): void } };
    // Dropped clones are not counted: far more than the bound, one at a time.
    for (let i = 0; i < 3 * DEFAULT_MAX_HTTP_RESOURCES; i++) headers.clone()[Symbol.dispose]();
    // Kept ones are, clones of clones included.
    const kept = [headers.clone()];
    for (let i = 1; i < DEFAULT_MAX_HTTP_RESOURCES; i++) kept.push((kept[i - 1] as unknown as typeof headers).clone());
    assert.throws(
      () => headers.clone(),
      (e: unknown) => e instanceof ResourceLimitTrap && /\[method\]fields\.clone/.test(e.message),
    );
  } finally {
    await server.close();
  }
});

test('serve: each incoming-request.headers() is a new fields, counted like new fields(), and so are its clones', () => {
  const resources = new HttpGuestResources({ maxResources: 10 });
  const request = new ServedRequest(
    { method: 'GET', pathWithQuery: '/', authority: 'front', headers: [['x-a', '1']], body: new Uint8Array(0) },
    resources,
  );
  type Headers = { clone(): Headers; [Symbol.dispose](): void };
  const headers = () => request.headers() as Headers;
  for (let i = 0; i < 100; i++) headers()[Symbol.dispose]();
  const first = headers();
  const kept = [first, first.clone()]; // two live
  for (let i = kept.length; i < 10; i++) kept.push(headers());
  assert.equal(resources.made.live, 10);
  assert.throws(headers, (e: unknown) => e instanceof ResourceLimitTrap && /incoming-request\.headers/.test(e.message));
  assert.throws(
    () => kept[0]!.clone(),
    (e: unknown) => e instanceof ResourceLimitTrap && /fields\.clone/.test(e.message),
  );
});

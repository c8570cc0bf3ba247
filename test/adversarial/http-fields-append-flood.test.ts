// Models host heap exhaustion through ONE resource that grows (Wasmtime GHSA-243v-98vx-264h:
// its wasi-http now bounds each fields, DEFAULT_FIELD_SIZE_LIMIT 128 KiB): `fields.append`
// needs no capability and costs the guest only the bytes of one entry, which it reuses, so a
// guest holding a single fields grew it (and the host heap) without end by appending in a
// loop: the resource bounds count fields, not their bytes. Now one fields holds at most
// MAX_FIELDS_BYTES (names, values, 64 bytes per entry); an `append`, `set` or `from-list` past
// it fails with the interface's own `header-error.forbidden` (Wasmtime's 0.2 bindings trap
// instead) and the fields stays as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { V, guestWat } from '../node-host/guests/prelude.js';
import type { GuestSource } from '../node-host/guests/guests.js';
import { FIELD_ENTRY_BYTES, MAX_FIELDS_BYTES, fieldsBytes } from '../../host/gate/fields-size.js';
import { policy, runComponentGuest } from './support.js';
import { guest, policy as netPolicy } from '../net/helpers.js';

const T = `wasi:http/types@${V}`;
const NAME = 'x-a';
const VALUE = 'v'.repeat(64);
const ENTRY = NAME.length + VALUE.length + FIELD_ENTRY_BYTES;

/**
 * `run N`: one new fields, then up to N appends of `x-a: vvv...` (64 bytes), stopping at the
 * first that fails; prints how many succeeded and how the last ended (`ok`, or `e` and the
 * header-error case: 0 invalid-syntax, 1 forbidden, 2 immutable).
 */
const appendFlood: GuestSource = {
  imports: [`wasi:cli/stdout@${V}`, `wasi:io/streams@${V}`, `wasi:cli/environment@${V}`, T],
  wat: guestWat(
    `(import "${T}" "[constructor]fields" (func $fields (result i32)))
     (import "${T}" "[method]fields.append" (func $append (param i32 i32 i32 i32 i32 i32)))`,
    `(data (i32.const 2048) "${NAME}")
     (data (i32.const 2112) "${VALUE}")`,
    `(local $n i32) (local $f i32) (local $ok i32)
     (local.set $n (call $arg_u32 (i32.const 1)))
     (local.set $f (call $fields))
     (block $done (loop $l
       (br_if $done (i32.eqz (local.get $n)))
       (call $append (local.get $f) (i32.const 2048) (i32.const ${NAME.length}) (i32.const 2112) (i32.const ${VALUE.length}) (i32.const 96))
       (br_if $done (i32.load8_u (i32.const 96)))
       (local.set $ok (i32.add (local.get $ok) (i32.const 1)))
       (local.set $n (i32.sub (local.get $n) (i32.const 1)))
       (br $l)))
     (call $print_u32 (local.get $ok))
     (call $sp)
     (call $print_res (i32.const 96) (i32.const 1))
     (call $nl)`,
  ),
};

test('a guest appending to one fields in a loop gets header-error.forbidden at the bound; the host holds no more', async () => {
  const r = await runComponentGuest(appendFlood, policy({ 'console.write': true }), ['flood', '100000']);
  const out = r.out;
  assert.equal(r.outcome, 'returned', String(r.error));
  const fits = Math.floor(MAX_FIELDS_BYTES / ENTRY);
  // Not a trap: the guest got the interface's own error and went on to print.
  assert.equal(out, `${fits} e1\n`);
});

type Fields = {
  append(name: string, value: Uint8Array): void;
  set(name: string, values: Uint8Array[]): void;
  delete(name: string): void;
  entries(): [string, Uint8Array][];
  clone(): Fields;
};

test('set, from-list and clones are bounded the same way; delete makes room again', async () => {
  const g = guest(netPolicy({}));
  const T2 = g.imports['wasi:http/types'] as unknown as { Fields: { new (): Fields; fromList(e: [string, Uint8Array][]): Fields } };
  const value = new TextEncoder().encode(VALUE);
  const forbidden = (f: () => unknown) => assert.throws(f, (e: unknown) => (e as { tag?: string }).tag === 'forbidden');

  const f = new T2.Fields();
  const many = Array.from({ length: Math.ceil(MAX_FIELDS_BYTES / ENTRY) + 1 }, () => value);
  forbidden(() => f.set(NAME, many));
  assert.equal(f.entries().length, 0, 'a refused set changed the fields');
  f.set(NAME, many.slice(2));
  forbidden(() => f.set('x-b', [value, value, value]));
  // set replaces: the same name again with as many values fits.
  f.set(NAME, many.slice(2));
  assert.ok(fieldsBytes(f.entries()) <= MAX_FIELDS_BYTES);

  // A clone starts as full as its source.
  const c = f.clone();
  forbidden(() => {
    for (let i = 0; i < 10; i++) c.append(NAME, value);
  });
  assert.ok(fieldsBytes(c.entries()) <= MAX_FIELDS_BYTES);

  forbidden(() => T2.Fields.fromList(many.map((v) => [NAME, v] as [string, Uint8Array])));

  // Deleting makes room: the size is measured again.
  f.delete(NAME);
  for (let i = 0; i < 100; i++) f.append('x-c', value);
  assert.equal(f.entries().length, 100);
});

// Models host exhaustion through host calls (Wasmtime GHSA-852m-cvvp-9p4w family), through the
// host's own bookkeeping, like denial-notice-flood.test.ts for the notices: with an audit sink
// (`--audit-log`, GuestOptions.audit) every decision was one record, so a guest of 64 KiB
// making a denied call in a loop made the host write (or, in a worker run, post and queue)
// one record per call: a line of JSON each, millions of them, as fast as the guest can loop,
// each target as long as the guest likes. Identical decisions are now coalesced into one
// record carrying `repeated: N`; what the host holds to do so is bounded, and so is each
// target's length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIT_REPEATS_PER_RECORD, MAX_AUDIT_PENDING, type AuditRecord } from '../../host/gate/audit.js';
import { SHOWN_GUEST_TEXT_CHARS } from '../../host/gate/target-string.js';
import { host, policy, sandbox, wat2wasm } from './support.js';

/**
 * A guest opening `private/<8 hex digits of (i & mask)><pad a's>` for i in 0..n, all denied:
 * mask 0 is one path n times, mask 1 two paths in turn, mask -1 n distinct paths.
 */
function floodWat(n: number, mask: number, pad: number): string {
  const path = 'private/00000000' + 'a'.repeat(pad);
  return `(module
 (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
 (memory (export "memory") 1)
 (data (i32.const 100) "0123456789abcdef")
 (data (i32.const 1024) "${path}")
 (func (export "_start") (local $i i32) (local $j i32) (local $k i32)
   (loop $l
     (local.set $k (i32.and (local.get $i) (i32.const ${mask})))
     (local.set $j (i32.const 0))
     (loop $h
       (i32.store8 (i32.add (i32.const ${1024 + 'private/'.length}) (local.get $j))
         (i32.load8_u (i32.add (i32.const 100) (i32.and (i32.shr_u (local.get $k) (i32.mul (local.get $j) (i32.const 4))) (i32.const 15)))))
       (local.set $j (i32.add (local.get $j) (i32.const 1)))
       (br_if $h (i32.lt_u (local.get $j) (i32.const 8))))
     (drop (call $open (i32.const 3) (i32.const 0) (i32.const 1024) (i32.const ${path.length}) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 40)))
     (local.set $i (i32.add (local.get $i) (i32.const 1)))
     (br_if $l (i32.lt_u (local.get $i) (i32.const ${n}))))))`;
}

const OPEN = 'wasi:filesystem/types#descriptor.open-at';

async function flood(n: number, mask: number, pad = 8): Promise<AuditRecord[]> {
  const s = sandbox();
  mkdirSync(join(s.granted, 'private'));
  const records: AuditRecord[] = [];
  const r = await host.run(await wat2wasm(floodWat(n, mask, pad)), {
    manifest: policy({ 'fs.read': ['/data'] }, { 'fs.read': ['/data/private'] }),
    dirs: { '/data': s.granted },
    audit: (rec) => void records.push(rec),
  });
  assert.equal(r.outcome, 'returned', String(r.error));
  const opens = records.filter((rec) => rec.operation === OPEN && rec.decision === 'deny');
  // Every decision is still accounted for, by the time the guest has ended.
  assert.equal(
    opens.reduce((sum, rec) => sum + (rec.repeated ?? 1), 0),
    n,
  );
  return opens;
}

test('one denied call repeated 50000 times is a handful of records, every call counted', async () => {
  const n = 50_000;
  const opens = await flood(n, 0);
  assert.ok(opens.length <= 1 + n / AUDIT_REPEATS_PER_RECORD, `${opens.length} records`);
  assert.equal(opens[0]!.repeated, undefined, 'the first decision is written as it is');
  assert.equal(opens[1]!.repeated, AUDIT_REPEATS_PER_RECORD);
  assert.ok(opens.every((rec) => rec.target === opens[0]!.target));
});

test('two denied calls in turn are coalesced too (not only a run of one)', async () => {
  const n = 50_000;
  const opens = await flood(n, 1);
  assert.ok(opens.length <= 2 + n / AUDIT_REPEATS_PER_RECORD, `${opens.length} records`);
  assert.equal(new Set(opens.map((rec) => rec.target)).size, 2);
});

test('distinct decisions are each recorded, with a target of bounded length, past the pending bound', async () => {
  const n = MAX_AUDIT_PENDING + 500;
  const opens = await flood(n, -1, 4000);
  assert.equal(opens.length, n);
  for (const rec of opens)
    assert.ok((rec.target ?? '').length <= SHOWN_GUEST_TEXT_CHARS + 40, `a target of ${rec.target?.length} characters`);
  assert.match(opens[0]!.target!, /^\/data\/private\/00000000a+\.\.\. \(\d+ characters\)$/);
});

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
import { deniedOpenFloodWat, host, policy, sandbox, wat2wasm } from './support.js';

const OPEN = 'wasi:filesystem/types#descriptor.open-at';

async function flood(n: number, mask: number, pad = 8): Promise<AuditRecord[]> {
  const s = sandbox();
  mkdirSync(join(s.granted, 'private'));
  const records: AuditRecord[] = [];
  const r = await host.run(await wat2wasm(deniedOpenFloodWat(n, mask, pad)), {
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

// The native API decides through the guest gate's Gate: same decisions, same audit records
// (operation `molt:native#<func>`), escapes recorded as such.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNativeApi } from '../../host/native/index.js';
import { CapabilityDeniedError } from '../../host/errors.js';
import type { AuditRecord } from '../../host/gate/audit.js';
import { normalizeManifest, PolicyEngine } from '../../host/policy/index.js';

test('native calls: allow, deny, trap and escape each leave one audit record', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'molt-native-'));
  try {
    writeFileSync(join(dir, 'a.txt'), 'hi');
    const engine = new PolicyEngine();
    const subject = engine.createSubject(
      normalizeManifest({ version: 1, allow: { 'fs.read': ['/data'], env: ['HOME'] }, deny: {} }),
      'native',
    );
    const records: AuditRecord[] = [];
    const api = createNativeApi({
      engine,
      subject,
      dirs: { '/data': dir },
      env: { HOME: '/h', SECRET: 's' },
      audit: (r) => records.push(r),
    });

    const read = await api.readFile('/data/a.txt');
    assert.equal(read.ok, true);
    assert.equal((await api.writeFile('/data/b.txt', new Uint8Array([1]))).ok, false);
    assert.deepEqual(await api.readFile('/data/../etc/passwd'), { ok: false, code: 'not-permitted' });
    assert.equal(api.getEnv('SECRET'), undefined);
    assert.throws(
      () => api.wallClock(),
      (e: unknown) => e instanceof CapabilityDeniedError,
    );

    const brief = records.map((r) => [r.capability, r.operation, r.target, r.decision, r.code]);
    assert.deepEqual(brief, [
      ['fs.read', 'molt:native#read-file', '/data/a.txt', 'allow', 'ok'],
      ['fs.write', 'molt:native#write-file', '/data/b.txt', 'deny', 'missing'],
      ['fs.read', 'molt:native#read-file', '/data/../etc/passwd', 'deny', 'escape'],
      ['env', 'molt:native#get-env', null, 'allow', 'ok'],
      ['env', 'molt:native#get-env', 'SECRET', 'deny', 'missing'],
      ['time', 'molt:native#wall-clock', null, 'deny', 'missing'],
    ]);
    assert.ok(records.every((r) => r.subject === subject));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('native env without any env grant reads as empty, never throws, and the denial is audited (SPEC section 5)', () => {
  const engine = new PolicyEngine();
  const subject = engine.createSubject(normalizeManifest({ version: 1, allow: { 'console.write': true }, deny: {} }), 'native');
  const records: AuditRecord[] = [];
  const api = createNativeApi({ engine, subject, env: { HOME: '/h', SECRET: 's' }, audit: (r) => records.push(r) });
  assert.equal(api.getEnv('HOME'), undefined);
  assert.deepEqual(api.listEnv(), {});
  assert.deepEqual(
    records.map((r) => [r.capability, r.operation, r.decision, r.code]),
    [
      ['env', 'molt:native#get-env', 'deny', 'missing'],
      ['env', 'molt:native#list-env', 'deny', 'missing'],
    ],
  );
});

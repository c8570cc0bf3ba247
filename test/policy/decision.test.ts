/**
 * One handle per subject, a reason on every decision (issue 16): `query` says why, with the
 * same code as `check`, and the gate, the prompt and the CLI's denial lines read that reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRecord } from '../../host/gate/audit.js';
import { Gate } from '../../host/gate/gate.js';
import { operationOf } from '../../host/gate/operation.js';
import { PromptGate, type PromptQuestion } from '../../host/gate/prompt.js';
import { PolicyEngine, type CanonicalManifest, type CheckTarget, type Decision } from '../../host/policy/index.js';
import { denialHint } from '../../host/run/denial-notices.js';

const path = (p: string): CheckTarget => ({ kind: 'path', path: p });
const m = (allow: CanonicalManifest['allow'], deny: CanonicalManifest['deny'] = {}): CanonicalManifest => ({ version: 1, allow, deny });

test('query: the reason names the rule, and its code is always what check answers', () => {
  const e = new PolicyEngine();
  const s = e.createSubject(m({ 'fs.read': ['/data'], time: true, env: ['HOME'] }, { 'fs.read': ['/data/secret'], net: true }), {
    ceiling: m({ 'fs.read': ['/data', '/srv'], time: true, env: ['HOME'], 'fs.write': true }),
  });
  const h = e.handle(s);
  const cases: [string | number, CheckTarget | undefined, Decision['reason']][] = [
    ['fs.read', path('/data/a'), { kind: 'granted', rule: '/data' }],
    ['time', undefined, { kind: 'granted', rule: true }],
    [6, undefined, { kind: 'granted', rule: true }],
    ['fs.read', path('/data/secret/k'), { kind: 'denied', rule: '/data/secret' }],
    ['net', { kind: 'net', host: 'example.com' }, { kind: 'denied', rule: true }],
    ['fs.read', path('/srv/x'), { kind: 'not-granted' }],
    ['fs.write', path('/data/x'), { kind: 'not-granted' }],
    ['fs.read', path('/etc/passwd'), { kind: 'outside-ceiling' }],
    ['console.write', undefined, { kind: 'outside-ceiling' }],
    ['fs.read', path('/data/../../etc'), { kind: 'malformed-target' }],
    ['fs.read', { kind: 'env', name: 'HOME' }, { kind: 'malformed-target' }],
    ['env', { kind: 'env', name: 'A=B' }, { kind: 'malformed-target' }],
    ['nope', undefined, { kind: 'cap-invalid' }],
    [0, undefined, { kind: 'cap-invalid' }],
  ];
  for (const [cap, target, reason] of cases) {
    const d = h.query(cap, target);
    assert.deepEqual(d.reason, reason, `${cap} ${JSON.stringify(target)}`);
    assert.equal(d.code, h.check(cap, target), `${cap} ${JSON.stringify(target)}: same code as check`);
  }
  // An invalid subject is reported before an unknown capability, through any handle.
  assert.deepEqual(e.handle(99).query('nope'), { code: 'subject-invalid', reason: { kind: 'subject-invalid' } });
  assert.equal(e.handle(99).check(0), 'subject-invalid');
  e.dropSubject(s);
  assert.equal(h.valid, false);
  assert.equal(h.query('time').code, 'subject-invalid');
});

test('query: a revocation is told from a deny rule, and a later grant lifts only it', () => {
  const e = new PolicyEngine();
  const h = e.handle(e.createSubject(m({ 'fs.read': ['/data'] }, { 'fs.read': ['/data/keys'] })));
  assert.equal(h.revoke('fs.read', '/data/tmp'), 'ok');
  assert.deepEqual(h.query('fs.read', path('/data/tmp/x')), { code: 'missing', reason: { kind: 'revoked', rule: '/data/tmp' } });
  assert.deepEqual(h.query('fs.read', path('/data/keys/x')).reason, { kind: 'denied', rule: '/data/keys' });
  assert.equal(h.grant('fs.read', '/data/tmp'), 'ok');
  assert.deepEqual(h.query('fs.read', path('/data/tmp/x')).reason, { kind: 'granted', rule: '/data' });
  // An explicit deny of the same scope is permanent: no longer a revocation.
  h.revoke('fs.read', '/data/tmp');
  h.deny('fs.read', '/data/tmp');
  assert.deepEqual(h.query('fs.read', path('/data/tmp/x')).reason, { kind: 'denied', rule: '/data/tmp' });
});

test('the gate hands the decision to the denial sink; the hint reads it', () => {
  const e = new PolicyEngine();
  const ceiling = m({ 'fs.read': ['/data'], time: true });
  const denyFlags = m({}, { 'fs.read': ['/data/secret'] });
  const live = m({ 'fs.read': ['/data'] }, { 'fs.read': ['/data/secret'] });
  const s = e.createSubject(live, { ceiling });
  const seen: [AuditRecord, Decision | undefined][] = [];
  const gate = new Gate(e, s, undefined, undefined, (r, _t, d) => void seen.push([r, d]));
  assert.equal(gate.allows('fs.read', path('/data/secret/a'), 'wasi:filesystem/types', 'descriptor.open-at'), false);
  assert.equal(gate.allowsId(6, 'wasi:clocks/wall-clock', 'now'), false);
  assert.equal(gate.allows('fs.read', path('/etc/x'), 'wasi:filesystem/types', 'descriptor.open-at'), false);
  assert.deepEqual(
    seen.map(([r, d]) => [r.capability, r.code, d?.reason.kind]),
    [
      ['fs.read', 'missing', 'denied'],
      ['time', 'missing', 'not-granted'],
      ['fs.read', 'missing', 'outside-ceiling'],
    ],
  );
  const ctx = { embedded: ceiling, denyFlags, policy: live };
  assert.equal(denialHint(ctx, 'fs.read', path('/data/secret/a'), seen[0]![1]), ', denied by --deny-read');
  assert.equal(denialHint(ctx, 'time', undefined, seen[1]![1]), '; run again with --allow-time');
  assert.equal(
    denialHint(ctx, 'fs.read', path('/etc/x'), seen[2]![1]),
    ', not declared in the manifest; run again with --allow-read=/etc/x --allow-undeclared',
  );
});

test('the prompt never asks about a revoked scope or a deny rule, and asks about a mere absence', () => {
  const e = new PolicyEngine();
  const s = e.createSubject(m({ 'fs.read': ['/data'] }, { 'fs.read': ['/data/keys'] }));
  const asked: PromptQuestion[] = [];
  const gate = new Gate(e, s, undefined, new PromptGate({ engine: e, ask: (q) => (asked.push(q), 'once') }));
  e.revoke(s, 'fs.read', '/data/tmp');
  assert.equal(gate.allows('fs.read', path('/data/tmp/a'), 'wasi:filesystem/types', 'descriptor.open-at'), false);
  assert.equal(gate.allows('fs.read', path('/data/keys/a'), 'wasi:filesystem/types', 'descriptor.open-at'), false);
  assert.equal(asked.length, 0);
  assert.equal(gate.allows('fs.read', path('/srv/a'), 'wasi:filesystem/types', 'descriptor.open-at'), true);
  assert.deepEqual(
    asked.map((q) => q.target),
    ['/srv/a'],
  );
});

test("operation kinds come from one table, not from the function name's suffix", () => {
  const kinds = (pairs: [string, string][]): string[] => pairs.map(([i, f]) => operationOf(i, f).kind);
  assert.deepEqual(
    kinds([
      ['wasi:filesystem/types', 'descriptor.open-at'],
      ['wasi:filesystem/types', 'descriptor.metadata-hash-at'],
      ['wasi:filesystem/types', 'descriptor.read'],
      ['wasi:filesystem/preopens', 'get-directories'],
      ['wasi:cli/environment', 'get-environment'],
      ['wasi:sockets/tcp', 'start-connect'],
      ['molt:native', 'read-at'],
    ]),
    ['fs-path', 'fs-path-follow-up', 'fs-handle', 'preopens-listing', 'environment-listing', 'other', 'other'],
  );
  assert.equal(
    operationOf('wasi:filesystem/types', 'descriptor.open-at'),
    operationOf('wasi:filesystem/types', 'descriptor.open-at'),
    'made once',
  );
});

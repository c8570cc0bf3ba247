import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScopeError } from '../../host/errors.js';
import { emptyManifest, PolicyEngine, type CanonicalManifest, type PolicyChange } from '../../host/policy/index.js';

const m = (allow: object, deny: object = {}): CanonicalManifest => ({ version: 1, allow, deny }) as CanonicalManifest;

test('subjects: create, label, manifest, drop; ids are not reused', () => {
  const e = new PolicyEngine();
  const a = e.createSubject(m({ time: true }), 'guest-a');
  const b = e.createSubject(emptyManifest());
  assert.notEqual(a, b);
  assert.ok(e.hasSubject(a));
  assert.equal(e.labelOf(a), 'guest-a');
  assert.equal(e.labelOf(b), undefined);
  assert.deepEqual(e.manifestOf(a), m({ time: true }));
  assert.equal(e.check(a, 'time'), 'ok');
  assert.equal(e.check(b, 'time'), 'missing'); // two subjects never share grants
  assert.equal(e.dropSubject(a), true);
  assert.equal(e.dropSubject(a), false);
  assert.equal(e.hasSubject(a), false);
  assert.equal(e.check(a, 'time'), 'subject-invalid');
  assert.equal(e.checkId(a, 6), false);
  assert.equal(e.manifestOf(a), undefined);
  const c = e.createSubject(m({ time: true }));
  assert.notEqual(c, a);
  assert.equal(e.check(a, 'time'), 'subject-invalid');
});

test('check: subject-invalid and cap-invalid', () => {
  const e = new PolicyEngine();
  const s = e.createSubject(m({ net: true }));
  for (const bad of [-1, 0, 1.5, NaN, Infinity, s + 1, 2 ** 40]) {
    assert.equal(e.check(bad, 'net'), 'subject-invalid', String(bad));
    assert.equal(e.checkId(bad, 2), false, String(bad));
    assert.equal(e.grant(bad, 'net'), 'subject-invalid');
    assert.equal(e.revoke(bad, 'net'), 'subject-invalid');
    assert.equal(e.deny(bad, 'net'), 'subject-invalid');
    assert.deepEqual(e.granted(bad), []);
  }
  // subject validity is reported first
  assert.equal(e.check(-1, 'nope'), 'subject-invalid');
  for (const cap of ['nope', 'NET', '', 0, 7, -2, 1.5, 99]) assert.equal(e.check(s, cap), 'cap-invalid', String(cap));
  assert.equal(e.grant(s, 'nope'), 'cap-invalid');
  assert.equal(e.revoke(s, 'nope'), 'cap-invalid');
  assert.equal(e.deny(s, 'nope'), 'cap-invalid');
  for (const capId of [0, 7, 31, 32, 33, -1, 2.5]) assert.equal(e.checkId(s, capId), false, String(capId));
  assert.equal(e.check(s, 2), 'ok');
  assert.equal(e.check(s, 'net'), 'ok');
  assert.equal(e.checkId(s, 2), true);
});

test('grant and revoke take effect at the next check, bitset in sync', () => {
  const e = new PolicyEngine();
  const s = e.createSubject(emptyManifest());
  assert.equal(e.check(s, 'time'), 'missing');
  assert.equal(e.checkId(s, 6), false);
  assert.equal(e.grant(s, 'time'), 'ok');
  assert.equal(e.check(s, 'time'), 'ok');
  assert.equal(e.checkId(s, 6), true);
  assert.deepEqual(e.granted(s), ['time']);
  assert.equal(e.revoke(s, 'time'), 'ok');
  assert.equal(e.check(s, 'time'), 'missing');
  assert.equal(e.checkId(s, 6), false);
  assert.deepEqual(e.granted(s), []);
});

test('scoped grant, revoke of one scope, and revoke of a scope under allow true', () => {
  const e = new PolicyEngine();
  const s = e.createSubject(emptyManifest());
  const p = (path: string) => e.check(s, 'fs.read', { kind: 'path', path });
  e.grant(s, 'fs.read', '/data/');
  e.grant(s, 'fs.read', '/logs');
  assert.deepEqual(e.manifestOf(s)?.allow['fs.read'], ['/data', '/logs']);
  assert.equal(p('/data/x'), 'ok');
  assert.equal(e.checkId(s, 3), true);
  e.revoke(s, 'fs.read', '/data');
  assert.equal(p('/data/x'), 'missing');
  assert.equal(p('/logs/a'), 'ok');
  e.revoke(s, 'fs.read', '/logs');
  assert.equal(e.checkId(s, 3), false); // empty list: not granted
  assert.equal(e.check(s, 'fs.read'), 'missing');

  // revoking a narrower scope of a broader grant still takes effect
  e.grant(s, 'fs.read', '/data');
  e.revoke(s, 'fs.read', '/data/secret');
  assert.equal(p('/data/secret/k'), 'missing');
  assert.equal(p('/data/public'), 'ok');
  // a later grant covering it lifts the revocation
  e.grant(s, 'fs.read', '/data/secret');
  assert.equal(p('/data/secret/k'), 'ok');

  e.grant(s, 'net');
  e.revoke(s, 'net', '169.254.169.254');
  assert.equal(e.check(s, 'net', { kind: 'net', host: '2852039166' }), 'missing');
  assert.equal(e.check(s, 'net', { kind: 'net', host: 'example.com' }), 'ok');
  assert.equal(e.check(s, 'net'), 'ok');
});

test('deny always wins, even over a later grant', () => {
  const e = new PolicyEngine();
  const s = e.createSubject(m({ net: true, time: true }));
  e.deny(s, 'time');
  assert.equal(e.check(s, 'time'), 'missing');
  assert.equal(e.checkId(s, 6), false);
  e.grant(s, 'time');
  assert.equal(e.check(s, 'time'), 'missing');
  assert.equal(e.checkId(s, 6), false);
  e.deny(s, 'net', '10.0.0.0/8');
  assert.equal(e.check(s, 'net', { kind: 'net', host: '10.1.2.3' }), 'missing');
  e.grant(s, 'net', '10.1.2.3');
  assert.equal(e.check(s, 'net', { kind: 'net', host: '10.1.2.3' }), 'missing');
  assert.equal(e.checkId(s, 2), true);
  // an explicit deny of a scope a revocation had denied is not lifted by a grant
  e.grant(s, 'env');
  e.revoke(s, 'env', 'SECRET');
  e.deny(s, 'env', 'SECRET');
  e.grant(s, 'env', 'SECRET');
  assert.equal(e.check(s, 'env', { kind: 'env', name: 'SECRET' }), 'missing');
});

test('bad scopes throw ScopeError; scopes on unscoped caps too', () => {
  const e = new PolicyEngine();
  const s = e.createSubject(emptyManifest());
  assert.throws(() => e.grant(s, 'net', 'a*.com'), ScopeError);
  assert.throws(() => e.grant(s, 'time', 'x'), ScopeError);
  assert.throws(() => e.deny(s, 'fs.read', ''), ScopeError);
  assert.deepEqual(e.manifestOf(s), emptyManifest());
  assert.throws(() => e.createSubject(m({ net: ['http://x'] })), ScopeError);
});

test('onChange is called after each change with the live manifest; unsubscribe works', () => {
  const e = new PolicyEngine();
  const s = e.createSubject(emptyManifest(), 'g');
  const seen: PolicyChange[] = [];
  const off = e.onChange((c) => {
    assert.equal(e.check(c.subject, c.capability) === 'ok', c.op === 'grant'); // already effective
    seen.push(c);
  });
  e.grant(s, 'net', 'Example.com');
  e.revoke(s, 'net');
  e.deny(s, 'net');
  assert.deepEqual(
    seen.map((c) => [c.op, c.subject, c.label, c.capability, c.scope]),
    [
      ['grant', s, 'g', 'net', 'example.com'],
      ['revoke', s, 'g', 'net', undefined],
      ['deny', s, 'g', 'net', undefined],
    ],
  );
  assert.deepEqual(seen[0]?.manifest.allow, { net: ['example.com'] });
  off();
  e.grant(s, 'time');
  assert.equal(seen.length, 3);
  assert.equal(e.grant(999, 'time'), 'subject-invalid');
  assert.equal(seen.length, 3);
});

test('many subjects: the bitset grows and keeps each word', () => {
  const e = new PolicyEngine();
  const ids: number[] = [];
  for (let i = 0; i < 100; i++) ids.push(e.createSubject(i % 2 ? m({ time: true }) : m({ net: true })));
  ids.forEach((id, i) => {
    assert.equal(e.checkId(id, 6), i % 2 === 1);
    assert.equal(e.checkId(id, 2), i % 2 === 0);
  });
});

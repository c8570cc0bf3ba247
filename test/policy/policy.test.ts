import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManifestError, ScopeError, UnknownCapabilityError } from '../../host/errors.js';
import {
  compileScopes,
  CompiledPolicy,
  emptyManifest,
  manifestCovers,
  mergeManifests,
  normalizeManifest,
  parseScope,
  type CanonicalManifest,
} from '../../host/policy/index.js';

const m = (allow: object, deny: object = {}): CanonicalManifest => ({ version: 1, allow, deny }) as CanonicalManifest;

test('empty policy grants nothing', () => {
  const p = CompiledPolicy.fromManifest(emptyManifest());
  for (const cap of ['console.write', 'net', 'fs.read', 'fs.write', 'env', 'time'] as const) {
    assert.equal(p.check(cap), 'missing', cap);
  }
  assert.equal(p.check('fs.read', { kind: 'path', path: '/' }), 'missing');
});

test('CompiledPolicy.check: allow, scopes, deny wins', () => {
  const p = CompiledPolicy.fromManifest(
    m(
      { 'fs.read': ['/data'], net: true, env: ['AWS_*'], time: true, 'fs.write': [] },
      { net: ['169.254.169.254', '*.internal'], env: ['AWS_SECRET_ACCESS_KEY'], time: true },
    ),
  );
  const rows: [Parameters<CompiledPolicy['check']>, string][] = [
    [['fs.read'], 'ok'],
    [['fs.read', { kind: 'path', path: '/data/x' }], 'ok'],
    [['fs.read', { kind: 'path', path: '/database' }], 'missing'],
    [['fs.read', { kind: 'path', path: '/data/../etc/passwd' }], 'missing'],
    [['fs.write'], 'missing'], // empty list: declared, nothing granted
    [['fs.write', { kind: 'path', path: '/data' }], 'missing'],
    [['net'], 'ok'], // a deny list does not stop the unscoped check
    [['net', { kind: 'net', host: 'example.com', port: 443 }], 'ok'],
    [['net', { kind: 'net', host: '169.254.169.254' }], 'missing'],
    [['net', { kind: 'net', host: '0xa9fea9fe', port: 80 }], 'missing'],
    [['net', { kind: 'net', host: '::ffff:169.254.169.254' }], 'missing'],
    [['net', { kind: 'net', host: '2852039166' }], 'missing'],
    [['net', { kind: 'net', host: 'db.internal' }], 'missing'],
    [['net', { kind: 'net', host: 'not a host' }], 'missing'], // malformed: fail closed
    [['net', { kind: 'path', path: '/data' }], 'missing'], // wrong kind
    [['env', { kind: 'env', name: 'AWS_REGION' }], 'ok'],
    [['env', { kind: 'env', name: 'AWS_SECRET_ACCESS_KEY' }], 'missing'],
    [['env', { kind: 'env', name: 'HOME' }], 'missing'],
    [['env'], 'ok'],
    [['time'], 'missing'], // denied wholesale
    [['console.write'], 'missing'],
  ];
  for (const [args, want] of rows) assert.equal(p.check(...args), want, JSON.stringify(args));
});

test('deny true beats allow true; deny scope beats allow true on that scope only', () => {
  assert.equal(CompiledPolicy.fromManifest(m({ net: true }, { net: true })).check('net'), 'missing');
  const p = CompiledPolicy.fromManifest(m({ 'fs.read': true }, { 'fs.read': ['/secret'] }));
  assert.equal(p.check('fs.read', { kind: 'path', path: '/secret/key' }), 'missing');
  assert.equal(p.check('fs.read', { kind: 'path', path: '//secret/./key' }), 'missing');
  assert.equal(p.check('fs.read', { kind: 'path', path: '/secrets' }), 'ok');
  // allow and deny on the same thing resolves to deny (Deno CVE-2025-48888)
  const same = CompiledPolicy.fromManifest(m({ 'fs.read': ['/a'] }, { 'fs.read': ['/a'] }));
  assert.equal(same.check('fs.read', { kind: 'path', path: '/a' }), 'missing');
});

test('port-scoped deny: lookup passes, connection on that port is denied', () => {
  const p = CompiledPolicy.fromManifest(m({ net: ['example.com'] }, { net: ['example.com:22'] }));
  assert.equal(p.check('net', { kind: 'net', host: 'example.com' }), 'ok');
  assert.equal(p.check('net', { kind: 'net', host: 'example.com', port: 22 }), 'missing');
  assert.equal(p.check('net', { kind: 'net', host: 'example.com', port: 443 }), 'ok');
});

test('normalizeManifest canonicalises, sorts, dedupes, drops empty deny lists', () => {
  const n = normalizeManifest(
    m(
      { net: ['B.com', 'a.com', 'b.com.', '2130706433'], 'fs.read': ['/data/', '/data'], time: true, 'fs.write': [] },
      { env: [], net: ['0x7f000001'] },
    ),
  );
  assert.deepEqual(n, {
    version: 1,
    allow: { 'fs.read': ['/data'], 'fs.write': [], net: ['127.0.0.1', 'a.com', 'b.com'], time: true },
    deny: { net: ['127.0.0.1'] },
  });
  assert.deepEqual(normalizeManifest(n), n);
});

test('normalizeManifest rejects bad input with typed errors naming the place', () => {
  assert.throws(
    () => normalizeManifest(m({ nett: true })),
    (e: unknown) => e instanceof UnknownCapabilityError && e.where === 'manifest.allow.nett' && e.message.includes('"nett"'),
  );
  assert.throws(
    () => normalizeManifest(m({ net: ['a*.com'] })),
    (e: unknown) => e instanceof ScopeError && e.where === 'manifest.allow.net[0]',
  );
  assert.throws(
    () => normalizeManifest(m({ time: ['x'] })),
    (e: unknown) => e instanceof ScopeError && e.message.includes('takes no scopes'),
  );
  assert.throws(
    () => normalizeManifest(m({ net: false })),
    (e: unknown) => e instanceof ManifestError && e.message.includes('false'),
  );
  assert.throws(
    () => normalizeManifest(m({ net: [1] })),
    (e: unknown) => e instanceof ManifestError && e.where === 'manifest.allow.net[0]',
  );
  assert.throws(() => normalizeManifest({ version: 2, allow: {}, deny: {} } as unknown as CanonicalManifest), ManifestError);
  assert.throws(
    () => normalizeManifest({ version: 1, allow: {}, deny: {}, extra: 1 } as unknown as CanonicalManifest),
    (e: unknown) => e instanceof ManifestError && e.message.includes('"extra"'),
  );
  assert.throws(() => normalizeManifest(m([] as unknown as object)), ManifestError);
});

test('parseScope: capabilities without scopes and unknown capabilities', () => {
  assert.throws(() => parseScope('console.write', 'x'), ScopeError);
  assert.throws(() => parseScope('nope' as 'net', 'x'), UnknownCapabilityError);
  assert.equal(parseScope('fs.write', '/tmp/'), '/tmp');
  assert.equal(parseScope('env', 'A_*'), 'A_*');
});

test('compileScopes matches the right kind only', () => {
  const s = compileScopes('fs.read', ['/a', '/b/c']);
  assert.ok(s.allows({ kind: 'path', path: '/b/c/d' }));
  assert.ok(!s.allows({ kind: 'path', path: '/b' }));
  assert.ok(!s.allows({ kind: 'env', name: '/a' }));
  assert.throws(
    () => compileScopes('net', ['ok.com', 'bad/x']),
    (e: unknown) => e instanceof ScopeError && e.where === 'net scopes[1]',
  );
});

test('mergeManifests and manifestCovers', () => {
  const a = m({ net: ['a.com'], 'fs.read': ['/x'] }, { env: ['A'] });
  const b = m({ net: ['b.com'], 'fs.read': true }, { env: true });
  assert.deepEqual(mergeManifests(a, b), {
    version: 1,
    allow: { 'fs.read': true, net: ['a.com', 'b.com'] },
    deny: { env: true },
  });
  const c = m({ net: ['*.example.com', '10.0.0.0/8'], 'fs.read': ['/data'], time: true });
  assert.ok(manifestCovers(c, 'time'));
  assert.ok(!manifestCovers(c, 'net'));
  assert.ok(manifestCovers(c, 'net', 'api.example.com:443'));
  assert.ok(!manifestCovers(c, 'net', 'example.com'));
  assert.ok(manifestCovers(c, 'net', '0x0a000001'));
  assert.ok(manifestCovers(c, 'fs.read', '/data/sub'));
  assert.ok(!manifestCovers(c, 'fs.read', '/database'));
  assert.ok(!manifestCovers(c, 'fs.write', '/data'));
});

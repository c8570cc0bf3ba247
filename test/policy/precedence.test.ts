import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScopeError, UndeclaredCapabilityError } from '../../host/errors.js';
import { CompiledPolicy, resolvePolicy, type CanonicalManifest } from '../../host/policy/index.js';

const m = (allow: object, deny: object = {}): CanonicalManifest => ({ version: 1, allow, deny }) as CanonicalManifest;

test('nothing in, nothing granted', () => {
  const r = resolvePolicy({});
  assert.deepEqual(r.manifest, m({}));
  assert.deepEqual(r.warnings, []);
});

test('defaults apply without an embedded manifest, and merge with a user manifest', () => {
  const defaultGrants = m({ 'console.write': true });
  assert.deepEqual(resolvePolicy({ defaultGrants }).manifest, m({ 'console.write': true }));
  assert.deepEqual(
    resolvePolicy({ defaultGrants, manifest: m({ net: ['a.com'] }) }).manifest,
    m({ 'console.write': true, net: ['a.com'] }),
  );
  assert.deepEqual(resolvePolicy({ defaultGrants, embedded: m({ time: true }) }).manifest, m({ time: true }));
  // --deny-console takes the default away
  const r = resolvePolicy({ defaultGrants, denyFlags: m({}, { 'console.write': true }) });
  assert.equal(CompiledPolicy.fromManifest(r.manifest).check('console.write'), 'missing');
});

test('allow flags add, deny flags win (from deny or allow section)', () => {
  const r = resolvePolicy({
    manifest: m({ 'fs.read': ['/data'] }),
    allowFlags: m({ net: true, 'fs.read': ['/logs'] }),
    denyFlags: m({ net: ['10.0.0.0/8'] }, { 'fs.read': ['/data/secret'] }),
  });
  assert.deepEqual(r.manifest, m({ 'fs.read': ['/data', '/logs'], net: true }, { 'fs.read': ['/data/secret'], net: ['10.0.0.0/8'] }));
  const p = CompiledPolicy.fromManifest(r.manifest);
  assert.equal(p.check('net', { kind: 'net', host: '0x0a000001' }), 'missing');
  assert.equal(p.check('fs.read', { kind: 'path', path: '/data/secret/x' }), 'missing');
  assert.equal(p.check('fs.read', { kind: 'path', path: '/logs/x' }), 'ok');
});

test('embedded manifest is the ceiling for allow flags', () => {
  const embedded = m({ net: ['*.example.com'], 'fs.read': ['/data'] }, { net: ['evil.example.com'] });
  // within the ceiling: fine
  const ok = resolvePolicy({ embedded, allowFlags: m({ net: ['api.example.com:443'], 'fs.read': ['/data/x'] }) });
  assert.deepEqual(ok.undeclared, []);
  assert.deepEqual(ok.manifest.deny, { net: ['evil.example.com'] }); // embedded denies stay
  // an unscoped flag is clamped to what is declared
  assert.deepEqual(resolvePolicy({ embedded, allowFlags: m({ net: true }) }).manifest.allow.net, ['*.example.com']);
  // beyond the ceiling: refused, naming it
  for (const [flags, cap, scope] of [
    [m({ time: true }), 'time', undefined],
    [m({ net: ['example.com'] }), 'net', 'example.com'],
    [m({ 'fs.read': ['/etc'] }), 'fs.read', '/etc'],
    [m({ 'fs.write': true }), 'fs.write', undefined],
  ] as const) {
    assert.throws(
      () => resolvePolicy({ embedded, allowFlags: flags }),
      (e: unknown) => e instanceof UndeclaredCapabilityError && e.capability === cap && e.scope === scope && e.message.includes(`"${cap}"`),
      cap,
    );
  }
});

test('allowUndeclared grants, lists and warns', () => {
  const embedded = m({ net: ['a.com'] });
  const r = resolvePolicy({ embedded, allowFlags: m({ time: true, net: ['b.com', 'a.com'] }), allowUndeclared: true });
  assert.deepEqual(r.manifest.allow, { net: ['a.com', 'b.com'], time: true });
  assert.deepEqual(r.undeclared, [{ capability: 'net', scope: 'b.com' }, { capability: 'time' }]);
  assert.equal(r.warnings.length, 2);
  assert.ok(r.warnings.some((w) => w.includes('"net" scope "b.com"')));
});

test('a user manifest can only narrow the embedded one', () => {
  const embedded = m({ net: ['*.example.com'], 'fs.read': ['/data'], time: true }, { env: true });
  const r = resolvePolicy({
    embedded,
    manifest: m({ net: ['api.example.com', 'other.org'], 'fs.read': true, env: ['HOME'] }, { time: true }),
  });
  assert.deepEqual(r.manifest, m({ 'fs.read': ['/data'], net: ['api.example.com'] }, { env: true, time: true }));
  assert.equal(r.warnings.length, 2); // other.org and env
  assert.ok(r.warnings.some((w) => w.includes('other.org')));
  assert.ok(r.warnings.some((w) => w.includes('"env"')));
  // allow flags may re-widen within the ceiling
  const r2 = resolvePolicy({ embedded, manifest: m({ time: true }), allowFlags: m({ 'fs.read': ['/data/sub'] }) });
  assert.deepEqual(r2.manifest.allow, { 'fs.read': ['/data/sub'], time: true });
});

test('malformed input is a typed error naming the layer', () => {
  assert.throws(
    () => resolvePolicy({ allowFlags: m({ net: ['x/y'] }) }),
    (e: unknown) => e instanceof ScopeError && e.where.startsWith('allow flags'),
  );
  assert.throws(
    () => resolvePolicy({ embedded: m({ env: ['A=B'] }) }),
    (e: unknown) => e instanceof ScopeError && e.where.startsWith('embedded manifest'),
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScopeError } from '../../host/errors.js';
import { EnvScope } from '../../host/policy/index.js';

test('EnvScope.allows: exact (case-sensitive) and prefix', () => {
  const cases: [string, string, boolean][] = [
    ['HOME', 'HOME', true],
    ['HOME', 'home', false],
    ['HOME', 'HOMEDIR', false],
    ['HOME', 'HOM', false],
    ['AWS_*', 'AWS_REGION', true],
    ['AWS_*', 'AWS_', true],
    ['AWS_*', 'AWS', false],
    ['AWS_*', 'aws_region', false],
    ['AWS_*', 'XAWS_REGION', false],
    ['*', 'ANYTHING', true],
    ['*', '', false],
    ['HOME', 'HOME=x', false],
    ['*', 'A\0', false],
  ];
  for (const [scope, name, want] of cases) {
    assert.equal(EnvScope.parse(scope).allows(name), want, `${scope} allows ${JSON.stringify(name)}`);
    assert.equal(EnvScope.parse(scope).blocks(name), want);
  }
});

test('EnvScope.parse rejects empty, "=", NUL, "*" not at the end', () => {
  for (const bad of ['', 'A=B', '=', 'A\0', 'A*B', '*A', 'A**', 'A_*_*']) {
    assert.throws(
      () => EnvScope.parse(bad, 'molt.toml [capabilities] env'),
      (e: unknown) => e instanceof ScopeError && e.message.startsWith('molt.toml [capabilities] env: ') && e.input === bad,
      JSON.stringify(bad),
    );
  }
});

test('EnvScope canonical form and covers', () => {
  assert.equal(EnvScope.parse('AWS_*').toString(), 'AWS_*');
  assert.equal(EnvScope.parse('PATH').toString(), 'PATH');
  assert.ok(EnvScope.parse('AWS_*').covers(EnvScope.parse('AWS_REGION')));
  assert.ok(EnvScope.parse('AWS_*').covers(EnvScope.parse('AWS_S3_*')));
  assert.ok(!EnvScope.parse('AWS_S3_*').covers(EnvScope.parse('AWS_*')));
  assert.ok(!EnvScope.parse('AWS_REGION').covers(EnvScope.parse('AWS_*')));
  assert.ok(EnvScope.parse('A').covers(EnvScope.parse('A')));
});

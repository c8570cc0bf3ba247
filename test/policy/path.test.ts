import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScopeError } from '../../host/errors.js';
import { normalizeGuestPath, PathScope } from '../../host/policy/index.js';

test('normalizeGuestPath', () => {
  const cases: [string, string | null][] = [
    ['/data', '/data'],
    ['/data/', '/data'],
    ['//data//x/', '/data/x'],
    ['/data/./x/.', '/data/x'],
    ['/data/x/../y', '/data/y'],
    ['/', '/'],
    ['/.', '/'],
    ['/..', null],
    ['/data/../..', null],
    ['/data/../../etc', null],
    ['fs-tests.dir', 'fs-tests.dir'],
    ['fs-tests.dir/./a/', 'fs-tests.dir/a'],
    ['./a', 'a'],
    ['.', '.'],
    ['a/..', '.'],
    ['a/../..', null],
    ['..', null],
    ['../x', null],
    ['', null],
    ['/a\0b', null],
  ];
  for (const [input, want] of cases) assert.equal(normalizeGuestPath(input), want, JSON.stringify(input));
});

test('PathScope.parse canonicalises', () => {
  const cases: [string, string][] = [
    ['/data/', '/data'],
    ['//data/./x', '/data/x'],
    ['/a/b/..', '/a'],
    ['fs-tests.dir/', 'fs-tests.dir'],
    ['/', '/'],
    ['.', '.'],
  ];
  for (const [input, want] of cases) assert.equal(PathScope.parse(input).toString(), want, input);
});

test('PathScope.parse rejects empty, NUL, escapes, quoting input and place', () => {
  for (const bad of ['', '/a\0', '/..', '../x', 'a/../../b']) {
    assert.throws(
      () => PathScope.parse(bad, 'profile.json: fs.read[2]'),
      (e: unknown) =>
        e instanceof ScopeError &&
        e.where === 'profile.json: fs.read[2]' &&
        e.message.includes('profile.json: fs.read[2]') &&
        (bad === '' || e.message.includes(JSON.stringify(bad))),
      JSON.stringify(bad),
    );
  }
});

test('PathScope.allows: a directory covers its subtree by whole components', () => {
  const cases: [string, string, boolean][] = [
    ['/data', '/data', true],
    ['/data', '/data/', true],
    ['/data', '/data/x/y', true],
    ['/data', '/data/./x', true],
    ['/data', '//data//x', true],
    ['/data', '/database', false],
    ['/data', '/dat', false],
    ['/data', '/', false],
    ['/data', '/data/../etc', false],
    ['/data', '/data/../data/x', true],
    ['/data', '/other/../data/x', true],
    ['/data', '/../data', false], // escapes: never matches
    ['/data', 'data', false], // relative vs absolute namespaces
    ['/data', '/DATA', false], // case-sensitive
    ['/', '/anything/at/all', true],
    ['/', 'relative', false],
    ['fs-tests.dir', 'fs-tests.dir/a.txt', true],
    ['fs-tests.dir', './fs-tests.dir/a.txt', true],
    ['fs-tests.dir', 'fs-tests.dir2', false],
    ['fs-tests.dir', '/fs-tests.dir', false],
    ['fs-tests.dir', 'fs-tests.dir/../../x', false],
    ['.', 'a/b', true],
    ['.', '/a', false],
    ['/data', '', false],
    ['/data', '/data/a\0', false],
  ];
  for (const [scope, target, want] of cases) {
    assert.equal(PathScope.parse(scope).allows(target), want, `${scope} allows ${JSON.stringify(target)}`);
    assert.equal(PathScope.parse(scope).blocks(target), want, `${scope} blocks ${JSON.stringify(target)}`);
  }
});

test('PathScope.covers', () => {
  assert.ok(PathScope.parse('/data').covers(PathScope.parse('/data/x')));
  assert.ok(PathScope.parse('/').covers(PathScope.parse('/data')));
  assert.ok(!PathScope.parse('/data/x').covers(PathScope.parse('/data')));
  assert.ok(!PathScope.parse('/data').covers(PathScope.parse('/database')));
  assert.ok(!PathScope.parse('/').covers(PathScope.parse('rel')));
});

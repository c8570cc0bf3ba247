// Models other spellings of one path (Deno CVE-2026-49401: case, trailing slash or dot; cap-std GHSA-vqjp-4c8c-hfgg: trailing-slash symlink escape).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { E, policy, REFUSED, runOps, sandbox, snapshot } from './support.js';

test('a denied subpath stays denied under every spelling', async () => {
  const s = sandbox();
  mkdirSync(join(s.granted, 'private'));
  writeFileSync(join(s.granted, 'private', 'key.txt'), 'PRIVATE-KEY\n');
  // `x` exists, so `x/../private` really reaches the denied directory (paths are walked, not
  // normalised lexically: a missing `x` would stop at no-entry).
  mkdirSync(join(s.granted, 'x'));
  const spellings = [
    'private/key.txt',
    './private/key.txt',
    'private//key.txt',
    'private/./key.txt',
    './/private/./key.txt',
    'x/../private/key.txt',
    'private/key.txt/.',
  ];
  const r = await runOps(
    [
      ...spellings.map((path, i) => ({ op: 'cat' as const, label: `s${i}`, fd: 3, path })),
      { op: 'list', label: 'dir-slash', fd: 3, path: 'private/' },
      { op: 'list', label: 'dir-dot', fd: 3, path: 'private/.' },
      { op: 'list', label: 'dir-dslash', fd: 3, path: './/private//' },
      { op: 'cat', label: 'control', fd: 3, path: 'a.txt' },
    ],
    policy({ 'console.write': true, 'fs.read': ['/data'] }, { 'fs.read': ['/data/private'] }),
    { dirs: { '/data': s.granted } },
  );
  for (let i = 0; i < spellings.length; i++) {
    const c = r.codes[`s${i}`]!;
    assert.ok(c === E.acces || c === 54 /* ENOTDIR for key.txt/. */, `${spellings[i]}: ${c}`);
  }
  for (const l of ['dir-slash', 'dir-dot', 'dir-dslash']) assert.equal(r.codes[l], E.acces, l);
  assert.equal(r.codes['control'], 0);
  assert.ok(!r.stdout.includes('PRIVATE-KEY') && !r.stdout.includes('key.txt'));
});

test('a trailing slash on a symlink leading out does not bypass the escape check', async () => {
  const s = sandbox();
  symlinkSync(s.outside, join(s.granted, 'door'));
  symlinkSync(join(s.outside, 'secret.txt'), join(s.granted, 'filedoor'));
  const before = snapshot(s.root);
  const r = await runOps(
    [
      { op: 'list', label: 'slash', fd: 3, path: 'door/' },
      { op: 'list', label: 'slashdot', fd: 3, path: 'door/.' },
      { op: 'stat', label: 'stat-nofollow-slash', fd: 3, path: 'door/', lookup: 0 },
      { op: 'cat', label: 'file-slash', fd: 3, path: 'filedoor/' },
      { op: 'mkdir', label: 'mkdir-slash', fd: 3, path: 'door/x/' },
      { op: 'rmdir', label: 'rmdir-slash', fd: 3, path: 'door/dir/' },
    ],
    policy({ 'console.write': true, 'fs.read': ['/data'], 'fs.write': ['/data'] }),
    { dirs: { '/data': s.granted } },
  );
  for (const l of ['slash', 'slashdot', 'stat-nofollow-slash', 'mkdir-slash', 'rmdir-slash'])
    assert.ok(REFUSED.has(r.codes[l]!), `${l}: ${r.codes[l]}`);
  assert.notEqual(r.codes['file-slash'], 0);
  assert.ok(!r.stdout.includes('secret.txt') && !r.stdout.includes(s.secret));
  assert.deepEqual(snapshot(s.root), before);
});

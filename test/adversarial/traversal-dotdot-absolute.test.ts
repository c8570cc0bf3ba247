// Models traversal out of a grant with `..` and absolute paths: Node CVE-2023-39332 / CVE-2024-21891 (path traversal past the permission model) and Deno CVE-2024-27931.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { E, policy, REFUSED, runOps, sandbox, snapshot, type Op } from './support.js';

test('`..` and absolute paths never leave a read-only grant', async () => {
  const s = sandbox();
  const out = basename(s.outside);
  // `a` exists, so `a/../..` really climbs (a missing `a` would stop the walk at no-entry).
  mkdirSync(join(s.granted, 'a'));
  const before = snapshot(s.root);
  const paths = [
    `../${out}/secret.txt`,
    `a/../../${out}/secret.txt`,
    `./../${out}/secret.txt`,
    `../../../../../../${s.outside.slice(1)}/secret.txt`,
    `${s.outside}/secret.txt`,
    `/data/../${out}/secret.txt`,
    `//${s.outside.slice(1)}/secret.txt`,
  ];
  const ops: Op[] = paths.map((path, i) => ({ op: 'cat', label: `cat${i}`, fd: 3, path }));
  // On POSIX `\` is an ordinary character: this names one file inside the grant (absent).
  ops.push({ op: 'cat', label: 'backslash', fd: 3, path: `..\\${out}\\secret.txt` });
  ops.push({ op: 'list', label: 'list-up', fd: 3, path: '..' });
  ops.push({ op: 'stat', label: 'stat-up', fd: 3, path: `../${out}` });
  ops.push({ op: 'cat', label: 'inside', fd: 3, path: 'a.txt' });
  const r = await runOps(ops, policy({ 'console.write': true, 'fs.read': ['/data'] }), { dirs: { '/data': s.granted } });
  assert.equal(r.result.exitCode, 0, r.result.error?.message);
  for (let i = 0; i < paths.length; i++) assert.ok(REFUSED.has(r.codes[`cat${i}`]!), `${paths[i]}: ${r.codes[`cat${i}`]}`);
  assert.equal(r.codes['backslash'], E.noent);
  assert.ok(REFUSED.has(r.codes['list-up']!));
  assert.ok(REFUSED.has(r.codes['stat-up']!));
  // The control: the grant itself is readable, so the refusals above are the gate's doing.
  assert.equal(r.codes['inside'], 0);
  assert.match(r.stdout, /<<inside\n>>/);
  assert.ok(!r.stdout.includes(s.secret));
  assert.deepEqual(snapshot(s.root), before);
});

test('`..` through a write grant cannot create or delete outside', async () => {
  const s = sandbox();
  const out = basename(s.outside);
  const before = snapshot(s.outside);
  const r = await runOps(
    [
      { op: 'open', label: 'create', fd: 3, path: `../${out}/new.txt`, oflags: 1, rights: 1n << 6n },
      { op: 'open', label: 'trunc', fd: 3, path: `../${out}/secret.txt`, oflags: 8, rights: 1n << 6n },
      { op: 'unlink', label: 'unlink', fd: 3, path: `../${out}/secret.txt` },
      { op: 'mkdir', label: 'mkdir', fd: 3, path: `../${out}/made` },
      { op: 'rmdir', label: 'rmdir', fd: 3, path: `../${out}/dir` },
      { op: 'mkdir', label: 'control', fd: 3, path: 'made-inside' },
    ],
    policy({ 'console.write': true, 'fs.read': ['/data'], 'fs.write': ['/data'] }),
    { dirs: { '/data': s.granted } },
  );
  for (const l of ['create', 'trunc', 'unlink', 'mkdir', 'rmdir']) assert.ok(REFUSED.has(r.codes[l]!), `${l}: ${r.codes[l]}`);
  assert.equal(r.codes['control'], 0);
  assert.deepEqual(snapshot(s.outside), before);
});

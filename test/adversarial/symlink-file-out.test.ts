// Models a symlink inside the grant pointing at a file outside it: Deno CVE-2021-41641 / GHSA-jxwh-q9gp-f7j9 and Node CVE-2025-55130 (symlink escapes from the permission model).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FOLLOW, policy, REFUSED, runOps, sandbox, snapshot } from './support.js';

test('a symlink to an outside file (absolute and relative) is refused for every use', async () => {
  const s = sandbox();
  symlinkSync(join(s.outside, 'secret.txt'), join(s.granted, 'abs'));
  symlinkSync(`../${basename(s.outside)}/secret.txt`, join(s.granted, 'rel'));
  symlinkSync('rel', join(s.granted, 'chain'));
  const before = snapshot(s.root);
  const r = await runOps(
    [
      { op: 'cat', label: 'abs', fd: 3, path: 'abs' },
      { op: 'cat', label: 'rel', fd: 3, path: 'rel' },
      { op: 'cat', label: 'chain', fd: 3, path: 'chain' },
      { op: 'stat', label: 'stat-follow', fd: 3, path: 'rel', lookup: FOLLOW },
      { op: 'open', label: 'trunc', fd: 3, path: 'abs', oflags: 8, rights: 1n << 6n, lookup: FOLLOW },
      { op: 'settimes', label: 'times', fd: 3, path: 'rel', lookup: FOLLOW },
      { op: 'cat', label: 'control', fd: 3, path: 'a.txt' },
    ],
    policy({ 'console.write': true, 'fs.read': ['/data'], 'fs.write': ['/data'] }),
    { dirs: { '/data': s.granted } },
  );
  for (const l of ['abs', 'rel', 'chain', 'stat-follow', 'trunc', 'times']) assert.ok(REFUSED.has(r.codes[l]!), `${l}: ${r.codes[l]}`);
  assert.equal(r.codes['control'], 0);
  assert.ok(!r.stdout.includes(s.secret));
  assert.deepEqual(snapshot(s.root), before);
});

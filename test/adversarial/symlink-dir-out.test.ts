// Models a symlinked directory inside the grant pointing outside (Deno CVE-2021-41641, cap-std GHSA-vqjp-4c8c-hfgg's trailing-slash variant).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { E, policy, REFUSED, runOps, sandbox, snapshot } from './support.js';

test('a directory symlink leading out: no listing, no reads or writes through it', async () => {
  const s = sandbox();
  symlinkSync(s.outside, join(s.granted, 'door'));
  symlinkSync('../outside/dir', join(s.granted, 'reldoor'));
  const before = snapshot(s.root);
  const r = await runOps(
    [
      { op: 'list', label: 'list', fd: 3, path: 'door' },
      { op: 'list', label: 'list-slash', fd: 3, path: 'door/' },
      { op: 'cat', label: 'through', fd: 3, path: 'door/secret.txt' },
      { op: 'cat', label: 'reldoor', fd: 3, path: 'reldoor/inner.txt' },
      { op: 'cat', label: 'dotdot', fd: 3, path: 'reldoor/../secret.txt' },
      { op: 'open', label: 'create', fd: 3, path: 'door/planted.txt', oflags: 1, rights: 1n << 6n },
      { op: 'mkdir', label: 'mkdir', fd: 3, path: 'door/newdir' },
      { op: 'unlink', label: 'unlink', fd: 3, path: 'door/secret.txt' },
      { op: 'rename', label: 'rename-in', fd: 3, path: 'door/secret.txt', fd2: 3, path2: 'stolen.txt' },
      { op: 'list', label: 'control', fd: 3, path: '.' },
    ],
    policy({ 'console.write': true, 'fs.read': ['/data'], 'fs.write': ['/data'] }),
    { dirs: { '/data': s.granted } },
  );
  // `reldoor/..` is walked, not lexical: following reldoor already leaves the sandbox.
  assert.equal(r.codes['dotdot'], E.perm);
  for (const l of ['list', 'list-slash', 'through', 'reldoor', 'create', 'mkdir', 'unlink', 'rename-in']) {
    assert.ok(REFUSED.has(r.codes[l]!), `${l}: ${r.codes[l]}`);
  }
  assert.equal(r.codes['control'], 0);
  assert.ok(!r.stdout.includes('secret.txt'), 'an outside name was listed');
  assert.ok(!r.stdout.includes(s.secret));
  assert.deepEqual(snapshot(s.root), before);
});

// Models traversal through a second argument (Deno CVE-2024-27931, Node CVE-2024-21891): a rename target, a link target or a symlink's own name leaving the grant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { FOLLOW, policy, REFUSED, runOps, sandbox, snapshot } from './support.js';

test('second arguments are checked as strictly as first ones', async () => {
  const s = sandbox();
  symlinkSync(s.outside, join(s.granted, 'door'));
  const before = snapshot(s.outside);
  const r = await runOps(
    [
      { op: 'rename', label: 'rename-to-dotdot', fd: 3, path: 'a.txt', fd2: 3, path2: '../outside/a.txt' },
      { op: 'rename', label: 'rename-to-abs', fd: 3, path: 'a.txt', fd2: 3, path2: `${s.outside}/a.txt` },
      { op: 'rename', label: 'rename-to-door', fd: 3, path: 'a.txt', fd2: 3, path2: 'door/a.txt' },
      { op: 'rename', label: 'rename-from-door', fd: 3, path: 'door/secret.txt', fd2: 3, path2: 'got.txt' },
      { op: 'link', label: 'link-from-dotdot', fd: 3, path: '../outside/secret.txt', fd2: 3, path2: 'got.txt' },
      { op: 'link', label: 'link-from-door', fd: 3, path: 'door/secret.txt', fd2: 3, path2: 'got.txt', lookup: FOLLOW },
      { op: 'link', label: 'link-to-door', fd: 3, path: 'a.txt', fd2: 3, path2: 'door/planted.txt' },
      { op: 'symlink', label: 'symlink-name-out', target: 'a.txt', fd: 3, path: '../outside/planted' },
      { op: 'symlink', label: 'symlink-name-door', target: 'a.txt', fd: 3, path: 'door/planted' },
      // Planting a link whose target is outside is allowed (creation is checked where it is made) ...
      { op: 'symlink', label: 'plant', target: '../outside/secret.txt', fd: 3, path: 'planted' },
      // ... but following it never is.
      { op: 'cat', label: 'follow-planted', fd: 3, path: 'planted' },
    ],
    policy({ 'console.write': true, 'fs.read': ['/data'], 'fs.write': ['/data'] }),
    { dirs: { '/data': s.granted } },
  );
  for (const l of [
    'rename-to-dotdot',
    'rename-to-abs',
    'rename-to-door',
    'rename-from-door',
    'link-from-dotdot',
    'link-from-door',
    'link-to-door',
    'symlink-name-out',
    'symlink-name-door',
    'follow-planted',
  ]) {
    assert.ok(REFUSED.has(r.codes[l]!), `${l}: ${r.codes[l]}`);
  }
  assert.ok(!r.stdout.includes(s.secret));
  assert.deepEqual(snapshot(s.outside), before);
});

// Models "one operation missing its check" (Deno CVE-2025-61786 / CVE-2025-61785 utime and chmod, Node CVE-2025-55132): every mutating path call on a read-only grant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { E, policy, runOps, sandbox, snapshot } from './support.js';

test('rename, link, unlink, mkdir, rmdir, symlink and set-times are refused on a read-only grant', async () => {
  const s = sandbox();
  mkdirSync(join(s.granted, 'sub'));
  const before = snapshot(s.root);
  const r = await runOps(
    [
      { op: 'rename', label: 'rename', fd: 3, path: 'a.txt', fd2: 3, path2: 'b.txt' },
      { op: 'link', label: 'link', fd: 3, path: 'a.txt', fd2: 3, path2: 'hard.txt' },
      { op: 'unlink', label: 'unlink', fd: 3, path: 'a.txt' },
      { op: 'mkdir', label: 'mkdir', fd: 3, path: 'newdir' },
      { op: 'rmdir', label: 'rmdir', fd: 3, path: 'sub' },
      { op: 'symlink', label: 'symlink', target: 'a.txt', fd: 3, path: 'sym' },
      { op: 'settimes', label: 'settimes', fd: 3, path: 'a.txt' },
      { op: 'settimes', label: 'settimes-dir', fd: 3, path: 'sub' },
      { op: 'stat', label: 'stat', fd: 3, path: 'a.txt' },
    ],
    policy({ 'console.write': true, 'fs.read': ['/data'] }),
    { dirs: { '/data': s.granted } },
  );
  for (const l of ['rename', 'link', 'unlink', 'mkdir', 'rmdir', 'symlink', 'settimes', 'settimes-dir']) {
    assert.equal(r.codes[l], E.acces, `${l}: ${r.codes[l]}`);
  }
  assert.equal(r.codes['stat'], 0);
  assert.deepEqual(snapshot(s.root), before);
});

test('the same calls succeed under a write grant (the refusals above are the policy, not the platform)', async () => {
  const s = sandbox();
  mkdirSync(join(s.granted, 'sub'));
  const r = await runOps(
    [
      { op: 'link', label: 'link', fd: 3, path: 'a.txt', fd2: 3, path2: 'hard.txt' },
      { op: 'rename', label: 'rename', fd: 3, path: 'hard.txt', fd2: 3, path2: 'b.txt' },
      { op: 'unlink', label: 'unlink', fd: 3, path: 'b.txt' },
      { op: 'mkdir', label: 'mkdir', fd: 3, path: 'newdir' },
      { op: 'rmdir', label: 'rmdir', fd: 3, path: 'sub' },
      { op: 'symlink', label: 'symlink', target: 'a.txt', fd: 3, path: 'sym' },
      { op: 'settimes', label: 'settimes', fd: 3, path: 'a.txt' },
    ],
    policy({ 'console.write': true, 'fs.read': ['/data'], 'fs.write': ['/data'] }),
    { dirs: { '/data': s.granted } },
  );
  for (const l of ['link', 'rename', 'unlink', 'mkdir', 'rmdir', 'symlink', 'settimes']) assert.equal(r.codes[l], 0, l);
});

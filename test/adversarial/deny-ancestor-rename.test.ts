/**
 * A deny on a subtree bypassed by renaming an ancestor (path-based deny lists in general;
 * found in molt-wasm 0.1): with `--deny-read=/data/proj/x`, renaming `/data/proj` to
 * `/data/other` made `/data/other/x` readable. SPEC section 5: renaming or removing a
 * directory that contains a deny scope is refused (`access`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { E, policy, runOps, sandbox } from './support.js';

test('renaming or removing an ancestor of a deny rule is refused', async () => {
  const s = sandbox();
  mkdirSync(join(s.granted, 'proj', 'x'), { recursive: true });
  mkdirSync(join(s.granted, 'empty', 'y'), { recursive: true });
  mkdirSync(join(s.granted, 'free'));
  writeFileSync(join(s.granted, 'proj', 'x', 'secret.txt'), 'DENIED-CONTENT\n');
  const r = await runOps(
    [
      { op: 'rename', label: 'rename-parent', fd: 3, path: 'proj', fd2: 3, path2: 'other' },
      { op: 'cat', label: 'read-other', fd: 3, path: 'other/x/secret.txt' },
      { op: 'rename', label: 'rename-denied', fd: 3, path: 'proj/x', fd2: 3, path2: 'free/x' },
      // Replacing a path that holds a deny rule by another directory is refused as well.
      { op: 'rename', label: 'rename-onto', fd: 3, path: 'free', fd2: 3, path2: 'empty/y' },
      { op: 'rmdir', label: 'rmdir-denied', fd: 3, path: 'empty/y' },
      // The controls: a directory with no deny rule in it renames and is removed.
      { op: 'rename', label: 'control-rename', fd: 3, path: 'free', fd2: 3, path2: 'free2' },
      { op: 'rmdir', label: 'control-rmdir', fd: 3, path: 'free2' },
      { op: 'cat', label: 'read-denied', fd: 3, path: 'proj/x/secret.txt' },
    ],
    policy(
      { 'console.write': true, 'fs.read': ['/data'], 'fs.write': ['/data'] },
      { 'fs.read': ['/data/proj/x'], 'fs.write': ['/data/empty/y'] },
    ),
    { dirs: { '/data': s.granted } },
  );
  assert.equal(r.codes['rename-parent'], E.acces);
  assert.equal(r.codes['read-other'], E.noent);
  assert.equal(r.codes['rename-denied'], E.acces);
  assert.equal(r.codes['rename-onto'], E.acces);
  assert.equal(r.codes['rmdir-denied'], E.acces);
  assert.equal(r.codes['control-rename'], 0);
  assert.equal(r.codes['control-rmdir'], 0);
  assert.equal(r.codes['read-denied'], E.acces);
  assert.ok(!r.stdout.includes('DENIED-CONTENT'));
  assert.ok(existsSync(join(s.granted, 'proj', 'x', 'secret.txt')));
  assert.ok(existsSync(join(s.granted, 'empty', 'y')));
});

/**
 * A held directory descriptor re-pointed by rename and symlink: the guest opens `sub` inside
 * its preopen and keeps the descriptor, renames `sub` away and puts a symlink where it was
 * (`../../../../../../../..` then a host path), then keeps using the old descriptor. Found in
 * molt-wasm 0.1: preview2-shim kept the descriptor as a host path and re-resolved it on every
 * call, so every later open, listing or create landed outside the preopen. It is the reason
 * cap-std and Wasmtime resolve beneath descriptors (shared/notes/bypasses.md). No race needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { E, O, policy, runOps, sandbox, snapshot } from './support.js';

test('a held directory descriptor stays on its directory after rename + symlink in its place', async () => {
  const s = sandbox();
  mkdirSync(join(s.granted, 'sub'));
  const outsideBefore = snapshot(s.outside);
  const climb = '../'.repeat(12) + s.outside.slice(1);
  const r = await runOps(
    [
      { op: 'hold', label: 'hold', fd: 3, path: 'sub', oflags: O.directory }, // fd 4
      { op: 'rename', label: 'away', fd: 3, path: 'sub', fd2: 3, path2: 'moved' },
      { op: 'symlink', label: 'plant', target: climb, fd: 3, path: 'sub' },
      // Through the old descriptor: each of these would reach `outside/` if it were a path.
      { op: 'cat', label: 'read', fd: 4, path: 'secret.txt' },
      { op: 'list', label: 'list', fd: 4, path: '.' },
      { op: 'write', label: 'create', fd: 4, path: 'planted.txt', text: 'planted' },
      { op: 'mkdir', label: 'mkdir', fd: 4, path: 'newdir' },
      { op: 'unlink', label: 'unlink', fd: 4, path: 'secret.txt' },
      // And the symlink itself, through the preopen: it leads out, so it is refused.
      { op: 'cat', label: 'via-link', fd: 3, path: 'sub/secret.txt' },
    ],
    policy({ 'console.write': true, 'fs.read': ['/data'], 'fs.write': ['/data'] }),
    { dirs: { '/data': s.granted } },
  );
  assert.equal(r.result.exitCode, 0, r.result.error?.message);
  assert.equal(r.codes['hold'], 0);
  assert.equal(r.codes['away'], 0);
  assert.equal(r.codes['plant'], 0);
  // The descriptor followed its directory to `moved/`, where there is no secret.
  assert.equal(r.codes['read'], E.noent);
  assert.equal(r.codes['unlink'], E.noent);
  assert.equal(r.codes['list'], 0);
  assert.equal(r.codes['create'], 0);
  assert.equal(r.codes['mkdir'], 0);
  assert.equal(r.codes['via-link'], E.perm);
  assert.equal(readFileSync(join(s.granted, 'moved', 'planted.txt'), 'utf8'), 'planted');
  assert.ok(existsSync(join(s.granted, 'moved', 'newdir')));
  assert.ok(!r.stdout.includes(s.secret), 'the secret outside was read');
  assert.ok(!r.stdout.includes('secret.txt'), 'the outside directory was listed');
  assert.deepEqual(snapshot(s.outside), outsideBefore, 'something outside the preopen changed');
});

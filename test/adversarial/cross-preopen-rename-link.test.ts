// Models Wasmtime GHSA-4ch3-9j33-3pmj: rename or hard link across two preopens with different rights (read-only source, writable target, and the reverse).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { E, policy, runOps, sandbox, snapshot } from './support.js';

test('moving or linking out of a read-only preopen into a writable one is refused', async () => {
  const s = sandbox();
  const ro = join(s.root, 'ro');
  mkdirSync(ro);
  writeFileSync(join(ro, 'keep.txt'), 'read-only data\n');
  const before = snapshot(s.root);
  // Preopens are sorted by guest path: fd 3 = /ro, fd 4 = /rw.
  const r = await runOps(
    [
      { op: 'rename', label: 'rename-ro-to-rw', fd: 3, path: 'keep.txt', fd2: 4, path2: 'moved.txt' },
      { op: 'link', label: 'link-ro-to-rw', fd: 3, path: 'keep.txt', fd2: 4, path2: 'linked.txt' },
      { op: 'rename', label: 'rename-rw-to-ro', fd: 4, path: 'a.txt', fd2: 3, path2: 'planted.txt' },
      { op: 'link', label: 'link-rw-to-ro', fd: 4, path: 'a.txt', fd2: 3, path2: 'planted.txt' },
      { op: 'rename', label: 'rename-escape', fd: 4, path: 'a.txt', fd2: 3, path2: '../outside/x.txt' },
      { op: 'link', label: 'control', fd: 4, path: 'a.txt', fd2: 4, path2: 'ok-link.txt' },
    ],
    policy({ 'console.write': true, 'fs.read': ['/ro', '/rw'], 'fs.write': ['/rw'] }),
    { dirs: { '/ro': ro, '/rw': s.granted } },
  );
  for (const l of ['rename-ro-to-rw', 'link-ro-to-rw', 'rename-rw-to-ro', 'link-rw-to-ro'])
    assert.equal(r.codes[l], E.acces, `${l}: ${r.codes[l]}`);
  assert.ok([E.acces, E.perm, E.notcapable].includes(r.codes['rename-escape'] as 2));
  assert.equal(r.codes['control'], 0);
  const after = snapshot(s.root);
  delete after['granted/ok-link.txt'];
  // The control gave a.txt a second link and touched granted/'s mtime: compare everything else exactly.
  const skip = { 'granted/a.txt': undefined, granted: undefined };
  assert.deepEqual({ ...after, ...skip }, { ...before, ...skip });
  assert.equal(after['granted/moved.txt'] ?? after['granted/linked.txt'] ?? after['ro/planted.txt'], undefined);
});

// Models Wasmtime GHSA-2r75-cxrj-cmph: path_open with O_TRUNC (and O_CREAT / O_EXCL / write rights) on a read-only preopen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { E, O, policy, R, runOps, sandbox, snapshot } from './support.js';

test('a read-only grant refuses every open that could write, and the file is untouched', async () => {
  const s = sandbox();
  const before = snapshot(s.root);
  const r = await runOps(
    [
      { op: 'open', label: 'trunc-noright', fd: 3, path: 'a.txt', oflags: O.trunc, rights: R.read },
      { op: 'open', label: 'trunc', fd: 3, path: 'a.txt', oflags: O.trunc, rights: R.write },
      { op: 'open', label: 'creat', fd: 3, path: 'new.txt', oflags: O.creat, rights: R.read },
      { op: 'open', label: 'excl', fd: 3, path: 'new2.txt', oflags: O.creat | O.excl, rights: R.read },
      { op: 'open', label: 'write', fd: 3, path: 'a.txt', rights: R.write },
      { op: 'open', label: 'append', fd: 3, path: 'a.txt', rights: R.write, fdflags: 1 },
      { op: 'open', label: 'read', fd: 3, path: 'a.txt', rights: R.read },
    ],
    policy({ 'console.write': true, 'fs.read': ['/data'] }),
    { dirs: { '/data': s.granted } },
  );
  for (const l of ['trunc-noright', 'trunc', 'creat', 'excl', 'write', 'append']) assert.equal(r.codes[l], E.acces, l);
  assert.equal(r.codes['read'], 0);
  assert.deepEqual(snapshot(s.root), before);
});

/**
 * A descriptor's scope taken from the path it was opened by, not where it is (the family of
 * Deno CVE-2021-41641; found in molt-wasm 0.1): with `--allow-read=/data
 * --allow-write=/data/out`, a guest-made `out/l -> ../ro` opened as a directory was checked
 * as `/data/out/l`, so the guest could truncate, create, delete and set times inside the
 * read-only `/data/ro`; the same trick opened a `--deny-read` directory. A descriptor is now
 * checked where the walk really reached: `/data/ro`, `/data/secret`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { E, O, policy, R, runOps, sandbox, snapshot } from './support.js';

test('a directory opened through a symlink into a read-only place is read-only', async () => {
  const s = sandbox();
  mkdirSync(join(s.granted, 'out'));
  mkdirSync(join(s.granted, 'ro'));
  writeFileSync(join(s.granted, 'ro', 'keep.txt'), 'keep\n');
  const roBefore = snapshot(join(s.granted, 'ro'));
  const r = await runOps(
    [
      { op: 'symlink', label: 'plant', target: '../ro', fd: 3, path: 'out/l' },
      // Preopens: fd 3 is /data, fd 4 is /data/out (a write scope inside a --dir mapping
      // gets its own); the held descriptor is fd 5 (the `read` below proves it is ro/).
      { op: 'hold', label: 'hold', fd: 3, path: 'out/l', oflags: O.directory },
      { op: 'write', label: 'create', fd: 5, path: 'new.txt', text: 'x' },
      { op: 'write', label: 'truncate', fd: 5, path: 'keep.txt', text: 'x' },
      { op: 'unlink', label: 'unlink', fd: 5, path: 'keep.txt' },
      { op: 'mkdir', label: 'mkdir', fd: 5, path: 'd' },
      { op: 'settimes', label: 'settimes', fd: 5, path: 'keep.txt' },
      { op: 'cat', label: 'read', fd: 5, path: 'keep.txt' },
      // Straight through the link, without holding it: the same answers.
      { op: 'write', label: 'direct-create', fd: 3, path: 'out/l/new2.txt', text: 'x' },
      // The control: out/ itself is writable.
      { op: 'write', label: 'control', fd: 3, path: 'out/mine.txt', text: 'mine' },
    ],
    policy({ 'console.write': true, 'fs.read': ['/data'], 'fs.write': ['/data/out'] }),
    { dirs: { '/data': s.granted } },
  );
  assert.equal(r.codes['plant'], 0);
  assert.equal(r.codes['hold'], 0);
  for (const l of ['create', 'truncate', 'unlink', 'mkdir', 'settimes', 'direct-create']) {
    assert.equal(r.codes[l], E.acces, l);
  }
  assert.equal(r.codes['read'], 0);
  assert.match(r.stdout, /<<keep\n>>/);
  assert.equal(r.codes['control'], 0);
  assert.deepEqual(snapshot(join(s.granted, 'ro')), roBefore, 'the read-only directory changed');
});

test('a directory opened through a symlink into a denied place stays denied', async () => {
  const s = sandbox();
  mkdirSync(join(s.granted, 'out'));
  mkdirSync(join(s.granted, 'secret'));
  writeFileSync(join(s.granted, 'secret', 'key.txt'), 'PRIVATE-KEY\n');
  const r = await runOps(
    [
      { op: 'symlink', label: 'plant', target: '../secret', fd: 3, path: 'out/l' },
      { op: 'hold', label: 'hold', fd: 3, path: 'out/l', oflags: O.directory, rights: R.read | R.readdir },
      { op: 'cat', label: 'via-link', fd: 3, path: 'out/l/key.txt' },
      { op: 'list', label: 'list-link', fd: 3, path: 'out/l' },
    ],
    policy({ 'console.write': true, 'fs.read': ['/data'], 'fs.write': ['/data/out'] }, { 'fs.read': ['/data/secret'] }),
    { dirs: { '/data': s.granted } },
  );
  assert.equal(r.codes['plant'], 0);
  // Opening the directory itself is reading it: refused where it really is.
  assert.equal(r.codes['hold'], E.acces);
  assert.equal(r.codes['via-link'], E.acces);
  assert.equal(r.codes['list-link'], E.acces);
  assert.ok(!r.stdout.includes('PRIVATE-KEY'));
  assert.ok(!r.stdout.includes('key.txt'));
});

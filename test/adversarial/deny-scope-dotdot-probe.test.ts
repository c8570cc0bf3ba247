/**
 * Probing a deny scope through `..` (path-normalisation bypasses of deny lists, the class of
 * Deno GHSA-8q2p-cgrp-4q9r / CVE-2024-34346 where a path check passed on one spelling while the
 * OS walked another): with fs.read on /data and a deny on /data/secret, the path
 * `secret/NAME/../../pub.txt` is checked lexically as `/data/pub.txt` (allowed) and after the
 * walk at `/data/pub.txt` again, but the walk itself steps INTO /data/secret/NAME, so the
 * answer (0 vs ENOENT vs ENOTDIR) says whether NAME exists in the denied directory and whether
 * it is a directory. SPEC section 5: a walk must not look inside a place the guest may not
 * touch; every such probe must be refused (EACCES) whatever exists there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { E, policy, runOps, sandbox } from './support.js';

test('a path through a denied directory and back out with .. tells nothing about what is inside', async () => {
  const s = sandbox();
  mkdirSync(join(s.granted, 'secret', 'exists-dir'), { recursive: true });
  writeFileSync(join(s.granted, 'secret', 'exists-file'), 'DENIED\n');
  writeFileSync(join(s.granted, 'pub.txt'), 'PUBLIC\n');
  // The same walk hidden in a symlink target.
  symlinkSync('secret/exists-dir/../..', join(s.granted, 'via-dir'));
  symlinkSync('secret/missing/../..', join(s.granted, 'via-missing'));
  const r = await runOps(
    [
      { op: 'stat', label: 'probe-dir', fd: 3, path: 'secret/exists-dir/../../pub.txt' },
      { op: 'stat', label: 'probe-file', fd: 3, path: 'secret/exists-file/../../pub.txt' },
      { op: 'stat', label: 'probe-missing', fd: 3, path: 'secret/missing/../../pub.txt' },
      { op: 'cat', label: 'cat-dir', fd: 3, path: 'secret/exists-dir/../../pub.txt' },
      { op: 'cat', label: 'cat-missing', fd: 3, path: 'secret/missing/../../pub.txt' },
      { op: 'stat', label: 'link-dir', fd: 3, path: 'via-dir/pub.txt' },
      { op: 'stat', label: 'link-missing', fd: 3, path: 'via-missing/pub.txt' },
      // The control: the plain path is readable.
      { op: 'stat', label: 'control', fd: 3, path: 'pub.txt' },
    ],
    policy({ 'console.write': true, 'fs.read': ['/data'] }, { 'fs.read': ['/data/secret'] }),
    { dirs: { '/data': s.granted } },
  );
  assert.equal(r.codes['control'], 0);
  // All three probes must give the same answer, and it must be a refusal.
  assert.equal(r.codes['probe-dir'], E.acces, JSON.stringify(r.codes));
  assert.equal(r.codes['probe-file'], E.acces, JSON.stringify(r.codes));
  assert.equal(r.codes['probe-missing'], E.acces, JSON.stringify(r.codes));
  assert.equal(r.codes['cat-dir'], E.acces, JSON.stringify(r.codes));
  assert.equal(r.codes['cat-missing'], E.acces, JSON.stringify(r.codes));
  assert.equal(r.codes['link-dir'], r.codes['link-missing'], JSON.stringify(r.codes));
});

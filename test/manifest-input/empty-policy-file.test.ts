// `molt-wasm verify --policy /dev/null` was accepted (exit 77 or 0, judged against a policy that
// allows nothing) while an empty site.json was an error: a file with no extension is read by its
// content, and nothing read as TOML without `[capabilities]` is the empty manifest. A policy
// file that silently reads as "allow nothing" (a path typo'd to /dev/null, a file not yet
// written) now fails the same way whatever its name: an empty read is a ManifestError naming
// the file (exit 65), for every policy, manifest and capabilities file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManifestError } from '../../host/errors.js';
import { runVerify } from '../../host/cli/verify.js';
import { loadManifestFile, readTextFile } from '../../host/cli/load.js';
import { REPO, tempDir } from '../node-host/helpers.js';

const HELLO = join(REPO, 'guest-examples', 'dist', 'hello.wasm');

test('verify --policy: /dev/null and an empty file are the same error, naming the file', () => {
  const dir = tempDir('molt-empty-policy-');
  const files = ['/dev/null', join(dir, 'site.json'), join(dir, 'site.toml'), join(dir, 'site'), join(dir, 'blank.toml')];
  for (const f of files.slice(1)) writeFileSync(f, f.endsWith('blank.toml') ? ' \n\t\n' : '');
  for (const f of files) {
    assert.throws(
      () => runVerify(HELLO, f),
      (e: unknown) =>
        e instanceof ManifestError && e.exitCode === 65 && e.where === f && e.message.startsWith(`${f}: the site policy is empty`),
      f,
    );
  }
});

test('a policy that allows nothing on purpose still reads', () => {
  const dir = tempDir('molt-empty-policy-');
  writeFileSync(join(dir, 'none.json'), '{}');
  writeFileSync(join(dir, 'none.toml'), '[capabilities]\n');
  for (const f of ['none.json', 'none.toml']) assert.deepEqual(loadManifestFile(join(dir, f)), { version: 1, allow: {}, deny: {} });
  // The same reader serves --capabilities files (run, serve, build, export spin).
  assert.throws(() => readTextFile('/dev/null', 'capabilities file'), /\/dev\/null: the capabilities file is empty/);
});

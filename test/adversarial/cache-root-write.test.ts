// Models a write grant turned into code execution on the host (the class of "reading through a
// write right" and of Deno's write-permission-to-code escalations: a granted write into a place
// the host later runs code from). The cache root holds transpiled components that `run`
// imports as JavaScript, checked by hashes that detect damage, not a writer. A guest granted
// `--allow-write=~` (a home directory holding ~/.cache/molt-wasm) rewrote a cached entry's
// component.js and its molt-entry.json hashes; the next `run` of that component executed the
// guest's JavaScript with the user's rights. molt-wasm's own installed files are the same
// (`npx molt-wasm run --allow-write=.` in a project that installed it). `run` now refuses,
// before the guest starts, a policy under which the guest could write at, above or inside
// the cache root or its own package directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMolt } from '../cli-run.js';
import { REPO, tempDir } from '../node-host/helpers.js';
import { opsGuest } from './support.js';

const HELLO = join(REPO, 'guest-examples', 'dist', '.work', 'hello.unembedded.wasm');

test('a guest that could write the cache root is refused before it runs; a narrower grant runs', async () => {
  const home = tempDir('molt-adv-home-');
  mkdirSync(join(home, 'work'));
  const cacheDir = join(home, '.cache', 'molt-wasm');
  const marker = join(home, 'PLANTED');

  // The cache holds an entry for hello (the user ran it once).
  const first = runMolt(['run', HELLO], { cwd: home, cacheDir });
  assert.equal(first.code, 0, first.stderr);
  const entry = readdirSync(cacheDir).find((n) => existsSync(join(cacheDir, n, 'molt-entry.json')));
  assert.ok(entry !== undefined, 'no cache entry');

  // What the guest writes: component.js with a line of its own first, and the hashes to match.
  const js =
    `(await import('node:fs')).writeFileSync(${JSON.stringify(marker)}, 'host code from the guest\\n');\n` +
    readFileSync(join(cacheDir, entry, 'component.js'), 'utf8');
  const meta = JSON.parse(readFileSync(join(cacheDir, entry, 'molt-entry.json'), 'utf8')) as { files: Record<string, string> };
  meta.files['component.js'] = createHash('sha256').update(js).digest('hex');
  const guest = join(home, 'planter.wasm');
  writeFileSync(
    guest,
    await opsGuest([
      { op: 'write', label: 'js', fd: 3, path: `.cache/molt-wasm/${entry}/component.js`, text: js },
      { op: 'write', label: 'meta', fd: 3, path: `.cache/molt-wasm/${entry}/molt-entry.json`, text: JSON.stringify(meta) },
    ]),
  );

  for (const grant of [
    ['--allow-write=/home', '--dir', `/home=${home}`],
    ['--allow-write', '--dir', `/home=${home}`],
    [`--allow-write=${join(cacheDir, entry)}`],
  ]) {
    const r = runMolt(['run', '--allow-console', ...grant, guest], { cwd: home, cacheDir });
    assert.equal(r.code, 64, `${grant.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /holds code the host runs/);
  }
  // The user runs hello again: nothing planted runs.
  const again = runMolt(['run', HELLO], { cwd: home, cacheDir });
  assert.equal(again.code, 0, again.stderr);
  assert.ok(!existsSync(marker), 'the guest planted code that the host ran');

  // Grants that cannot reach the cache still run.
  for (const grant of [
    ['--allow-write=/home/work', '--dir', `/home=${home}`],
    ['--allow-write=/home', '--deny-write=/home/.cache', '--dir', `/home=${home}`],
    ['--allow-read=/home', '--dir', `/home=${home}`],
  ]) {
    const r = runMolt(['run', '--allow-console', ...grant, guest], { cwd: home, cacheDir });
    assert.notEqual(r.code, 64, `${grant.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /holds code the host runs/);
  }
  const last = runMolt(['run', HELLO], { cwd: home, cacheDir });
  assert.equal(last.code, 0, last.stderr);
  assert.ok(!existsSync(marker), 'the guest planted code that the host ran');
});

test("a guest that could write molt-wasm's own files is refused; reading them is not", () => {
  const cwd = tempDir('molt-adv-pkg-');
  const cacheDir = join(cwd, 'cache');
  const refused = runMolt(['run', '--allow-write=/pkg', '--dir', `/pkg=${REPO}`, HELLO], { cwd, cacheDir });
  assert.equal(refused.code, 64, refused.stdout + refused.stderr);
  assert.match(refused.stderr, /holds code the host runs/);
  const read = runMolt(['run', '--allow-read=/pkg', '--dir', `/pkg=${REPO}`, HELLO], { cwd, cacheDir });
  assert.equal(read.code, 0, read.stderr);
});

// Models one path with two meanings (the class of Deno CVE-2026-49401, other spellings of one
// path; and Node's own CVE-2025-55130 family, where JS-side path handling and the kernel
// disagree): an operator's mapped directory `HOST` was resolved with Node's JS realpathSync,
// which resolves `..` lexically BEFORE following symlinks. For `a/link/..` with `a/link` a
// symlink to `b/inner`, the kernel (open(2), realpath(3), the CLI's existence check, a WASI
// guest's preopen) means `b`, but the native API confined its calls to `a`: another directory
// than the one the operator's path names and the guests of the same mapping see. And the
// CLI turned its working directory into the guest's initial-cwd with path.resolve, so the
// guest was told a cwd inside a different directory than its preopen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNativeApi } from '../../host/native/index.js';
import { guestCwdOf } from '../../host/cli/dirs.js';
import { PolicyEngine } from '../../host/policy/index.js';
import { normalizeManifest } from '../../host/policy/manifest.js';
import { tempDir } from '../node-host/helpers.js';
import { policy, runOps } from './support.js';

/** `root/a/link -> root/b/inner`; `file.txt` says where it is; HOST is `root/a/link/..`. */
function tree(): { root: string; host: string } {
  const root = tempDir('molt-adv-linkdotdot-');
  mkdirSync(join(root, 'a', 'sub'), { recursive: true });
  mkdirSync(join(root, 'b', 'inner'), { recursive: true });
  mkdirSync(join(root, 'b', 'sub'));
  writeFileSync(join(root, 'a', 'file.txt'), 'lexical\n');
  writeFileSync(join(root, 'b', 'file.txt'), 'kernel\n');
  symlinkSync(join(root, 'b', 'inner'), join(root, 'a', 'link'));
  return { root, host: join(root, 'a', 'link') + '/..' };
}

const READ_DATA = { version: 1, allow: { 'fs.read': ['/data'] }, deny: {} } as const;

test('the native API maps `link/..` where the kernel resolves it, as a guest preopen does', async () => {
  const { host } = tree();
  const engine = new PolicyEngine();
  const api = createNativeApi({ engine, subject: engine.createSubject(normalizeManifest(READ_DATA), 'native'), dirs: { '/data': host } });
  const native = await api.readFile('/data/file.txt');
  assert.equal(native.ok, true);
  assert.equal(new TextDecoder().decode((native as { value: Uint8Array }).value), 'kernel\n');
  // A guest given the same mapping reads the same file.
  const guest = await runOps(
    [{ op: 'cat', label: 'read', fd: 3, path: 'file.txt' }],
    policy({ 'fs.read': ['/data'], 'console.write': true }),
    {
      dirs: { '/data': host },
    },
  );
  assert.equal(guest.codes['read'], 0, guest.stdout);
  assert.match(guest.stdout, /kernel/);
  assert.doesNotMatch(guest.stdout, /lexical/);
});

test("the CLI's cwd becomes the guest's initial-cwd only inside the directory the kernel opens", () => {
  const { root, host } = tree();
  assert.equal(guestCwdOf(READ_DATA, { '/data': host }, join(root, 'b', 'sub')), '/data/sub');
  assert.equal(guestCwdOf(READ_DATA, { '/data': host }, join(root, 'a', 'sub')), undefined);
});

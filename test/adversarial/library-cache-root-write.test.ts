// Models a write grant turned into code execution on the host, through the LIBRARY: the CLI
// refused (exit 64) a policy that let the guest write the cache root or molt-wasm's own code
// (cache-root-write.test.ts), but `createHost({ cacheDir }).run(guest, { manifest, dirs })`
// checked nothing, so an embedder whose policy granted fs.write over a home directory let a
// guest rewrite a cached component.js (and its hashes) that the next run imports as
// JavaScript. The library now refuses such a policy before the guest is loaded, with a typed
// WritableCodeError (exit 64), in `prepare`, `run` and a `run` in a worker (`timeoutMs`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHost, WritableCodeError } from '../../host/index.js';
import { capture, REPO, tempDir } from '../node-host/helpers.js';
import { opsGuest, policy } from './support.js';

test('createHost({ cacheDir }) refuses a policy under which the guest could write its cache root; a narrower one runs', async () => {
  const home = tempDir('molt-adv-libhome-');
  mkdirSync(join(home, 'work'));
  const cacheDir = join(home, '.cache', 'molt-wasm');
  const host = createHost({ cacheDir });
  const guest = await opsGuest([{ op: 'write', label: 'plant', fd: 3, path: '.cache/molt-wasm/planted.js', text: 'x' }]);
  const dirs = { '/home': home };

  for (const manifest of [policy({ 'fs.write': ['/home'] }), policy({ 'fs.write': true }), policy({ 'fs.write': ['/home/.cache'] })]) {
    await assert.rejects(
      host.run(guest, { manifest, dirs }),
      (e: unknown) => e instanceof WritableCodeError && e.exitCode === 64 && e.guestPath === '/home/.cache/molt-wasm',
      JSON.stringify(manifest),
    );
    await assert.rejects(host.prepare(guest, { manifest, dirs }), WritableCodeError);
    await assert.rejects(host.run(guest, { manifest, dirs, timeoutMs: 60_000 }), WritableCodeError);
  }
  // A preopen inside the cache is the cache too.
  mkdirSync(cacheDir, { recursive: true });
  await assert.rejects(host.run(guest, { manifest: policy({ 'fs.write': ['/c'] }), dirs: { '/c': cacheDir } }), WritableCodeError);
  assert.ok(!existsSync(join(cacheDir, 'planted.js')));

  // Grants that cannot reach the cache still run.
  for (const manifest of [
    policy({ 'console.write': true, 'fs.write': ['/home/work'] }),
    policy({ 'console.write': true, 'fs.write': ['/home'] }, { 'fs.write': ['/home/.cache'] }),
    policy({ 'console.write': true, 'fs.read': ['/home'] }),
  ]) {
    const out = capture();
    const r = await host.run(guest, { manifest, dirs, stdout: out.sink });
    assert.equal(r.outcome, 'returned', `${JSON.stringify(manifest)}: ${String(r.error)}`);
    assert.match(out.text(), /^plant [1-9][0-9]*$/m, 'the write was not refused by the policy');
  }
  assert.deepEqual(readdirSync(cacheDir), []);
});

test("the library refuses a policy under which the guest could write molt-wasm's own code; reading it runs", async () => {
  const host = createHost({ cacheDir: tempDir('molt-adv-libcache-') });
  const guest = await opsGuest([{ op: 'stat', label: 'see', fd: 3, path: 'package.json' }]);
  await assert.rejects(
    host.run(guest, { manifest: policy({ 'fs.write': ['/pkg'] }), dirs: { '/pkg': REPO } }),
    (e: unknown) => e instanceof WritableCodeError && /holds code the host runs/.test(e.message),
  );
  const out = capture();
  const r = await host.run(guest, {
    manifest: policy({ 'console.write': true, 'fs.read': ['/pkg'] }),
    dirs: { '/pkg': REPO },
    stdout: out.sink,
  });
  assert.equal(r.outcome, 'returned', String(r.error));
  assert.match(out.text(), /^see 0$/m);
});

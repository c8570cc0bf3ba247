// Models a policy exported wider than given (symlink inside the grant pointing out, Deno
// CVE-2021-41641's class, carried into another host): under `run` a symlink in a read grant
// that leads out of it is never followed (`not-permitted`), but Spin's default `spin up` COPIES
// a mounted directory (crates/loader/src/local.rs: glob, then fs::copy, both following
// symlinks), so `export spin` of that grant handed the guest what the link points to. A guest
// with a write grant under `run` can plant such a link itself (relative targets are allowed
// when made, checked when followed), waiting for the operator to export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportSpin, freshDir, proxyComponent, writeWasm } from '../export-spin/helpers.js';
import { E, policy, REFUSED, runOps } from './support.js';

function site(): { tmp: string; pub: string } {
  const tmp = freshDir();
  const pub = join(tmp, 'public');
  mkdirSync(join(pub, 'd1', 'd2'), { recursive: true });
  mkdirSync(join(tmp, 'outside'));
  writeFileSync(join(tmp, 'outside', 'secret.txt'), 'SECRET\n');
  writeFileSync(join(pub, 'index.html'), 'hi\n');
  symlinkSync(join(tmp, 'outside', 'secret.txt'), join(pub, 'abs')); // absolute, out
  symlinkSync('../outside/secret.txt', join(pub, 'rel')); // relative, out
  symlinkSync('../..', join(pub, 'd1', 'updir')); // a directory out
  // Each link alone stays inside, together they leave: c -> public, a -> public/..
  symlinkSync('../..', join(pub, 'd1', 'd2', 'c'));
  symlinkSync('d1/d2/c/..', join(pub, 'chain'));
  symlinkSync('index.html', join(pub, 'ok')); // inside: run follows it, Spin copies the same bytes
  return { tmp, pub };
}

test('run never follows the links out of the grant (the policy export spin must carry)', async () => {
  const { pub } = site();
  const r = await runOps(
    [
      { op: 'cat', label: 'abs', fd: 3, path: 'abs' },
      { op: 'cat', label: 'rel', fd: 3, path: 'rel' },
      { op: 'cat', label: 'updir', fd: 3, path: 'd1/updir/outside/secret.txt' },
      { op: 'cat', label: 'chain', fd: 3, path: 'chain/outside/secret.txt' },
      { op: 'cat', label: 'ok', fd: 3, path: 'ok' },
    ],
    policy({ 'console.write': true, 'fs.read': ['/site'] }),
    { dirs: { '/site': pub } },
  );
  for (const l of ['abs', 'rel', 'updir', 'chain']) assert.ok(REFUSED.has(r.codes[l]!) || r.codes[l] === E.noent, `${l}: ${r.codes[l]}`);
  assert.equal(r.codes['ok'], 0);
  assert.ok(!r.stdout.includes('SECRET'));
});

test('export spin refuses a mount holding a symlink that leads out of it; --allow-lossy leaves the mount out', async () => {
  const { tmp, pub } = site();
  const app = writeWasm(tmp, 'app.wasm', await proxyComponent());
  const output = join(tmp, 'spin.toml');
  const opts = { allowTime: true, allowRead: ['/site'], dir: [`/site=${pub}`], output };

  const refused = exportSpin(app, opts);
  assert.equal(refused.code, 65, refused.stderr);
  const items = refused.stderr.split('\n').filter((l) => l.startsWith('molt-wasm: cannot express in spin.toml: '));
  for (const link of ['abs', 'rel', 'd1/updir', 'chain']) {
    assert.ok(
      items.some((i) => i.includes(`fs.read "/site": the symlink "${link}"`)),
      `${link} not listed:\n${refused.stderr}`,
    );
  }
  assert.ok(!items.some((i) => i.includes('"ok"') || i.includes('d1/d2/c')), refused.stderr);

  const lossy = exportSpin(app, { ...opts, allowLossy: true });
  assert.equal(lossy.code, 0, lossy.stderr);
  assert.doesNotMatch(readFileSync(output, 'utf8'), /destination = "\/site"/);
});

test('export spin still mounts a directory whose symlinks all stay inside', async () => {
  const tmp = freshDir();
  const pub = join(tmp, 'public');
  mkdirSync(join(pub, 'sub'), { recursive: true });
  writeFileSync(join(pub, 'index.html'), 'hi\n');
  symlinkSync('../index.html', join(pub, 'sub', 'ok'));
  const app = writeWasm(tmp, 'app.wasm', await proxyComponent());
  const output = join(tmp, 'spin.toml');
  const r = exportSpin(app, { allowTime: true, allowRead: ['/site'], dir: [`/site=${pub}`], output });
  assert.equal(r.code, 0, r.stderr);
  assert.match(readFileSync(output, 'utf8'), /destination = "\/site"/);
});

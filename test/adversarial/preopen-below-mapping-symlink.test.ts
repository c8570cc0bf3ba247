// Models a preopen opened through a symlink planted by the guest (cap-primitives
// GHSA-vqjp-4c8c-hfgg and Deno CVE-2021-41641's class, at start-up instead of at a call): a
// read scope inside a `--dir` mapping (`--dir /data=HOST --allow-read=/data/pub`) gets its own
// preopen, and that preopen was opened by its host path string (`HOST/pub`) with the OS
// following symlinks. A guest that could write /data in one run replaces `pub` by a relative
// symlink (allowed when made, checked when followed) and, in the next run, reads through the
// preopen whatever the link points to: outside the mapping, or a sibling it was never granted.
// `export spin` of the same grant mounted the link's target under the preopen's name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportSpin, proxyComponent, writeWasm } from '../export-spin/helpers.js';
import { policy, REFUSED, runOps, sandbox } from './support.js';

/**
 * Run 1: a guest with fs.read on /data/pub and fs.write on /data (fd 3; /data/pub is fd 4)
 * moves `pub` away (the rename's read check is on /data/pub, granted) and plants a symlink.
 */
async function plant(granted: string, target: string): Promise<void> {
  mkdirSync(join(granted, 'pub'));
  const r = await runOps(
    [
      { op: 'rename', label: 'away', fd: 3, path: 'pub', fd2: 3, path2: 'old-pub' },
      { op: 'symlink', label: 'plant', target, fd: 3, path: 'pub' },
    ],
    policy({ 'console.write': true, 'fs.read': ['/data/pub'], 'fs.write': ['/data'] }),
    { dirs: { '/data': granted } },
  );
  assert.equal(r.codes['away'], 0, r.stdout);
  assert.equal(r.codes['plant'], 0, r.stdout);
}

test('a preopen below a --dir mapping whose name is a symlink leading out is refused, not followed', async () => {
  const s = sandbox();
  await plant(s.granted, '../outside');
  // Run 2: read access to /data/pub alone.
  await assert.rejects(
    runOps([{ op: 'cat', label: 'steal', fd: 3, path: 'secret.txt' }], policy({ 'console.write': true, 'fs.read': ['/data/pub'] }), {
      dirs: { '/data': s.granted },
    }),
    (e: unknown) => (e as { exitCode?: number }).exitCode === 64 && /leads outside/.test(String(e)),
  );
});

test('a preopen below a --dir mapping that is a symlink inside it is checked where it leads', async () => {
  const s = sandbox();
  const privateText = `PRIVATE-${Math.random().toString(36).slice(2)}`;
  mkdirSync(join(s.granted, 'private'));
  writeFileSync(join(s.granted, 'private', 'p.txt'), privateText + '\n');
  await plant(s.granted, 'private');
  // Run 2: read access to /data/pub alone: /data/private is not granted.
  const r = await runOps(
    [{ op: 'preopens' }, { op: 'cat', label: 'steal', fd: 3, path: 'p.txt' }, { op: 'list', label: 'list', fd: 3, path: '.' }],
    policy({ 'console.write': true, 'fs.read': ['/data/pub'] }),
    { dirs: { '/data': s.granted } },
  );
  assert.ok(r.stdout.includes('/data/pub'), r.stdout);
  assert.ok(REFUSED.has(r.codes['steal']!), `steal: ${r.codes['steal']}`);
  assert.ok(REFUSED.has(r.codes['list']!), `list: ${r.codes['list']}`);
  assert.ok(!r.stdout.includes(privateText), 'read a directory that was never granted');
  assert.ok(!r.stdout.includes('p.txt'), 'listed a directory that was never granted');

  // Granted where it leads, the same preopen works (a symlink inside the mapping is no error).
  const ok = await runOps(
    [{ op: 'cat', label: 'read', fd: 3, path: 'p.txt' }],
    policy({ 'console.write': true, 'fs.read': ['/data/private', '/data/pub'] }),
    { dirs: { '/data': s.granted } },
  );
  // Preopens in guest-path order: /data/private is fd 3, /data/pub fd 4; both read p.txt.
  assert.equal(ok.codes['read'], 0, ok.stdout);
  const viaPub = await runOps(
    [{ op: 'cat', label: 'read', fd: 4, path: 'p.txt' }],
    policy({ 'console.write': true, 'fs.read': ['/data/private', '/data/pub'] }),
    { dirs: { '/data': s.granted } },
  );
  assert.equal(viaPub.codes['read'], 0, viaPub.stdout);
  assert.ok(viaPub.stdout.includes(privateText));
});

test('export spin refuses a preopen below a --dir mapping that is reached through a symlink (Spin would mount its target)', async () => {
  const s = sandbox();
  mkdirSync(join(s.granted, 'private'));
  writeFileSync(join(s.granted, 'private', 'p.txt'), 'PRIVATE\n');
  await plant(s.granted, '../outside');
  const app = writeWasm(s.root, 'app.wasm', await proxyComponent());
  const output = join(s.root, 'spin.toml');
  const opts = { allowTime: true, allowRead: ['/data/pub'], dir: [`/data=${s.granted}`], output };
  const refused = exportSpin(app, opts);
  assert.equal(refused.code, 65, refused.stderr);
  assert.match(
    refused.stderr,
    /fs\.read "\/data\/pub": the host directory .* is reached through a symlink below the --dir mapping of "\/data"/,
  );
  const lossy = exportSpin(app, { ...opts, allowLossy: true });
  assert.equal(lossy.code, 0, lossy.stderr);
  assert.doesNotMatch(readFileSync(output, 'utf8'), /destination = "\/data\/pub"/);

  // A real directory there is mounted as before.
  const t = sandbox();
  mkdirSync(join(t.granted, 'pub'));
  const ok = exportSpin(app, { allowTime: true, allowRead: ['/data/pub'], dir: [`/data=${t.granted}`], output });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(readFileSync(output, 'utf8'), /destination = "\/data\/pub"/);
});

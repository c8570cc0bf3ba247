/**
 * wasi:filesystem through the gate: read-only and write-only grants really are, scopes and
 * denies hold after symlink resolution, escapes are `not-permitted`, both ends of rename and
 * link are checked, revocation hides preopens, and two guests never see each other's files.
 * Error codes print as `e<index>`: access = e0, not-permitted = e31.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHost } from '../../host/index.js';
import { auditLog, buildComponent, capture, policy, tempDir } from './helpers.js';
import { fsProbe } from './guests/guests.js';

const host = createHost({ cacheDir: tempDir('molt-cache-') });

function tree(tag = 'one'): string {
  const t = tempDir('molt-fs-');
  mkdirSync(join(t, 'data', 'pub'), { recursive: true });
  mkdirSync(join(t, 'data', 'priv'));
  mkdirSync(join(t, 'out'));
  writeFileSync(join(t, 'data', 'in.txt'), `data-in-${tag}`);
  writeFileSync(join(t, 'data', 'pub', 'p.txt'), 'public');
  writeFileSync(join(t, 'data', 'priv', 'k.txt'), 'key');
  writeFileSync(join(t, 'outside.txt'), 'outside');
  symlinkSync('priv/k.txt', join(t, 'data', 'to-priv'));
  symlinkSync('../outside.txt', join(t, 'data', 'escape'));
  return t;
}

async function probe(opts: Parameters<typeof host.run>[1], ...args: string[]): Promise<string[]> {
  const out = capture();
  const r = await host.run(await buildComponent(fsProbe), { ...opts, args: ['probe', ...args], stdout: out.sink });
  assert.equal(r.exitCode, 0, `${r.outcome} ${r.error?.message ?? ''}\n${out.text()}`);
  return out.text().trimEnd().split('\n');
}

test('read-only and write-only preopens, each enforced', async () => {
  const t = tree();
  const a = auditLog();
  const lines = await probe(
    {
      manifest: policy({ 'console.write': true, 'fs.read': ['/data'], 'fs.write': ['/out'] }),
      dirs: { '/data': join(t, 'data'), '/out': join(t, 'out') },
      audit: a.sink,
    },
    'D',
    'R',
    '0',
    'in.txt',
    'W',
    '0',
    'new.txt',
    'A',
    '0',
    'in.txt',
    'M',
    '0',
    'dir',
    'U',
    '0',
    'in.txt',
    'W',
    '1',
    'o.txt',
    'R',
    '1',
    'o.txt',
  );
  assert.deepEqual(lines, [
    'D /data /out',
    'R ok ok data-in-one',
    'W e0', // create in a read-only grant: access
    'A e0', // open for write without create/truncate: access
    'M e0',
    'U e0',
    'W ok ok',
    'R e0', // write-only grant: no reading back
  ]);
  assert.equal(readFileSync(join(t, 'out', 'o.txt'), 'utf8'), 'data-written');
  assert.equal(readFileSync(join(t, 'data', 'in.txt'), 'utf8'), 'data-in-one');
  assert.ok(!existsSync(join(t, 'data', 'new.txt')));
  assert.ok(!existsSync(join(t, 'data', 'dir')));
  const deny = a.records.find((r) => r.operation === 'wasi:filesystem/types#descriptor.open-at' && r.decision === 'deny');
  assert.deepEqual(deny && [deny.capability, deny.target, deny.code], ['fs.write', '/data/new.txt', 'missing']);
});

test('paths leaving the preopen are not-permitted: .., absolute, symlink out', async () => {
  const t = tree();
  const lines = await probe(
    { manifest: policy({ 'console.write': true, 'fs.read': ['/data'] }), dirs: { '/data': join(t, 'data') } },
    'R',
    '0',
    '../outside.txt',
    'R',
    '0',
    'escape',
    'R',
    '0',
    '/etc/passwd',
    'S',
    '0',
    'pub/../../outside.txt',
  );
  assert.deepEqual(lines, ['R e31', 'R e31', 'R e31', 'S e31']);
});

test('scoped read with a deny inside: checked after symlink resolution and normalisation', async () => {
  const t = tree();
  const lines = await probe(
    {
      manifest: policy({ 'console.write': true, 'fs.read': ['/data'] }, { 'fs.read': ['/data/priv'] }),
      dirs: { '/data': join(t, 'data') },
    },
    'R',
    '0',
    'pub/p.txt',
    'R',
    '0',
    'priv/k.txt',
    'R',
    '0',
    'to-priv',
    'S',
    '0',
    'to-priv',
    'R',
    '0',
    'pub/../priv/k.txt',
    'R',
    '0',
    'pub//./p.txt',
  );
  assert.deepEqual(lines, ['R ok ok public', 'R e0', 'R e0', 'S e0', 'R e0', 'R ok ok public']);
});

test('rename and link need fs.write at both ends, across two preopens', async () => {
  const t = tree();
  // fs.read on both: what is refused below is refused for want of fs.write (the read rule
  // on the source has its own test, test/adversarial/link-rename-write-only-source.test.ts).
  const opts = {
    manifest: policy({ 'console.write': true, 'fs.read': ['/data', '/out'], 'fs.write': ['/out'] }),
    dirs: { '/data': join(t, 'data'), '/out': join(t, 'out') },
  };
  writeFileSync(join(t, 'out', 'mine.txt'), 'mine');
  const lines = await probe(
    opts,
    'N',
    '0',
    'in.txt',
    '1',
    'stolen.txt', // source read-only
    'L',
    '0',
    'in.txt',
    '1',
    'hard.txt', // hard link out of a read-only grant
    'N',
    '1',
    'mine.txt',
    '0',
    'planted.txt', // target read-only
    'N',
    '1',
    'mine.txt',
    '1',
    'renamed.txt', // both writable
  );
  assert.deepEqual(lines, ['N e0', 'L e0', 'N e0', 'N ok']);
  assert.ok(existsSync(join(t, 'data', 'in.txt')));
  assert.ok(!existsSync(join(t, 'out', 'stolen.txt')));
  assert.ok(!existsSync(join(t, 'out', 'hard.txt')));
  assert.ok(!existsSync(join(t, 'data', 'planted.txt')));
  assert.equal(readFileSync(join(t, 'out', 'renamed.txt'), 'utf8'), 'mine');
});

test('preopens: only granted ones are listed; a revocation hides them on the next call', async () => {
  const t = tree();
  const denied = await probe({ manifest: policy({ 'console.write': true }), dirs: { '/data': join(t, 'data') } }, 'D');
  assert.deepEqual(denied, ['D']);
  const out = capture();
  const g = await host.prepare(await buildComponent(fsProbe), {
    manifest: policy({ 'console.write': true, 'fs.read': ['/data'] }),
    dirs: { '/data': join(t, 'data') },
    args: ['probe', 'R', '0', 'in.txt', 'D'],
    stdout: (b) => {
      out.sink(b);
      if (Buffer.from(b).toString() === 'data-in-one') host.engine.revoke(g.subject, 'fs.read');
    },
  });
  assert.equal((await g.start()).exitCode, 0);
  assert.equal(out.text(), 'R ok ok data-in-one\nD\n');
});

test("two guests with different preopens never see each other's files", async () => {
  const t1 = tree('one');
  const t2 = tree('two');
  const m = policy({ 'console.write': true, 'fs.read': ['/data', '/out'], 'fs.write': ['/out'] });
  const a = await probe(
    { manifest: m, dirs: { '/data': join(t1, 'data'), '/out': join(t1, 'out') } },
    'R',
    '0',
    'in.txt',
    'W',
    '1',
    'a-only.txt',
  );
  const b = await probe(
    { manifest: m, dirs: { '/data': join(t2, 'data'), '/out': join(t2, 'out') } },
    'R',
    '0',
    'in.txt',
    'R',
    '1',
    'a-only.txt',
  );
  assert.deepEqual(a, ['R ok ok data-in-one', 'W ok ok']);
  assert.deepEqual(b, ['R ok ok data-in-two', 'R e20']); // no-entry: B's /out is its own
});

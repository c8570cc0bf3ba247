/**
 * The browser's in-memory filesystem holds the same rules as Node's (SPEC section 5): it is the
 * same `wasi:filesystem` code (host/gate/fs/) on memory-backend.ts, driven here through the
 * 0.2 API in Node (the backend is pure). Each case mirrors a test/adversarial/ file:
 * a descriptor is checked where it really is, link/rename need read on the source, a deny rule
 * cannot be moved away by renaming its ancestor, a held descriptor follows its directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryFsBackend } from '../../host/browser/memory-backend.js';
import { MemoryFs } from '../../host/browser/memory-fs.js';
import { createGatedWasi } from '../../host/gate/index.js';
import type { WasiPlatform } from '../../host/gate/types.js';
import type { WasiInterface } from '../support/test-double.js';
import { nodePlatform } from '../../host/node/platform.js';
import { PolicyEngine } from '../../host/policy/index.js';
import type { CanonicalManifest } from '../../host/policy/types.js';

function guests(
  fs: MemoryFs,
  dirs: string[],
  allow: CanonicalManifest['allow'],
  deny: CanonicalManifest['deny'] = {},
  maxOpenFiles?: number,
) {
  const platform: WasiPlatform = { ...nodePlatform, createFilesystemBackend: (o) => new MemoryFsBackend(fs, o.maxOpenFiles ?? 256) };
  const engine = new PolicyEngine();
  const subject = engine.createSubject({ version: 1, allow, deny });
  const imports = createGatedWasi({ engine, subject, platform, preopens: dirs.map((d) => ({ guest: d, host: d })), maxOpenFiles });
  return imports['wasi:filesystem/preopens']!.getDirectories() as Array<[WasiInterface, string]>;
}

function guest(
  fs: MemoryFs,
  allow: CanonicalManifest['allow'],
  deny: CanonicalManifest['deny'] = {},
  maxOpenFiles?: number,
): WasiInterface {
  return guests(fs, ['/data'], allow, deny, maxOpenFiles)[0]![0];
}

const RO = { read: true };
const W = { write: true };

test('memory fs: a directory opened through a symlink into a read-only place is read-only', () => {
  const fs = new MemoryFs({ '/data/ro/keep.txt': 'keep', '/data/out/.keep': '' });
  const root = guest(fs, { 'fs.read': ['/data'], 'fs.write': ['/data/out'] });
  root.symlinkAt('../ro', 'out/l');
  const held = root.openAt({ symlinkFollow: true }, 'out/l', { directory: true }, RO) as WasiInterface;
  assert.throws(
    () => held.openAt({}, 'new.txt', { create: true }, W),
    (e) => e === 'access',
  );
  assert.throws(
    () => held.openAt({}, 'keep.txt', { truncate: true }, W),
    (e) => e === 'access',
  );
  assert.throws(
    () => held.unlinkFileAt('keep.txt'),
    (e) => e === 'access',
  );
  assert.throws(
    () => root.openAt({ symlinkFollow: true }, 'out/l/new2.txt', { create: true }, W),
    (e) => e === 'access',
  );
  assert.equal(fs.readText('/data/ro/keep.txt'), 'keep');
  assert.equal(fs.readFile('/data/ro/new.txt'), undefined);
  // The control: out/ itself is writable.
  root.openAt({}, 'out/mine.txt', { create: true }, W);
  assert.ok(fs.readFile('/data/out/mine.txt') !== undefined);
});

test('memory fs: link and rename out of a write-only place need read on the source', () => {
  const fs = new MemoryFs({ '/data/drop/letter.txt': 'LETTER', '/data/pub/own.txt': 'own' });
  const [[drop], [pub]] = guests(fs, ['/data/drop', '/data/pub'], {
    'fs.read': ['/data/pub'],
    'fs.write': ['/data/drop', '/data/pub'],
  }) as unknown as [[WasiInterface], [WasiInterface]];
  assert.throws(
    () => drop.linkAt({}, 'letter.txt', pub, 'copy.txt'),
    (e) => e === 'access',
  );
  assert.throws(
    () => drop.renameAt('letter.txt', pub, 'moved.txt'),
    (e) => e === 'access',
  );
  assert.equal(fs.readFile('/data/pub/copy.txt'), undefined);
  assert.equal(fs.readText('/data/drop/letter.txt'), 'LETTER');
  pub.renameAt('own.txt', pub, 'own2.txt');
  assert.equal(fs.readText('/data/pub/own2.txt'), 'own');
});

test('memory fs: renaming or removing an ancestor of a deny rule is refused', () => {
  const fs = new MemoryFs({ '/data/proj/x/secret.txt': 'DENIED', '/data/free/a.txt': 'a' });
  const root = guest(fs, { 'fs.read': ['/data'], 'fs.write': ['/data'] }, { 'fs.read': ['/data/proj/x'] });
  assert.throws(
    () => root.renameAt('proj', root, 'other'),
    (e) => e === 'access',
  );
  assert.throws(
    () => root.renameAt('proj/x', root, 'free/x'),
    (e) => e === 'access',
  );
  assert.throws(
    () => root.openAt({}, 'proj/x/secret.txt', {}, RO),
    (e) => e === 'access',
  );
  root.renameAt('free', root, 'free2');
  assert.equal(fs.readText('/data/free2/a.txt'), 'a');
});

test('memory fs: a held descriptor follows its directory, never a symlink put in its place', () => {
  const fs = new MemoryFs({ '/data/sub/in.txt': 'inside', '/outside/secret.txt': 'SECRET' });
  const root = guest(fs, { 'fs.read': ['/data'], 'fs.write': ['/data'] });
  const held = root.openAt({}, 'sub', { directory: true }, RO) as WasiInterface;
  root.renameAt('sub', root, 'moved');
  root.symlinkAt('../outside', 'sub');
  assert.throws(
    () => held.openAt({}, 'secret.txt', {}, RO),
    (e) => e === 'no-entry',
  );
  const f = held.openAt({}, 'in.txt', {}, RO) as WasiInterface;
  assert.equal(new TextDecoder().decode((f.read(100n, 0n) as [Uint8Array, boolean])[0]), 'inside');
  assert.throws(
    () => root.openAt({ symlinkFollow: true }, 'sub/secret.txt', {}, RO),
    (e) => e === 'not-permitted',
  );
});

test('memory fs: at most maxOpenFiles handles, and a file never grows past its bound', () => {
  const fs = new MemoryFs({ '/data/a.txt': 'a' });
  const root = guest(fs, { 'fs.read': ['/data'], 'fs.write': ['/data'] }, {}, 4);
  const held = [0, 1, 2].map(() => root.openAt({}, 'a.txt', {}, RO));
  assert.equal(held.length, 3);
  assert.throws(
    () => root.openAt({}, 'a.txt', {}, RO),
    (e) => e === 'insufficient-memory',
  );
  (held[0] as { [Symbol.dispose](): void })[Symbol.dispose]();
  const w = root.openAt({}, 'a.txt', {}, { read: true, write: true }) as WasiInterface;
  assert.throws(
    () => w.write(new Uint8Array(1), 1n << 40n),
    (e) => e === 'file-too-large',
  );
});

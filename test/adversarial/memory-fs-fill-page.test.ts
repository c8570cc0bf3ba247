/**
 * Filling the page's memory through the browser's in-memory filesystem (host exhaustion
 * through many resources, the class of Wasmtime GHSA-852m-cvvp-9p4w and GHSA-243v-98vx-264h):
 * each file is capped at 64 MiB, but a guest with one writable directory can make as many
 * files, directories and names as it likes, each one the tab's memory. The tree's total that
 * guests add is bounded (MemoryFs `maxGuestBytes`); past it the guest gets
 * `insufficient-space` before anything is allocated, and freed bytes become usable again only
 * when nothing holds them (an unlinked file with an open handle still counts).
 * Driven through the gated WASI 0.2 API in Node (the backend is pure).
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

const RW = { read: true, write: true };
const KIB = 1024;

function guestRoot(fs: MemoryFs): WasiInterface {
  const platform: WasiPlatform = { ...nodePlatform, createFilesystemBackend: (o) => new MemoryFsBackend(fs, o.maxOpenFiles ?? 256) };
  const engine = new PolicyEngine();
  const subject = engine.createSubject({ version: 1, allow: { 'fs.read': ['/data'], 'fs.write': ['/data'] }, deny: {} });
  const imports = createGatedWasi({ engine, subject, platform, preopens: [{ guest: '/data', host: '/data' }] });
  const [[root] = []] = imports['wasi:filesystem/preopens']!.getDirectories() as Array<[WasiInterface, string]>;
  return root!;
}

function drop(d: WasiInterface): void {
  (d as unknown as Disposable)[Symbol.dispose]();
}

function writeFile(root: WasiInterface, name: string, bytes: number): void {
  const f = root.openAt({}, name, { create: true, truncate: true }, RW) as WasiInterface;
  try {
    f.write(new Uint8Array(bytes), 0n);
  } finally {
    drop(f);
  }
}

test('file contents past the budget are refused with insufficient-space, and the total never exceeds it', () => {
  const fs = new MemoryFs({ '/data/seed.txt': 'x'.repeat(10 * KIB) }, {}, { maxGuestBytes: 256 * KIB });
  const seeded = fs.usedBytes;
  const root = guestRoot(fs);
  let written = 0;
  let refusal: unknown;
  for (let i = 0; i < 100 && refusal === undefined; i++) {
    try {
      writeFile(root, `f${i}`, 32 * KIB);
      written++;
    } catch (e) {
      refusal = e;
    }
  }
  assert.equal(refusal, 'insufficient-space');
  assert.ok(written >= 6 && written < 8, `about 256 KiB of 32 KiB files fit, got ${written}`);
  assert.ok(fs.usedBytes - seeded <= 256 * KIB, `guests added ${fs.usedBytes - seeded} bytes`);
});

for (const kind of ['directories', 'empty files', 'symlinks'] as const) {
  test(`${kind} are charged too: a guest cannot make names without bound`, () => {
    const fs = new MemoryFs({}, {}, { maxGuestBytes: 64 * KIB });
    const root = guestRoot(fs);
    let made = 0;
    let refusal: unknown;
    for (let i = 0; i < 10_000 && refusal === undefined; i++) {
      try {
        if (kind === 'directories') root.createDirectoryAt(`d${i}`);
        else if (kind === 'symlinks') root.symlinkAt('target', `l${i}`);
        else drop(root.openAt({}, `e${i}`, { create: true }, RW) as WasiInterface);
        made++;
      } catch (e) {
        refusal = e;
      }
    }
    assert.equal(refusal, 'insufficient-space');
    assert.ok(made > 100 && made < 1100, `a bounded number of entries fit in 64 KiB, made ${made}`);
    assert.ok(fs.usedBytes <= 64 * KIB);
  });
}

test('deleting frees the budget again, but not while an open handle still holds an unlinked file', () => {
  const fs = new MemoryFs({}, {}, { maxGuestBytes: 200 * KIB });
  const root = guestRoot(fs);
  writeFile(root, 'big', 150 * KIB);
  assert.throws(
    () => writeFile(root, 'other', 150 * KIB),
    (e) => e === 'insufficient-space',
  );
  const held = root.openAt({}, 'big', {}, RW) as WasiInterface;
  root.unlinkFileAt('big');
  // The bytes are still reachable through `held`: they still count.
  assert.throws(
    () => writeFile(root, 'other', 150 * KIB),
    (e) => e === 'insufficient-space',
  );
  drop(held);
  writeFile(root, 'other', 150 * KIB);
  // A truncate frees too.
  drop(root.openAt({}, 'other', { truncate: true }, RW) as WasiInterface);
  writeFile(root, 'third', 150 * KIB);
});

test('a bad budget is a clear error, not a tree without one', () => {
  assert.throws(() => new MemoryFs({}, {}, { maxGuestBytes: -1 }), /maxGuestBytes/);
  assert.throws(() => new MemoryFs({}, {}, { maxGuestBytes: Number.NaN }), /maxGuestBytes/);
});

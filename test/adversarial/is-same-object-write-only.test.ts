// Models one operation missing its check (Deno CVE-2025-61786 / CVE-2025-61785: stat-like
// calls that skipped the read permission; Wasmtime GHSA-2r75-cxrj-cmph's family):
// `descriptor.is-same-object` stats both descriptors and compares device and inode, the same
// identity `metadata-hash` gives (which needs fs.read), but it asked nothing. A guest with
// fs.write alone could learn whether a file it may only write is a hard link to another one.
// It now needs fs.read on both descriptors; with no error channel in the WIT, a denial traps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGatedWasi } from '../../host/gate/index.js';
import { CapabilityTrap } from '../../host/gate/trap.js';
import { nodePlatform } from '../../host/node/platform.js';
import { PolicyEngine } from '../../host/policy/index.js';
import type { CanonicalManifest } from '../../host/policy/types.js';
import type { WasiInterface } from '../support/test-double.js';
import { tempDir } from '../node-host/helpers.js';

interface Desc {
  openAt(pathFlags: object, path: string, openFlags: object, flags: object): Desc;
  isSameObject(other: Desc): boolean;
  getType(): string;
  stat(): unknown;
}

/** `/out` with `a.txt` and `b.txt` hard links of one file, `c.txt` another; both opened for write. */
function guest(allow: CanonicalManifest['allow']): { a: Desc; b: Desc; c: Desc } {
  const t = tempDir('molt-adv-same-object-');
  mkdirSync(join(t, 'out'));
  writeFileSync(join(t, 'out', 'a.txt'), 'one');
  linkSync(join(t, 'out', 'a.txt'), join(t, 'out', 'b.txt'));
  writeFileSync(join(t, 'out', 'c.txt'), 'two');
  const engine = new PolicyEngine();
  const subject = engine.createSubject({ version: 1, allow, deny: {} });
  const imports = createGatedWasi({ engine, subject, platform: nodePlatform, preopens: [{ guest: '/out', host: join(t, 'out') }] });
  const [[root]] = imports['wasi:filesystem/preopens']!.getDirectories() as unknown as [[WasiInterface & Desc, string]];
  const open = (name: string) => root.openAt({}, name, {}, { write: true });
  return { a: open('a.txt'), b: open('b.txt'), c: open('c.txt') };
}

const trapsOn = (fn: () => unknown) =>
  assert.throws(fn, (e: unknown) => e instanceof CapabilityTrap && e.capability === 'fs.read' && e.func === 'descriptor.is-same-object');

test('is-same-object on descriptors a guest may only write traps (fs.read missing)', () => {
  const { a, b, c } = guest({ 'fs.write': ['/out'] });
  trapsOn(() => a.isSameObject(b));
  trapsOn(() => a.isSameObject(c));
  // Its twin asks the same: stat is `access` on a write-only descriptor.
  assert.throws(
    () => a.stat(),
    (e: unknown) => e === 'access',
  );
  // get-type is not gated (what the open already told; preview1's fd_fdstat_get asks it).
  assert.equal(a.getType(), 'regular-file');
});

test('fs.read on one of the two is not enough: both are checked', () => {
  const { a, b } = guest({ 'fs.write': ['/out'], 'fs.read': ['/out/a.txt'] });
  trapsOn(() => a.isSameObject(b));
  trapsOn(() => b.isSameObject(a));
});

test('with fs.read on both it answers', () => {
  const { a, b, c } = guest({ 'fs.write': ['/out'], 'fs.read': ['/out'] });
  assert.equal(a.isSameObject(b), true);
  assert.equal(a.isSameObject(c), false);
});

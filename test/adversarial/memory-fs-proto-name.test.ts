/**
 * Prototype-named entries in the browser's in-memory tree (JavaScript prototype pollution,
 * the class of CVE-2019-10744 in lodash: a key `__proto__` assigned into a plain object):
 * directories are plain objects, so a guest creating `__proto__` (file, directory or symlink)
 * re-points that directory object's prototype instead of adding an entry. The create reports
 * success, the name is then `no-entry`, the data written is lost, and the app's own lookups
 * (memory-fs.ts reads `node.dir[seg]` without an own-property check) see inherited fields.
 * The name must either be a real entry afterwards or be refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryFs } from '../../host/browser/memory-fs.js';
import { MemoryFsBackend } from '../../host/browser/memory-backend.js';

const CREATE = { read: false, write: true, create: true, exclusive: false, truncate: false, directory: false };

test('a guest creating __proto__ in the in-memory tree gets a real entry (or a refusal), never a silent prototype change', () => {
  const fs = new MemoryFs({ '/data/a.txt': 'A' });
  const b = new MemoryFsBackend(fs, 16);
  const root = b.openRoot('/data');
  let created = true;
  try {
    const h = b.openAt(root, '__proto__', CREATE);
    b.write(h, new TextEncoder().encode('KEPT'), 0n);
  } catch {
    created = false;
  }
  const entries = fs.dir('/data')!.dir!;
  assert.equal(Object.getPrototypeOf(entries), Object.prototype, "the directory object's prototype was replaced");
  if (created) assert.equal(b.statAt(root, '__proto__').type, 'regular-file');
});

/**
 * Reading through a write right: a file in a write-only drop box is linked or renamed into a
 * readable directory and read there (Deno requires read and write on both sides of rename
 * and link; found in molt-wasm 0.1, which checked only fs.write on the source). SPEC section
 * 5: link and rename need fs.read on the source as well as fs.write on both sides.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { E, policy, runOps, sandbox } from './support.js';

test('link and rename out of a write-only drop box are refused; nothing becomes readable', async () => {
  const s = sandbox();
  mkdirSync(join(s.granted, 'drop'));
  mkdirSync(join(s.granted, 'pub'));
  writeFileSync(join(s.granted, 'drop', 'letter.txt'), 'DROPPED-LETTER\n');
  writeFileSync(join(s.granted, 'pub', 'own.txt'), 'own\n');
  mkdirSync(join(s.granted, 'drop', 'box'));
  writeFileSync(join(s.granted, 'drop', 'box', 'inner.txt'), 'INNER-LETTER\n');
  // Preopens (the /data mapping itself grants nothing, so it is not listed):
  // fd 3 is /data/drop (write only), fd 4 is /data/pub (read and write).
  const r = await runOps(
    [
      { op: 'link', label: 'link', fd: 3, path: 'letter.txt', fd2: 4, path2: 'copy.txt' },
      { op: 'rename', label: 'rename', fd: 3, path: 'letter.txt', fd2: 4, path2: 'moved.txt' },
      { op: 'rename', label: 'rename-dir', fd: 3, path: 'box', fd2: 4, path2: 'box' },
      { op: 'cat', label: 'read-copy', fd: 4, path: 'copy.txt' },
      { op: 'cat', label: 'read-moved', fd: 4, path: 'moved.txt' },
      { op: 'cat', label: 'read-box', fd: 4, path: 'box/inner.txt' },
      // The control: a readable and writable source moves.
      { op: 'rename', label: 'control', fd: 4, path: 'own.txt', fd2: 4, path2: 'own2.txt' },
      // And a write-only place still takes files (the drop box works).
      { op: 'write', label: 'deliver', fd: 3, path: 'new.txt', text: 'hello' },
    ],
    policy({ 'console.write': true, 'fs.read': ['/data/pub'], 'fs.write': ['/data/drop', '/data/pub'] }),
    { dirs: { '/data': s.granted } },
  );
  assert.equal(r.codes['link'], E.acces);
  assert.equal(r.codes['rename'], E.acces);
  assert.equal(r.codes['rename-dir'], E.acces);
  assert.equal(r.codes['read-copy'], E.noent);
  assert.equal(r.codes['read-moved'], E.noent);
  assert.equal(r.codes['read-box'], E.noent);
  assert.equal(r.codes['control'], 0);
  assert.equal(r.codes['deliver'], 0);
  assert.ok(!r.stdout.includes('DROPPED-LETTER') && !r.stdout.includes('INNER-LETTER'));
  assert.ok(existsSync(join(s.granted, 'drop', 'letter.txt')));
  assert.ok(!existsSync(join(s.granted, 'pub', 'copy.txt')));
});

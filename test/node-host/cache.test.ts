/** The transpile cache: keyed by content, atomic, and a damaged entry is rebuilt, never run. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHost, getTranspiled, defaultCacheDir } from '../../host/index.js';
import { buildComponent, capture, policy, tempDir } from './helpers.js';
import { hello } from './guests/guests.js';

test('a second load hits the cache; corrupt, partial and truncated entries are rebuilt', async () => {
  const dir = tempDir('molt-cache-');
  const comp = await buildComponent(hello);
  const first = await getTranspiled(comp, dir);
  assert.equal(first.built, true);
  assert.equal((await getTranspiled(comp, dir)).built, false);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.startsWith('.tmp-')),
    [],
  );

  // Corrupt the generated JS: detected by its hash, rebuilt, and the guest still runs right.
  writeFileSync(join(first.dir, 'component.js'), 'throw new Error("corrupt entry was run")');
  const out = capture();
  const r = await createHost({ cacheDir: dir }).run(comp, { manifest: policy({ 'console.write': true }), stdout: out.sink });
  assert.equal(r.exitCode, 0, r.error?.message);
  assert.equal(out.text(), 'hello\n');
  assert.equal((await getTranspiled(comp, dir)).built, false);

  // A truncated core module, then a missing entry manifest (a partial write).
  writeFileSync(join(first.dir, 'component.core.wasm'), new Uint8Array([0, 97, 115]));
  assert.equal((await getTranspiled(comp, dir)).built, true);
  rmSync(join(first.dir, 'molt-entry.json'));
  assert.equal((await getTranspiled(comp, dir)).built, true);
  assert.equal((await getTranspiled(comp, dir)).built, false);
});

test('cache location: MOLT_WASM_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
  assert.equal(defaultCacheDir({ MOLT_WASM_CACHE_DIR: '/x', XDG_CACHE_HOME: '/y' }), '/x');
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/y' }), '/y/molt-wasm');
  assert.match(defaultCacheDir({}), /\.cache\/molt-wasm$/);
});

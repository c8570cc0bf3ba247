/**
 * host/cli/launch.ts: the state of the code cache as V8 saw it (the CLI-level behaviour is
 * test/cli-build/startup-loading.test.ts). A small CommonJS-format script stands in for the
 * CLI bundle; it uses what the launcher gives a bundle (`require`, the `import.meta.url` and
 * `import()` stand-ins). Each load is a process of its own, as each CLI start is: within one
 * isolate V8 finds a source it compiled before in its own compilation cache, ignores the
 * cached data and reports it "not rejected", which would make every load look like a hit.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { crc32 } from 'node:zlib';
import { codeCacheDir, codeCacheName, type CodeCacheState } from '../../host/cli/launch.js';

const launch = pathToFileURL(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'host', 'cli', 'launch.js')).href;
const work = mkdtempSync(join(tmpdir(), 'molt-code-cache-'));
after(() => rmSync(work, { recursive: true, force: true }));

const SCRIPT = `
const { basename } = require('node:path');
function greet(name) { return 'hello ' + name + ' from ' + basename(new URL(__moltImportMetaUrl).pathname); }
module.exports = { greet, importModule: __moltImportModule };
`;

interface Loaded {
  readonly state: CodeCacheState;
  readonly greeting: string;
  readonly imported: string;
}

/** Loads `bundle` in a new process (and saves the cache after); what it saw. */
function load(bundle: string, cacheDir: string | undefined): Loaded {
  const code = `
const { loadBundle } = await import(${JSON.stringify(launch)});
const b = loadBundle(${JSON.stringify(bundle)}, { cacheDir: ${JSON.stringify(cacheDir)}, name: 'cli-test', importModule: (s) => import(s) });
const path = await b.exports.importModule('node:path');
process.stdout.write(JSON.stringify({ state: b.codeCache, greeting: b.exports.greet('x'), imported: typeof path.join }));
b.saveCodeCache();
`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  return JSON.parse(r.stdout) as Loaded;
}

test('miss, then a hit V8 accepts; the bundle gets require, its own URL and import()', () => {
  const bundle = join(work, 'a.cjs');
  writeFileSync(bundle, SCRIPT);
  const dir = join(work, 'a-cache');
  assert.deepEqual(load(bundle, dir), { state: 'miss', greeting: 'hello x from a.cjs', imported: 'function' });
  assert.deepEqual(load(bundle, dir), { state: 'hit', greeting: 'hello x from a.cjs', imported: 'function' });
});

test('a changed bundle of the same length and mtime does not get the old cache: invalid, and rebuilt', () => {
  const bundle = join(work, 'b.cjs');
  writeFileSync(bundle, SCRIPT);
  const seconds = 1_700_000_000; // whole seconds: utimes keeps them exactly
  utimesSync(bundle, seconds, seconds);
  const dir = join(work, 'b-cache');
  assert.equal(load(bundle, dir).state, 'miss');
  assert.equal(load(bundle, dir).state, 'hit');
  // Same length, same mtime, other code: V8 alone would accept the old cache (it checks the
  // length); the CRC-32 of the source tells them apart.
  writeFileSync(bundle, SCRIPT.replace("'hello '", "'HELLO '"));
  utimesSync(bundle, seconds, seconds);
  assert.equal(statSync(bundle).mtimeMs, seconds * 1000);
  assert.deepEqual(load(bundle, dir), { state: 'invalid', greeting: 'HELLO x from b.cjs', imported: 'function' });
  assert.equal(load(bundle, dir).state, 'hit');
});

test('a payload that passes the checks but is not V8 code cache: rejected by V8, run without, replaced', () => {
  const bundle = join(work, 'c.cjs');
  writeFileSync(bundle, SCRIPT);
  const dir = join(work, 'c-cache');
  assert.equal(load(bundle, dir).state, 'miss');
  const file = join(dir, 'cli-test.v8cache');
  const text = readFileSync(file);
  const eol = text.indexOf(10, text.indexOf(10) + 1);
  const header = JSON.parse(text.toString('utf8', text.indexOf(10) + 1, eol)) as { payload: { bytes: number; crc32: number } };
  const junk = Buffer.alloc(64, 7);
  header.payload.bytes = junk.length;
  header.payload.crc32 = crc32(junk);
  writeFileSync(file, Buffer.concat([text.subarray(0, text.indexOf(10) + 1), Buffer.from(JSON.stringify(header) + '\n'), junk]), {
    mode: 0o600,
  });
  assert.deepEqual(load(bundle, dir), { state: 'rejected', greeting: 'hello x from c.cjs', imported: 'function' });
  assert.equal(load(bundle, dir).state, 'hit');
});

test('off: no directory, nothing read or written; the cache name is the subcommand', () => {
  const bundle = join(work, 'd.cjs');
  writeFileSync(bundle, SCRIPT);
  assert.equal(load(bundle, undefined).state, 'off');
  assert.equal(codeCacheDir({ MOLT_WASM_CODE_CACHE: '0', MOLT_WASM_CACHE_DIR: '/x' }), undefined);
  assert.equal(codeCacheDir({ MOLT_WASM_CACHE_DIR: '/x' }), '/x/code-cache');
  assert.equal(codeCacheName(['node', 'molt-wasm', 'run', 'a.wasm']), 'cli-run');
  assert.equal(codeCacheName(['node', 'molt-wasm', '--version']), 'cli-other');
  assert.equal(codeCacheName(['node', 'molt-wasm', '../../etc']), 'cli-other');
});

// Every entry of package.json "exports" resolves to a built module with what it promises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { exports: Record<string, string> };

const expected: Record<string, string[]> = {
  '.': ['createHost', 'PolicyEngine'],
  './policy': ['PolicyEngine', 'compileScopes'],
  './manifest': ['decodeCapabilitiesDocument', 'readProvenance', 'embedManifest', 'auditImports'],
  './browser': ['createHost', 'MemoryFs', 'hasJspi'],
};

test('package exports: each entry loads and exports its API', async () => {
  assert.deepEqual(Object.keys(pkg.exports).sort(), Object.keys(expected).sort());
  for (const [entry, target] of Object.entries(pkg.exports)) {
    if (entry === './browser') continue; // imports the shim's browser build: loaded in Chromium by test:browser
    const mod = (await import(pathToFileURL(`${ROOT}${target}`).href)) as Record<string, unknown>;
    for (const name of expected[entry]!) assert.equal(typeof mod[name], 'function', `${entry} exports ${name}`);
  }
});

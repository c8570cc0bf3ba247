/**
 * Every golden `export spin` manifest against Spin's published manifest schema
 * (`spin/manifest-v2/latest.json` in spinframework/schemas.spinframework.dev), through ajv.
 *
 * Not part of `npm test`: the schema is third-party content this project's rules keep out of
 * the repository, so it cannot be vendored here. Run it where you have the file:
 *
 *   MOLT_SPIN_SCHEMA=/path/to/latest.json npm run test:spin-schema
 *
 * Without the file it fails (it never passes vacuously). The goldens in
 * test/export-spin/golden/ are what `npm test` holds every export to, byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../cli-run.js';
import { spinSchemaErrors } from './schema.js';

const GOLDEN_DIR = join(REPO_ROOT, 'test', 'export-spin', 'golden');

test("every golden export validates against Spin's manifest schema", () => {
  const goldens = readdirSync(GOLDEN_DIR).filter((n) => n.endsWith('.toml'));
  assert.ok(goldens.length >= 10, `found the goldens in ${GOLDEN_DIR}`);
  for (const name of goldens) {
    const text = readFileSync(join(GOLDEN_DIR, name), 'utf8').split('$TMP').join('/tmp/x');
    assert.deepEqual(spinSchemaErrors(text), [], `${name}:\n${text}`);
  }
});

test("the schema check is not vacuous: Spin's schema rejects what it should", () => {
  const good =
    'spin_manifest_version = 2\n[application]\nname = "a"\n[[trigger.http]]\nroute = "/..."\ncomponent = "a"\n[component.a]\nsource = "a.wasm"\n';
  assert.deepEqual(spinSchemaErrors(good), []);
  assert.notDeepEqual(spinSchemaErrors(good.replace('= 2', '= 1')), [], 'manifest version 1');
  assert.notDeepEqual(spinSchemaErrors(good.replace('name = "a"\n', '')), [], 'no application name');
  assert.notDeepEqual(
    spinSchemaErrors(good.replace('source = "a.wasm"', 'source = "a.wasm"\nfiles = [{ source = "x" }]')),
    [],
    'a mount without destination',
  );
  assert.notDeepEqual(
    spinSchemaErrors(good.replace('source = "a.wasm"', 'source = "a.wasm"\nallowed_outbound_hosts = "*://*:*"')),
    [],
    'hosts not a list',
  );
  assert.notDeepEqual(
    spinSchemaErrors(good.replace('source = "a.wasm"', 'source = "a.wasm"\nenvironment = { A = 1 }')),
    [],
    'a non-string env value',
  );
});

/**
 * The layer rules live in eslint.config.js (no-restricted-imports and friends); `npm run lint`
 * applies them to the real sources. This test runs the same config on sample sources placed in
 * each layer, so a rule that is dropped or stops matching fails here, not silently.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

// dist/test/policy/ -> the repository root, where eslint.config.js and the .ts sources live.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  assert.ok(result, `eslint linted ${filePath}`);
  const layerRules = new Set(['no-restricted-imports', 'no-restricted-globals', 'no-restricted-syntax', 'no-restricted-properties']);
  return result.messages.filter((m) => m.ruleId !== null && layerRules.has(m.ruleId)).map((m) => m.ruleId!);
}

const PURE = ['host/policy/sample.ts', 'host/manifest/sample.ts', 'host/errors.ts'];
const NEUTRAL = ['host/gate/sample.ts', 'host/gate/fs/sample.ts', 'host/preview1/sample.ts'];

const FORBIDDEN_EVERYWHERE: Array<[string, string]> = [
  ["import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n", 'a node: import'],
  ["import fs from 'fs';\nexport const f = fs;\n", 'a bare Node built-in'],
  ["export const f = () => import('node:fs');\n", 'a dynamic node: import'],
  ['export const t = (): string => document.title;\n', 'the DOM document'],
  ['export const h = (): string => window.location.href;\n', 'window'],
  ['export const t = (): unknown => globalThis.document;\n', 'globalThis.document'],
  ['export const e = (): unknown => process.env;\n', 'process'],
  ["export const r = (): unknown => require('x');\n", 'require'],
  ["import { nodePlatform } from '../node/platform.js';\nexport const p = nodePlatform;\n", 'the Node platform layer'],
  ["import { x } from '../browser/host.js';\nexport const p = x;\n", 'the browser platform layer'],
];

for (const file of [...PURE, ...NEUTRAL]) {
  test(`${file}: every platform escape is a lint error`, async () => {
    for (const [code, what] of FORBIDDEN_EVERYWHERE) {
      const fix = file.startsWith('host/gate/fs/') ? code.replace("'../", "'../../") : code;
      assert.notDeepEqual(await layerErrors(file, fix), [], `${what} in ${file} must be refused`);
    }
  });
}

test('the pure layers may not import the gate or preview1 layers either', async () => {
  for (const file of ['host/policy/sample.ts', 'host/manifest/sample.ts']) {
    assert.notDeepEqual(await layerErrors(file, "import { x } from '../gate/gate.js';\nexport const g = x;\n"), []);
    assert.notDeepEqual(await layerErrors(file, "import { x } from '../preview1/index.js';\nexport const g = x;\n"), []);
  }
});

test('what the layers may do passes', async () => {
  assert.deepEqual(
    await layerErrors(
      'host/policy/sample.ts',
      "import { x } from './y.js';\nimport { d } from './document.js';\nexport const a = [x, d];\n",
    ),
    [],
  );
  assert.deepEqual(await layerErrors('host/gate/sample.ts', "import { x } from '../policy/index.js';\nexport const a = x;\n"), []);
  // The platform layers are where Node belongs.
  assert.deepEqual(
    await layerErrors('host/node/sample.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n"),
    [],
  );
});

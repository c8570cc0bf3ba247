import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/test/policy/ -> the repository root, where the .ts sources live.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const FORBIDDEN: [RegExp, string][] = [
  [/from\s+['"]node:/, "from 'node:"],
  [/import\s*\(\s*['"]node:/, "import('node:"],
  [/\brequire\s*\(/, 'require('],
  // Not after a `/`: a module named './document.js' is not the DOM global.
  [/(?<![\w$/])document\./, 'document.'],
  [/(?<![\w$/])window\./, 'window.'],
];

/**
 * Blanks comments (keeping line breaks, so line numbers stay right): prose such as "one JSON
 * document." is not a DOM call. Strings are left alone; a `//` inside a string only hides
 * the rest of that line, which errs towards fewer hits in string-heavy lines.
 */
function stripComments(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('host/policy, host/manifest and host/errors.ts are pure', () => {
  const files = [...tsFiles(join(root, 'host/policy')), ...tsFiles(join(root, 'host/manifest')), join(root, 'host/errors.ts')];
  assert.ok(files.length > 5, `found the sources under ${root}`);
  const problems: string[] = [];
  for (const f of files) {
    stripComments(readFileSync(f, 'utf8'))
      .split('\n')
      .forEach((line, i) => {
        for (const [re, what] of FORBIDDEN) if (re.test(line)) problems.push(`${f.slice(root.length)}:${i + 1}: ${what}`);
      });
  }
  assert.deepEqual(problems, []);
});

test('the purity scan catches what it must', () => {
  const hits = (s: string) => FORBIDDEN.some(([re]) => re.test(s));
  assert.ok(hits("import { readFile } from 'node:fs';"));
  assert.ok(hits('const fs = require("fs")'));
  assert.ok(hits('document.title'));
  assert.ok(hits('window.location'));
  assert.ok(!hits("import { x } from './y.js';"));
  assert.ok(!hits("import { d } from './document.js';"));
  assert.ok(hits('const t = globalThis.document.title'));
  assert.ok(hits('(document.body)'));
  const scan = (s: string) => stripComments(s).split('\n').filter((l) => hits(l)).length;
  assert.equal(scan('/** parses one document. */\nconst a = 1; // window.x\n'), 0);
  assert.equal(scan('/* c */ document.cookie\nconst u = "http://x"; window.open()'), 2);
});

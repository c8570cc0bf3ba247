/**
 * What `molt-wasm run` loads (docs/benchmarks.md, start-up): the CLI from its one-file bundle
 * (scripts/bundle-cli.ts), preview2-shim only for a guest that can reach it (a component, or
 * a core module importing poll_oneoff), and none of the built-ins only some runs use
 * (host/node/builtins.ts). Observed with a module loader hook that names every file module,
 * and `process.moduleLoadList` for the built-ins.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const bin = join(repo, 'bin', 'molt-wasm.js');
const work = mkdtempSync(join(tmpdir(), 'molt-startup-'));
after(() => rmSync(work, { recursive: true, force: true }));

writeFileSync(
  join(work, 'hooks.mjs'),
  "export async function load(url, context, next) { if (url.startsWith('file:')) process.stderr.write(`loaded ${url}\\n`); return next(url, context); }\n",
);
writeFileSync(join(work, 'files.mjs'), "import { register } from 'node:module'; register('./hooks.mjs', import.meta.url);\n");
// A separate run for the built-ins: the loader hook above runs in a worker thread of its own.
writeFileSync(
  join(work, 'builtins.mjs'),
  "process.on('exit', () => process.stderr.write(`builtins ${process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join(' ')}\\n`));\n",
);

function traced(app: string, tracer: 'files.mjs' | 'builtins.mjs'): { lines: string[]; stdout: string } {
  const r = spawnSync(process.execPath, ['--import', join(work, tracer), bin, 'run', app], {
    encoding: 'utf8',
    env: { ...process.env, MOLT_WASM_CACHE_DIR: join(work, 'cache') },
  });
  assert.equal(r.status, 0, r.stderr);
  return { lines: r.stderr.split('\n'), stdout: r.stdout };
}

const loadedFiles = (app: string): string[] =>
  traced(app, 'files.mjs')
    .lines.filter((l) => l.startsWith('loaded '))
    .map((l) => l.slice('loaded '.length));
const loadedBuiltins = (app: string): string[] =>
  (traced(app, 'builtins.mjs').lines.find((l) => l.startsWith('builtins ')) ?? '').split(' ').slice(1);

const wc = join(repo, 'guest-examples', 'dist', 'wc.wasm'); // preview1, no poll_oneoff
const hello = join(repo, 'guest-examples', 'dist', 'hello.wasm'); // a component

test('a preview1 module without poll_oneoff: the bundle only, no preview2-shim, no crypto, worker_threads, child_process', () => {
  const own = loadedFiles(wc).filter((f) => !f.startsWith(`file://${work}`));
  assert.ok(
    own.some((f) => f.endsWith('/dist/host/node/cli.bundle.js')),
    own.join('\n'),
  );
  assert.ok(!own.some((f) => f.endsWith('/dist/host/cli/main.js')), own.join('\n'));
  assert.deepEqual(
    own.filter((f) => f.includes('/preview2-shim/')),
    [],
  );
  // The bundle and its shared chunk, and the launcher: a handful, not ~130 modules.
  assert.ok(own.length <= 4, own.join('\n'));
  const builtins = loadedBuiltins(wc);
  assert.ok(builtins.includes('fs'), builtins.join(' '));
  for (const heavy of ['crypto', 'worker_threads', 'child_process']) {
    assert.ok(!builtins.includes(heavy), `node:${heavy} loaded: ${builtins.join(' ')}`);
  }
});

test('a component: preview2-shim is loaded (its classes are what the bindings check against)', () => {
  const { lines, stdout } = traced(hello, 'files.mjs');
  assert.equal(stdout, 'hello from a molt-wasm component\n');
  const files = lines.filter((l) => l.startsWith('loaded '));
  assert.ok(
    files.some((f) => f.includes('/preview2-shim/')),
    files.join('\n'),
  );
});

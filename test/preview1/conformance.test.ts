/**
 * Runs a handful of wasi-testsuite programs through scripts/conformance.ts (harness mode:
 * preview2-shim + this preview1 layer, one child process per program), from the copy
 * vendored in test/wasi-testsuite/ (see its README), so they run on every clone.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const suite = join(repo, 'test', 'wasi-testsuite');
const script = join(repo, 'dist', 'scripts', 'conformance.js');

test('the vendored wasi-testsuite is complete: 72 programs', () => {
  const dirs = ['assemblyscript', 'c', 'rust'].map((s) => join(suite, 'tests', s, 'testsuite', 'wasm32-wasip1'));
  for (const d of dirs) assert.ok(existsSync(d), `${d} missing`);
  const programs = dirs.flatMap((d) => readdirSync(d).filter((n) => n.endsWith('.wasm')));
  assert.equal(programs.length, 72);
  assert.ok(existsSync(join(suite, 'LICENSE')));
});

function run(...args: string[]): { out: string; status: number | null } {
  const r = spawnSync(process.execPath, [script, suite, '--harness', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { out: r.stdout, status: r.status };
}

test('assemblyscript programs (args, env, exit 33, stdout) all pass', () => {
  const { out, status } = run('--filter', 'assemblyscript/');
  assert.match(out, /^PASS assemblyscript\/proc_exit-failure/m);
  assert.match(out, /^12 passed, 0 failed$/m, out);
  assert.equal(status, 0);
});

test('filesystem programs pass with their directory granted', () => {
  for (const name of ['c/pwrite-with-append', 'rust/renumber', 'rust/fd_readdir', 'rust/path_open_read_write']) {
    const { out } = run('--filter', name);
    assert.match(out, /^1 passed, 0 failed$/m, `${name}: ${out}`);
  }
});

test('--withhold: a program that needs its directory is refused and nothing changes', () => {
  const { out, status } = run('--withhold', '--filter', 'c/fopen-with-access');
  assert.match(out, /^PASS c\/fopen-with-access {2}\(refused/m, out);
  assert.match(out, /^1 passed, 0 failed$/m);
  assert.equal(status, 0);
});

// The whole suite through `molt-wasm run` (the CLI, not the harness): the target is
// all 72, which needs nanosecond set-times (native/utimens, built at install).
test('the whole wasi-testsuite through molt-wasm run: 72 passed', () => {
  const r = spawnSync(process.execPath, [script, suite], { encoding: 'utf8', timeout: 300_000 });
  assert.match(
    r.stdout,
    /^72 passed, 0 failed$/m,
    r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('PASS'))
      .join('\n'),
  );
  assert.equal(r.status, 0);
});

// The CLI runs each program with its spec's grants and nothing more: no env grant unless the
// spec gives an environment, and then only its names (an ungranted environment reads as
// empty, SPEC section 5, so programs that read it at start-up still run).
test('conformance command lines carry the spec grants only', async () => {
  const { commandFor, parseSpec } = await import('../../scripts/conformance.js');
  const mode = { harness: false, withhold: false };
  const plain = commandFor({ name: 'c/x', wasm: '/w/x.wasm', dir: '/w', spec: parseSpec({}) }, '/s', mode);
  assert.ok(!plain.some((a) => a.startsWith('--allow-env')), plain.join(' '));
  assert.ok(!plain.includes('--allow-console'), plain.join(' '));
  const withEnv = commandFor(
    { name: 'c/y', wasm: '/w/y.wasm', dir: '/w', spec: parseSpec({ env: { A: '1', B: '2' }, dirs: ['fs-tests.dir'] }) },
    '/s',
    mode,
  );
  assert.ok(withEnv.includes('--allow-env=A,B'), withEnv.join(' '));
  assert.ok(!withEnv.includes('--allow-env'), withEnv.join(' '));
  assert.ok(withEnv.includes('--allow-read=fs-tests.dir') && withEnv.includes('--allow-write=fs-tests.dir'), withEnv.join(' '));
});

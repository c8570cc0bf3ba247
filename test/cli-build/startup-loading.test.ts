/**
 * What `molt-wasm run` loads (docs/benchmarks.md, start-up): the CLI from its one-file bundle
 * (scripts/bundle-cli.ts) through the launcher (host/cli/launch.ts), preview2-shim only for a
 * guest that can reach it (a component, or a core module importing poll_oneoff), none of the
 * built-ins only some runs use (host/node/builtins.ts), and none of what only other
 * subcommands import (serve's node:http). Observed with a module loader hook that names every
 * file module, and `process.moduleLoadList` for the built-ins. Then the bundle's V8 code
 * cache: written after a run, used by the next, and a damaged, foreign or unwritable one
 * never changes a run (whether it was used: a cache that was not is rewritten, so its inode
 * changes; the in-process states are test/cli-build/code-cache.test.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
// CommonJS (--require), so the trace itself starts no ES module loader; fs.writeSync, not
// process.stderr, whose creation would load what is looked for.
writeFileSync(
  join(work, 'builtins.cjs'),
  "const { writeSync } = require('node:fs'); process.on('exit', () => writeSync(2, `builtins ${process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join(' ')}\\n`));\n",
);

// The bundle is a CommonJS-format script: what it `require`s (preview2-shim, an ES module, by
// require(esm)) goes through Module._load, not through the module loader hook above.
writeFileSync(
  join(work, 'requires.cjs'),
  "const Module = require('node:module'); const load = Module._load; Module._load = function (request, ...rest) { process.stderr.write(`required ${request}\\n`); return load.call(this, request, ...rest); };\n",
);

function traced(app: string, tracer: 'files.mjs' | 'builtins.cjs' | 'requires.cjs'): { lines: string[]; stdout: string } {
  const r = spawnSync(process.execPath, [tracer.endsWith('.cjs') ? '--require' : '--import', join(work, tracer), bin, 'run', app], {
    encoding: 'utf8',
    // stdout and stderr are pipes; stdin is not (process.stdin is created when a guest reads
    // it, and a pipe there would be a net.Socket).
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MOLT_WASM_CACHE_DIR: join(work, 'cache') },
  });
  assert.equal(r.status, 0, r.stderr);
  return { lines: r.stderr.split('\n'), stdout: r.stdout };
}

const loadedFiles = (app: string): string[] =>
  traced(app, 'files.mjs')
    .lines.filter((l) => l.startsWith('loaded '))
    .map((l) => l.slice('loaded '.length));
const required = (app: string): string[] =>
  traced(app, 'requires.cjs')
    .lines.filter((l) => l.startsWith('required '))
    .map((l) => l.slice('required '.length));
const loadedBuiltins = (app: string): string[] =>
  (traced(app, 'builtins.cjs').lines.find((l) => l.startsWith('builtins ')) ?? '').split(' ').slice(1);

const wc = join(repo, 'guest-examples', 'dist', 'wc.wasm'); // preview1, no poll_oneoff
const hello = join(repo, 'guest-examples', 'dist', 'hello.wasm'); // a component

test('a preview1 module without poll_oneoff: the bundle only, no preview2-shim, no crypto, worker_threads, child_process, http', () => {
  // Through the ES module loader (which the traced run starts for its hook): bin/molt-wasm.js
  // alone. The launcher is CommonJS and the bundle a script it compiles, so an untraced run
  // never starts that loader.
  // (Whether bin/molt-wasm.js itself shows depends on the hook thread's output reaching
  // stderr before exit; nothing else may.)
  const own = loadedFiles(wc).filter((f) => !f.startsWith(`file://${work}`) && f !== pathToFileURL(bin).href);
  assert.deepEqual(own, []);
  const requests = required(wc);
  assert.ok(
    requests.some((r) => r.endsWith('/dist/host/node/cli-launch.cjs')),
    requests.join('\n'),
  );
  assert.ok(!requests.some((r) => r.includes('main.js')), requests.join('\n'));
  assert.deepEqual(
    requests.filter((r) => r.includes('preview2-shim')),
    [],
  );
  // What ran is the bundle: its code cache is written after the run.
  assert.ok(existsSync(join(work, 'cache', 'code-cache', 'cli-run.v8cache')));
  const builtins = loadedBuiltins(wc);
  assert.ok(builtins.includes('fs'), builtins.join(' '));
  // node:http: only `serve` imports it (host/cli/main.ts imports other subcommands on use).
  // net, tty: process.stdout/stderr are not created (stdout and stderr are pipes here): the
  // guest's output goes to the descriptors (host/cli/stdio.ts). fs/promises: components only.
  for (const heavy of ['crypto', 'worker_threads', 'child_process', 'http', 'net', 'tty', 'fs/promises']) {
    assert.ok(!builtins.includes(heavy), `node:${heavy} loaded: ${builtins.join(' ')}`);
  }
  // No ES module was loaded at all: bin, launcher and bundle are CommonJS and a script.
  assert.ok(!builtins.includes('internal/modules/esm/module_job'), builtins.join(' '));
});

test('a component: preview2-shim is loaded (its classes are what the bindings check against)', () => {
  const { lines, stdout } = traced(hello, 'requires.cjs');
  assert.equal(stdout, 'hello from a molt-wasm component\n');
  const requests = lines.filter((l) => l.startsWith('required '));
  assert.ok(
    requests.some((r) => r.includes('@bytecodealliance/preview2-shim')),
    requests.join('\n'),
  );
});

/** `molt-wasm run wc.wasm` with stdin closed, the cache root given; its result. */
function runWc(env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, 'run', wc], { encoding: 'utf8', input: 'one two\nthree\n', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const expected = (): { status: number | null; stdout: string; stderr: string } => runWc({ MOLT_WASM_CODE_CACHE: '0' });

/** A fresh cache root; the run's code cache file in it. */
function cacheRoot(name: string): { root: string; file: string } {
  const root = join(work, name);
  return { root, file: join(root, 'code-cache', 'cli-run.v8cache') };
}

const identity = (file: string): string => {
  const st = statSync(file);
  return `${st.ino}:${st.mtimeMs}`;
};

test('code cache: written after the first run (0600, not a symlink), used unchanged by the next, same output', () => {
  const want = expected();
  assert.equal(want.status, 0, want.stderr);
  const { root, file } = cacheRoot('cc-used');
  assert.deepEqual(runWc({ MOLT_WASM_CACHE_DIR: root }), want);
  const st = statSync(file);
  assert.ok(st.isFile());
  assert.equal(st.mode & 0o777, 0o600);
  const first = identity(file);
  // Used: a cache that was missing, damaged or refused by V8 is rewritten (a new inode).
  assert.deepEqual(runWc({ MOLT_WASM_CACHE_DIR: root }), want);
  assert.equal(identity(file), first, 'the second run rewrote the cache instead of using it');
});

test('code cache: a damaged file (payload byte flipped, truncated, garbage, empty) is ignored and replaced', () => {
  const want = expected();
  const damage: Record<string, (b: Buffer) => Buffer> = {
    // V8 itself accepts a payload with a byte flipped (it checks the header only).
    flipped: (b) => {
      const c = Buffer.from(b);
      c[Math.floor(c.length * 0.6)]! ^= 0x5a;
      return c;
    },
    truncated: (b) => b.subarray(0, b.length - 1000),
    garbage: (b) => Buffer.alloc(b.length, 0x41),
    empty: () => Buffer.alloc(0),
  };
  for (const [how, spoil] of Object.entries(damage)) {
    const { root, file } = cacheRoot(`cc-${how}`);
    assert.deepEqual(runWc({ MOLT_WASM_CACHE_DIR: root }), want, how);
    const good = readFileSync(file);
    const bad = spoil(good);
    writeFileSync(file, bad);
    const before = identity(file);
    assert.deepEqual(runWc({ MOLT_WASM_CACHE_DIR: root }), want, how);
    assert.notEqual(identity(file), before, `${how}: the damaged cache was kept`);
    assert.ok(!readFileSync(file).equals(bad), how);
    // ... by one the next run uses.
    const replaced = identity(file);
    assert.deepEqual(runWc({ MOLT_WASM_CACHE_DIR: root }), want, how);
    assert.equal(identity(file), replaced, `${how}: the replacement was not used`);
  }
});

test('code cache: a file others could write, or a symlink, is not used (and is replaced by a private file)', () => {
  const want = expected();
  const writable = cacheRoot('cc-writable');
  assert.deepEqual(runWc({ MOLT_WASM_CACHE_DIR: writable.root }), want);
  chmodSync(writable.file, 0o666);
  const before = identity(writable.file);
  assert.deepEqual(runWc({ MOLT_WASM_CACHE_DIR: writable.root }), want);
  assert.notEqual(identity(writable.file), before, 'a group/other-writable cache was used');
  assert.equal(statSync(writable.file).mode & 0o777, 0o600);

  const linked = cacheRoot('cc-symlink');
  assert.deepEqual(runWc({ MOLT_WASM_CACHE_DIR: linked.root }), want);
  // A valid cache, reached through a link: refused as a link (O_NOFOLLOW).
  const elsewhere = join(work, 'cc-symlink-target');
  const valid = readFileSync(linked.file);
  writeFileSync(elsewhere, valid, { mode: 0o600 });
  rmSync(linked.file);
  symlinkSync(elsewhere, linked.file);
  assert.deepEqual(runWc({ MOLT_WASM_CACHE_DIR: linked.root }), want);
  assert.ok(lstatSync(linked.file).isFile(), 'the symlink was kept');
  // The rename replaced the link, not the file it named.
  assert.ok(readFileSync(elsewhere).equals(valid));
});

test('code cache: a cache root that cannot be written, or MOLT_WASM_CODE_CACHE=0, changes nothing in the run', () => {
  const want = expected();
  // A file where the directory would go: mkdir fails for every user, root included.
  const blocked = join(work, 'cc-blocked');
  writeFileSync(blocked, '');
  assert.deepEqual(runWc({ MOLT_WASM_CACHE_DIR: blocked }), want);
  assert.equal(statSync(blocked).isFile(), true);
  const inner = join(work, 'cc-blocked-inner');
  mkdirSync(inner);
  writeFileSync(join(inner, 'code-cache'), '');
  assert.deepEqual(runWc({ MOLT_WASM_CACHE_DIR: inner }), want);

  const off = cacheRoot('cc-off');
  assert.deepEqual(runWc({ MOLT_WASM_CACHE_DIR: off.root, MOLT_WASM_CODE_CACHE: '0' }), want);
  assert.equal(existsSync(off.file), false);
});

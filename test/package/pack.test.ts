/**
 * The package as an embedder gets it: `npm pack` holds what a user needs and nothing else
 * (package.json "files"), and the tarball installed into an empty directory runs a guest
 * through the public API in Node and through the `molt-wasm` CLI, with the native addon
 * built by the install script.
 *
 * Dependencies come from npm's cache where it has them (`npm ci` put them there) and from
 * the registry otherwise (--prefer-offline).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../node-host/helpers.js';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let work = '';
let tarball = '';
let files: string[] = [];
let app = '';

function ok(r: SpawnSyncReturns<string>, what: string): SpawnSyncReturns<string> {
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `${what} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'molt-pack-'));
  // --ignore-scripts: `prepare` would recompile dist/ while other test files read it; the
  // tests run after `npm run build`, so dist/ is current.
  const packed = ok(
    spawnSync(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO, encoding: 'utf8', timeout: 120_000 }),
    'npm pack',
  );
  const info = (JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[])[0]!;
  tarball = join(work, info.filename);
  files = info.files.map((f) => f.path).sort();

  app = join(work, 'app');
  ok(spawnSync('mkdir', ['-p', app], { encoding: 'utf8' }), 'mkdir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'embedder', version: '1.0.0', private: true, type: 'module' }));
  ok(
    spawnSync(NPM, ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: app,
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, npm_config_update_notifier: 'false' },
    }),
    'npm install <tarball>',
  );
  for (const name of ['hello', 'env']) copyFileSync(join(REPO, 'guest-examples', 'dist', `${name}.wasm`), join(app, `${name}.wasm`));
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball holds the built host, the CLI, the addon sources, wit/, README and LICENSE, and no tests or sources', () => {
  for (const f of [
    'package.json',
    'README.md',
    'LICENSE',
    'bin/molt-wasm.js',
    'dist/host/index.js',
    'dist/host/index.d.ts',
    'dist/host/cli/main.js',
    'dist/host/browser/index.js',
    'dist/host/policy/index.js',
    'dist/host/manifest/index.js',
    'dist/host/node/worker-runner-entry.js',
    'bin/package.json',
    'dist/host/node/cli.bundle.cjs',
    'dist/host/node/cli-launch.cjs',
    'native/utimens/binding.gyp',
    'native/utimens/src/utimens.c',
    'native/fsat/binding.gyp',
    'native/fsat/src/fsat.c',
    'wit/worlds.wit',
    'wit/molt-capabilities.wit',
  ]) {
    assert.ok(files.includes(f), `${f} missing from the tarball`);
  }
  const stray = files.filter(
    (f) =>
      !/^(package\.json|README\.md|LICENSE|bin\/molt-wasm\.js|bin\/package\.json)$/.test(f) &&
      !/^dist\/host\/.*\.js$/.test(f) &&
      !/^dist\/host\/node\/cli(\.bundle|-launch)\.cjs$/.test(f) &&
      !/^dist\/host\/.*\.d\.ts$/.test(f) &&
      !/^native\/(utimens|fsat)\/(binding\.gyp|src\/)/.test(f) &&
      !/^wit\//.test(f),
  );
  assert.deepEqual(stray, [], 'files a user does not need');
  // A bound on growth, not a size goal: serve, export spin, host/net and host/transpile added
  // about 40 modules (each a .js and a .d.ts) on top of the 2xx files this bound was set for.
  assert.ok(files.length < 360, `${files.length} files`);
});

test('installed from the tarball: the install script built both native addons', () => {
  assert.ok(existsSync(join(app, 'node_modules', 'molt-wasm', 'native', 'utimens', 'build', 'Release', 'utimens.node')));
  assert.ok(existsSync(join(app, 'node_modules', 'molt-wasm', 'native', 'fsat', 'build', 'Release', 'fsat.node')));
});

test('installed from the tarball: the public API runs a guest in Node, zero by default, embedded manifest on request', () => {
  const script = `
import { createHost, ProvenanceError } from 'molt-wasm';
import { PolicyEngine } from 'molt-wasm/policy';
import { readProvenance } from 'molt-wasm/manifest';
import { readFileSync } from 'node:fs';
const host = createHost({ engine: new PolicyEngine(), cacheDir: process.argv[2] });
const out = [];
const stdout = (b) => out.push(Buffer.from(b).toString('utf8'));
const bytes = readFileSync('hello.wasm');
const explicit = await host.run(bytes, { manifest: { version: 1, allow: { 'console.write': true }, deny: {} }, stdout });
const zero = await host.run(bytes, { stdout });
const embedded = await host.run('env.wasm', { manifest: 'embedded', env: { GREETING: 'from the tarball' }, stdout });
console.log(JSON.stringify({
  out: out.join(''), explicit: explicit.exitCode, zero: zero.outcome, embedded: embedded.exitCode,
  status: readProvenance(bytes).status, errorClass: typeof ProvenanceError,
}));`;
  writeFileSync(join(app, 'embed.mjs'), script);
  const r = ok(
    spawnSync(process.execPath, ['embed.mjs', join(work, 'cache')], { cwd: app, encoding: 'utf8', timeout: 120_000 }),
    'embed.mjs',
  );
  assert.deepEqual(JSON.parse(r.stdout), {
    out: 'hello from a molt-wasm component\nGREETING=from the tarball\n',
    explicit: 0,
    zero: 'capability-trap',
    embedded: 0,
    status: 'verified',
    errorClass: 'function',
  });
});

test('installed from the tarball: the molt-wasm CLI runs a guest under its embedded manifest', () => {
  const env = { ...process.env, MOLT_WASM_CACHE_DIR: join(work, 'cache') };
  const bin = join(app, 'node_modules', '.bin', 'molt-wasm');
  const r = ok(spawnSync(bin, ['run', 'hello.wasm'], { cwd: app, encoding: 'utf8', timeout: 120_000, env }), 'molt-wasm run');
  assert.equal(r.stdout, 'hello from a molt-wasm component\n');
  const denied = spawnSync(bin, ['run', '--deny-console', 'hello.wasm'], { cwd: app, encoding: 'utf8', timeout: 120_000, env });
  assert.equal(denied.status, 77, denied.stderr);
  assert.match(denied.stderr, /console\.write/);
});

test('installed from the tarball: the CLI starts from its one-file bundle, not the separate modules', () => {
  // A module loader hook that names every file module Node loads (on stderr).
  writeFileSync(
    join(app, 'trace-hooks.mjs'),
    "export async function load(url, context, next) { if (url.startsWith('file:')) process.stderr.write(`loaded ${url}\\n`); return next(url, context); }\n",
  );
  writeFileSync(join(app, 'trace.mjs'), "import { register } from 'node:module'; register('./trace-hooks.mjs', import.meta.url);\n");
  const env = { ...process.env, MOLT_WASM_CACHE_DIR: join(work, 'cache') };
  const bin = join(app, 'node_modules', 'molt-wasm', 'bin', 'molt-wasm.js');
  const r = ok(
    spawnSync(process.execPath, ['--import', './trace.mjs', bin, 'run', 'hello.wasm'], {
      cwd: app,
      encoding: 'utf8',
      timeout: 120_000,
      env,
    }),
    'molt-wasm run (traced)',
  );
  assert.equal(r.stdout, 'hello from a molt-wasm component\n');
  const loaded = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('loaded '))
    .map((l) => l.slice('loaded '.length));
  // The launcher is CommonJS and the bundle a script it compiles (host/cli/launch.ts): no
  // module of the host goes through the ES module loader, and the bundle's code cache,
  // written after the run, shows it ran.
  assert.ok(!loaded.some((u) => u.includes('/dist/host/')), loaded.join('\n'));
  assert.ok(existsSync(join(work, 'cache', 'code-cache', 'cli-run.v8cache')), 'no code cache written for the bundle');
});

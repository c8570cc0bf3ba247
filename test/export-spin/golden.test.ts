/**
 * `export spin` golden tests: one spin.toml per kind of grant (none, net by host and port,
 * wildcards, addresses and blocks, every host, fs.read with and without --dir, env names
 * with --env values, an embedded manifest as the ceiling, a --capabilities file), each
 * compared byte for byte with test/export-spin/golden/NAME.toml (the temporary directory
 * written as $TMP) and validated against Spin's published schema.
 *
 * MOLT_UPDATE_GOLDEN=1 rewrites the golden files from the current output (then review the diff).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { runBuild } from '../../host/cli/build.js';
import type { ExportSpinOptions } from '../../host/cli/export-spin.js';
import { REPO_ROOT } from '../cli-run.js';
import { exportSpin, freshDir, proxyComponent, writeWasm } from './helpers.js';

const GOLDEN_DIR = join(REPO_ROOT, 'test', 'export-spin', 'golden');
const UPDATE = process.env['MOLT_UPDATE_GOLDEN'] === '1';

interface GoldenCase {
  readonly name: string;
  /** The options, given the temporary directory (app.wasm and the output are in it). */
  readonly opts: (tmp: string) => ExportSpinOptions;
  /** Prepares files in tmp (directories to mount, a policy file, a built binary). */
  readonly setup?: (tmp: string, app: string) => void;
  /** Lines stderr must hold (warnings), in order; default none (stderr empty). */
  readonly stderr?: readonly RegExp[];
}

const CASES: readonly GoldenCase[] = [
  { name: 'none', opts: () => ({ allowTime: true }) },
  {
    name: 'net-host-port',
    opts: () => ({ allowTime: true, allowNet: ['api.example.com:443,db.internal:5432', 'Cache.Example.NET.'] }),
  },
  { name: 'net-wildcard', opts: () => ({ allowTime: true, allowNet: ['*.example.com,*.example.org:8443'] }) },
  {
    name: 'net-addresses',
    opts: () => ({ allowTime: true, allowNet: ['10.0.0.1,192.168.0.0/16:443,[2001:db8::1]:443,[fd00::/8],::ffff:203.0.113.7'] }),
  },
  { name: 'net-every-host', opts: () => ({ allowTime: true, allowNet: true }) },
  {
    name: 'fs-read-dir',
    setup: (tmp) => mkdirSync(join(tmp, 'public')),
    opts: (tmp) => ({ allowTime: true, allowRead: ['/site'], dir: [`/site=${join(tmp, 'public')}`] }),
  },
  {
    name: 'fs-read-no-dir',
    // No --dir: the grant's guest path is the host path (as run maps it), below the output's directory.
    setup: (tmp) => mkdirSync(join(tmp, 'assets')),
    opts: (tmp) => ({ allowTime: true, allowRead: [join(tmp, 'assets')] }),
  },
  {
    name: 'fs-read-outside',
    // The output in a subdirectory: a mount source above it is written as an absolute path.
    setup: (tmp) => {
      mkdirSync(join(tmp, 'data'));
      mkdirSync(join(tmp, 'deploy'));
    },
    opts: (tmp) => ({
      allowTime: true,
      allowRead: ['/data'],
      dir: [`/data=${join(tmp, 'data')}`],
      output: join(tmp, 'deploy', 'spin.toml'),
    }),
  },
  {
    name: 'fs-read-below-dir',
    // A grant inside a wider --dir mapping: only the granted directory is mounted (run hides the rest).
    setup: (tmp) => mkdirSync(join(tmp, 'data', 'pub'), { recursive: true }),
    opts: (tmp) => ({ allowTime: true, allowRead: ['/data/pub'], dir: [`/data=${join(tmp, 'data')}`] }),
  },
  {
    name: 'fs-read-harmless-deny',
    // A deny outside every grant takes nothing away: left out quietly, not refused.
    setup: (tmp) => mkdirSync(join(tmp, 'public')),
    opts: (tmp) => ({ allowTime: true, allowRead: ['/site'], denyRead: ['/etc'], dir: [`/site=${join(tmp, 'public')}`] }),
  },
  {
    name: 'env-values',
    opts: () => ({
      allowTime: true,
      allowEnv: ['API_URL,LOG_LEVEL'],
      env: ['LOG_LEVEL=info', 'API_URL=https://api.example.com/v1', 'NOT_GRANTED=x'],
    }),
    stderr: [/^molt-wasm: warning: --env NOT_GRANTED: the env grant does not let the guest see NOT_GRANTED, so it is not written/],
  },
  {
    name: 'embedded-ceiling',
    // A binary built with a manifest: no flags needed, the embedded policy is what run enforces.
    setup: (tmp, app) => {
      const sink = { write: () => true } as unknown as NodeJS.WritableStream;
      runBuild(
        app,
        { output: app, allowNet: ['api.example.com:443'], allowTime: true, allowConsole: true },
        { stdout: sink, stderr: sink },
      );
    },
    opts: () => ({}),
  },
  {
    name: 'capabilities-file',
    setup: (tmp) =>
      writeFileSync(
        join(tmp, 'policy.json'),
        JSON.stringify({ version: 1, allow: { 'console.write': true, time: true, net: ['*.example.com:443'] }, deny: {} }),
      ),
    opts: (tmp) => ({ capabilities: [join(tmp, 'policy.json')] }),
  },
];

for (const c of CASES) {
  test(`export spin golden: ${c.name}`, async () => {
    const tmp = freshDir();
    const app = writeWasm(tmp, 'app.wasm', await proxyComponent());
    c.setup?.(tmp, app);
    const opts = c.opts(tmp);
    const output = opts.output ?? join(tmp, 'spin.toml');
    const r = exportSpin(app, { ...opts, output });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, (c.stderr ?? []).length, r.stderr);
    (c.stderr ?? []).forEach((re, i) => assert.match(lines[i]!, re));
    const text = readFileSync(output, 'utf8');
    const golden = join(GOLDEN_DIR, `${c.name}.toml`);
    const shown = text.split(tmp).join('$TMP');
    if (UPDATE) writeFileSync(golden, shown);
    assert.equal(shown, readFileSync(golden, 'utf8'));
  });
}

test('export spin output is deterministic: the same inputs in another order give the same bytes', async () => {
  const tmp = freshDir();
  const app = writeWasm(tmp, 'app.wasm', await proxyComponent());
  const a = exportSpin(app, {
    allowTime: true,
    allowNet: ['b.example.com,a.example.com:443'],
    allowEnv: ['B,A'],
    env: ['B=2', 'A=1'],
    output: join(tmp, 'a.toml'),
  });
  const b = exportSpin(app, {
    allowTime: true,
    allowNet: ['a.example.com:443', 'b.example.com'],
    allowEnv: ['A', 'B'],
    env: ['A=1', 'B=2'],
    output: join(tmp, 'b.toml'),
  });
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(readFileSync(join(tmp, 'a.toml'), 'utf8'), readFileSync(join(tmp, 'b.toml'), 'utf8'));
});

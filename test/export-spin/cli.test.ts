/**
 * `molt-wasm export spin` as a user runs it (a child process): the manifest on stdout
 * without -o, exit codes 0 / 64 / 65, the refusal's lines on stderr, and the help.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { runMolt } from '../cli-run.js';
import { freshDir, proxyComponent, writeWasm } from './helpers.js';

test('molt-wasm export spin without -o prints the manifest (paths relative to the cwd) and exits 0', async () => {
  const tmp = freshDir();
  writeWasm(tmp, 'hello-api.wasm', await proxyComponent());
  const r = runMolt(['export', 'spin', '--allow-time', '--allow-net=api.example.com:443', 'hello-api.wasm'], { cwd: tmp });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(
    r.stdout,
    /^\[component\.hello-api\]\nsource = "hello-api\.wasm"\nallowed_outbound_hosts = \[ "\*:\/\/api\.example\.com:443" \]$/m,
  );
});

test('molt-wasm export spin -o writes the file; a refusal exits 65 with one line per item and writes nothing', async () => {
  const tmp = freshDir();
  writeWasm(tmp, 'app.wasm', await proxyComponent());
  const ok = runMolt(['export', 'spin', '--allow-time', 'app.wasm', '-o', 'spin.toml'], { cwd: tmp });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, '');
  assert.match(readFileSync(join(tmp, 'spin.toml'), 'utf8'), /^spin_manifest_version = 2$/m);

  const refused = runMolt(
    ['export', 'spin', '--deny-net=10.0.0.0/8', '--allow-net', '--allow-write=/out', 'app.wasm', '-o', 'other.toml'],
    { cwd: tmp },
  );
  assert.equal(refused.code, 65, refused.stderr);
  const lines = refused.stderr.trimEnd().split('\n');
  const prefix = 'molt-wasm: cannot express in spin.toml: ';
  const items = lines.slice(0, -1).map((l) => {
    assert.ok(l.startsWith(prefix), l);
    return l.slice(prefix.length, l.indexOf(': ', prefix.length));
  });
  assert.deepEqual(items, ['deny net "10.0.0.0/8"', 'fs.write "/out"', 'time withheld']);
  assert.match(lines.at(-1)!, /^molt-wasm: Spin cannot express 3 parts of this policy/);
  assert.equal(existsSync(join(tmp, 'other.toml')), false);
  assert.equal(runMolt(['export', 'spin', '--allow-time', 'app.wasm', '-o', 'no/such/dir.toml'], { cwd: tmp }).code, 64);
});

test('molt-wasm --help lists export; export spin --help documents --allow-lossy and the exit codes', () => {
  const tmp = freshDir();
  const top = runMolt(['--help'], { cwd: tmp });
  assert.equal(top.code, 0);
  assert.match(top.stdout, /^\s+export\b/m);
  const help = runMolt(['export', 'spin', '--help'], { cwd: tmp });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--allow-lossy/);
  assert.match(help.stdout, /65 {2}bad input: .*not a wasi:http\/proxy component/);
  const missing = runMolt(['export', 'spin'], { cwd: tmp });
  assert.equal(missing.code, 64, missing.stderr);
});

/**
 * `export spin` with bad input: a clear typed error and the exit code of SPEC section 8
 * (65 bad input, 64 usage), and nothing written.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { OutputPathError, UndeclaredCapabilityError, UsageError, WasmFormatError } from '../../host/errors.js';
import { runBuild } from '../../host/cli/build.js';
import { NotHttpProxyError } from '../../host/spin/errors.js';
import { commandComponent, exportSpin, freshDir, preview1Module, proxyComponent, writeWasm } from './helpers.js';

test('export spin: a file that is not wasm is 65 (WasmFormatError) naming it', () => {
  const tmp = freshDir();
  const app = join(tmp, 'app.wasm');
  writeFileSync(app, 'spin_manifest_version = 2\n');
  const r = exportSpin(app, { allowTime: true, output: join(tmp, 'spin.toml') });
  assert.equal(r.code, 65);
  assert.ok(r.error instanceof WasmFormatError);
  assert.match(r.stderr, new RegExp(`${app.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  assert.equal(existsSync(join(tmp, 'spin.toml')), false);
});

test('export spin: a missing file is 65 saying "no such file"', () => {
  const tmp = freshDir();
  const r = exportSpin(join(tmp, 'nope.wasm'), { allowTime: true, output: join(tmp, 'spin.toml') });
  assert.equal(r.code, 65);
  assert.ok(r.error instanceof WasmFormatError);
  assert.match(r.stderr, /cannot read ".*nope\.wasm": no such file/);
});

test('export spin: -o in a directory that does not exist is 64 (OutputPathError) naming the path', async () => {
  const tmp = freshDir();
  const app = writeWasm(tmp, 'app.wasm', await proxyComponent());
  const out = join(tmp, 'missing-dir', 'spin.toml');
  const r = exportSpin(app, { allowTime: true, output: out });
  assert.equal(r.code, 64, r.stderr);
  assert.ok(r.error instanceof OutputPathError);
  assert.match(r.stderr, /-o: cannot write ".*missing-dir\/spin\.toml": ENOENT/);
});

test('export spin: -o naming a directory is 64', async () => {
  const tmp = freshDir();
  const app = writeWasm(tmp, 'app.wasm', await proxyComponent());
  const r = exportSpin(app, { allowTime: true, output: tmp });
  assert.equal(r.code, 64, r.stderr);
  assert.ok(r.error instanceof OutputPathError);
});

test('export spin: a preview1 core module is 65 (NotHttpProxyError), even with --allow-lossy', async () => {
  const tmp = freshDir();
  const app = writeWasm(tmp, 'app.wasm', await preview1Module());
  const r = exportSpin(app, { allowTime: true, allowLossy: true, output: join(tmp, 'spin.toml') });
  assert.equal(r.code, 65, r.stderr);
  assert.ok(r.error instanceof NotHttpProxyError);
  assert.match(r.stderr, /is a preview1 core module; Spin's HTTP trigger runs wasi:http\/proxy components/);
  assert.equal(existsSync(join(tmp, 'spin.toml')), false);
});

test('export spin: a command component is 65 saying what it exports', async () => {
  const tmp = freshDir();
  const app = writeWasm(tmp, 'app.wasm', await commandComponent());
  const r = exportSpin(app, { allowTime: true, output: join(tmp, 'spin.toml') });
  assert.equal(r.code, 65, r.stderr);
  assert.ok(r.error instanceof NotHttpProxyError);
  assert.match(r.stderr, /is not a wasi:http\/proxy component .*\(it exports wasi:cli\/run@0\.2\.\d+\)/);
});

test('export spin: an allow flag beyond the embedded manifest is refused as run refuses it (64)', async () => {
  const tmp = freshDir();
  const app = writeWasm(tmp, 'app.wasm', await proxyComponent());
  const sink = { write: () => true } as unknown as NodeJS.WritableStream;
  runBuild(app, { output: app, allowTime: true, allowConsole: true }, { stdout: sink, stderr: sink });
  const r = exportSpin(app, { allowNet: ['evil.example.com'], output: join(tmp, 'spin.toml') });
  assert.equal(r.code, 64, r.stderr);
  assert.ok(r.error instanceof UndeclaredCapabilityError);
  const undeclared = exportSpin(app, { allowNet: ['evil.example.com'], allowUndeclared: true, output: join(tmp, 'spin.toml') });
  assert.equal(undeclared.code, 0, undeclared.stderr);
  assert.match(undeclared.stderr, /warning: granting "net" scope "evil\.example\.com", which the embedded manifest does not declare/);
});

for (const [what, opts, message] of [
  ['a --name that is not a Spin id', { name: 'My_App' }, /--name "My_App": a Spin id is lowercase words/],
  ['an --env without "="', { env: ['JUSTNAME'] }, /--env "JUSTNAME": expected NAME=VALUE/],
  [
    'a --dir whose host directory does not exist',
    { dir: ['/data=/no/such/dir/anywhere'] },
    /the host directory "\/no\/such\/dir\/anywhere" does not exist/,
  ],
  ['a malformed net scope on a flag', { allowNet: ['http://api.example.com'] }, /a URL scheme is not allowed/],
] as const) {
  test(`export spin: ${what} is a usage error (64)`, async () => {
    const tmp = freshDir();
    const app = writeWasm(tmp, 'app.wasm', await proxyComponent());
    const r = exportSpin(app, { allowTime: true, ...opts, output: join(tmp, 'spin.toml') });
    assert.equal(r.code, 64, r.stderr);
    assert.ok(r.error instanceof UsageError, String(r.error));
    assert.match(r.stderr, message);
    assert.equal(existsSync(join(tmp, 'spin.toml')), false);
  });
}

test('export spin: a granted directory below a --dir mapping that does not exist is 64, as run refuses to start', async () => {
  const tmp = freshDir();
  const app = writeWasm(tmp, 'app.wasm', await proxyComponent());
  const r = exportSpin(app, { allowTime: true, allowRead: ['/data/pub'], dir: [`/data=${tmp}`], output: join(tmp, 'spin.toml') });
  assert.equal(r.code, 64, r.stderr);
  assert.ok(r.error instanceof UsageError, String(r.error));
  assert.match(r.stderr, /fs\.read \/data\/pub: the host directory ".*\/pub" \(below a --dir mapping\) does not exist/);
  assert.equal(existsSync(join(tmp, 'spin.toml')), false);
});

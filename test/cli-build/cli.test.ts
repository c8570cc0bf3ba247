import { runMolt, type CliRun } from '../cli-run.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listSections } from '../../host/manifest/wasm/sections.js';
import { adaptedComponent, preview1Module } from '../manifest-wasm/helpers.js';

// dist/test/cli-build/cli.test.js -> repo root
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
let dir = '';

function molt(...args: string[]): CliRun {
  return runMolt(args, { cwd: dir, timeoutMs: 60_000 });
}

function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

function oneErrorLine(r: CliRun): string {
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one stderr line, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^molt-wasm: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return lines[0]!;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'molt-cli-build-'));
  file('core.wasm', await preview1Module());
  file('comp.wasm', await adaptedComponent());
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('build then inspect --json gives the same canonical manifest and verifying hashes', () => {
  file('caps.json', JSON.stringify({ allow: ['time', 'console.write'], fs: { read: ['/data'], write: [] } }));
  const b = molt('build', 'comp.wasm', '-o', 'out.wasm', '--manifest', 'caps.json');
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /^built out\.wasm \(\d+ bytes\)$/m);
  assert.match(b.stderr, /wasi:clocks\/wall-clock@[\d.]+\s+time\s+yes/);
  const i = molt('inspect', '--json', 'out.wasm');
  assert.equal(i.code, 0, i.stderr);
  const r = JSON.parse(i.stdout) as {
    kind: string;
    manifest: unknown;
    provenance: { status: string; provenance: { component_sha256: string } };
    imports: string[];
  };
  assert.equal(r.kind, 'component');
  assert.deepEqual(r.manifest, { version: 1, allow: { 'console.write': true, 'fs.read': ['/data'], time: true }, deny: {} });
  assert.equal(r.provenance.status, 'verified');
  assert.match(r.provenance.provenance.component_sha256, /^[0-9a-f]{64}$/);
  assert.ok(r.imports.some((x) => x.startsWith('wasi:filesystem/preopens@')));
});

test('build keeps a core module a core module; inspect text shows kind and provenance', () => {
  file('caps2.json', JSON.stringify({ version: 1, allow: { 'console.write': true, time: true }, deny: {} }));
  const b = molt('build', 'core.wasm', '-o', 'core-out.wasm', '--manifest', 'caps2.json');
  assert.equal(b.code, 0, b.stderr);
  const out = readFileSync(join(dir, 'core-out.wasm'));
  assert.deepEqual([...out.subarray(4, 8)], [1, 0, 0, 0]);
  assert.ok(WebAssembly.validate(new Uint8Array(out)));
  const i = molt('inspect', 'core-out.wasm');
  assert.equal(i.code, 0, i.stderr);
  assert.match(i.stdout, /^kind: core module$/m);
  assert.match(i.stdout, /^provenance: verified \(code sha256 [0-9a-f]{64}/m);
  assert.match(i.stdout, /wasi_snapshot_preview1#clock_time_get\s+time\s+yes/);
});

test('build --manifest molt.toml with flags: the flags merge into the manifest, deny flags become denies', () => {
  file('molt.toml', '[capabilities]\nallow = ["time", "console.write"]\n[capabilities.fs]\nread = ["/data"]\nwrite = []\n');
  const b = molt(
    'build',
    'comp.wasm',
    '-o',
    'toml.wasm',
    '--manifest',
    'molt.toml',
    '--allow-env=HOME',
    '--allow-read=/cfg',
    '--deny-read=/data/secret',
    '--deny-net',
  );
  assert.equal(b.code, 0, b.stderr);
  const want = {
    version: 1,
    allow: { 'console.write': true, env: ['HOME'], 'fs.read': ['/cfg', '/data'], time: true },
    deny: { 'fs.read': ['/data/secret'], net: true },
  };
  assert.match(b.stderr, /^manifest: \{"allow":\{"console\.write":true,"env":\["HOME"\],"fs\.read":\["\/cfg","\/data"\],"time":true\}/m);
  const i = molt('inspect', '--json', 'toml.wasm');
  assert.equal(i.code, 0, i.stderr);
  const r = JSON.parse(i.stdout) as { manifest: unknown; provenance: { status: string } };
  assert.deepEqual(r.manifest, want);
  assert.equal(r.provenance.status, 'verified');
  // A bare scoped flag before the input takes no value: comp.wasm stays the input.
  const bare = molt('build', '--allow-read', 'comp.wasm', '-o', 'bare.wasm', '--capabilities', 'console.write');
  assert.equal(bare.code, 0, bare.stderr);
  const j = JSON.parse(molt('inspect', '--json', 'bare.wasm').stdout) as { manifest: unknown };
  assert.deepEqual(j.manifest, { version: 1, allow: { 'console.write': true, 'fs.read': true }, deny: {} });
});

test('build warns on undeclared imports and --strict turns warnings into exit 65', () => {
  file('console.json', JSON.stringify({ allow: ['console.write'] }));
  const ok = molt('build', 'comp.wasm', '-o', 'w.wasm', '--manifest', 'console.json');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /warning: every call of wasi:clocks\/wall-clock will be denied: capability 'time' is not declared/);
  const strict = molt('build', 'comp.wasm', '-o', 'strict.wasm', '--manifest', 'console.json', '--strict');
  assert.equal(strict.code, 65, strict.stderr);
  assert.match(strict.stderr, /^molt-wasm: .*audit warning\(s\) and --strict is set/m);
  assert.throws(() => readFileSync(join(dir, 'strict.wasm')), /ENOENT/);
});

test('inspect of an unsigned binary says so and exits 0', () => {
  const i = molt('inspect', 'comp.wasm');
  assert.equal(i.code, 0, i.stderr);
  assert.match(i.stdout, /^provenance: unsigned/m);
  assert.match(i.stdout, /^manifest: \(none\)$/m);
});

test('inspect and verify of a tampered binary exit 65 naming the part', () => {
  file('caps3.json', JSON.stringify({ allow: ['time', 'console.write'] }));
  assert.equal(molt('build', 'core.wasm', '-o', 'signed.wasm', '--manifest', 'caps3.json').code, 0);
  const signed = new Uint8Array(readFileSync(join(dir, 'signed.wasm')));
  const caps = listSections(signed).find((s) => s.name === 'molt:capabilities')!;
  const tampered = signed.slice();
  const text = new TextDecoder().decode(tampered.subarray(caps.payloadStart, caps.end));
  tampered[caps.payloadStart! + text.indexOf('time')] = 0x54; // time -> Time
  file('tampered.wasm', tampered);
  const i = molt('inspect', 'tampered.wasm');
  assert.equal(i.code, 65);
  assert.match(i.stdout, /^provenance: FAILED \(manifest\): molt:capabilities does not match its recorded hash/m);
  file('site.json', JSON.stringify({ allow: ['time', 'console.write'] }));
  const v = molt('verify', '--policy', 'site.json', 'tampered.wasm');
  assert.equal(v.code, 65);
  assert.match(oneErrorLine(v), /molt:capabilities does not match its recorded hash/);
  const code = signed.slice();
  const codeSection = listSections(code).find((s) => s.id === 10)!; // code section of the core module
  code[codeSection.end - 2] = code[codeSection.end - 2]! ^ 0x01;
  file('code-tampered.wasm', code);
  const v2 = molt('verify', '--policy', 'site.json', 'code-tampered.wasm');
  assert.equal(v2.code, 65);
  assert.match(oneErrorLine(v2), /the code does not match the hash recorded in molt:provenance/);
});

test('verify: within the site policy is ok; outside it exits 77 naming each capability and scope', () => {
  file(
    'app.json',
    JSON.stringify({
      version: 1,
      allow: { net: ['api.example.com:443', 'evil.test'], time: true, env: true, 'console.write': true },
      deny: {},
    }),
  );
  assert.equal(molt('build', 'comp.wasm', '-o', 'app.wasm', '--manifest', 'app.json').code, 0);
  file(
    'wide.json',
    JSON.stringify({ version: 1, allow: { net: ['*.example.com', 'evil.test'], time: true, env: true, 'console.write': true }, deny: {} }),
  );
  const ok = molt('verify', '--policy', 'wide.json', 'app.wasm');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^ok: app\.wasm \(provenance verified\)/);
  // The same policy as molt.toml in a file without a known extension: read by its content,
  // as --capabilities reads one.
  file('wide.policy', '[capabilities.allow]\nnet = ["*.example.com", "evil.test"]\ntime = true\nenv = true\n"console.write" = true\n');
  const toml = molt('verify', '--policy', 'wide.policy', 'app.wasm');
  assert.equal(toml.code, 0, toml.stderr);
  file(
    'narrow.json',
    JSON.stringify({ version: 1, allow: { net: ['*.example.com'], env: ['HOME'], 'console.write': true }, deny: { time: true } }),
  );
  const bad = molt('verify', '--policy', 'narrow.json', 'app.wasm');
  assert.equal(bad.code, 77, bad.stderr);
  const line = oneErrorLine(bad);
  assert.match(line, /net evil\.test: not allowed by the site policy/);
  assert.match(line, /time: the site policy denies it/);
  assert.match(line, /env: declared for every target, the site policy allows only HOME/);
  assert.doesNotMatch(line, /api\.example\.com/);
  assert.doesNotMatch(line, /console\.write/);
});

test('bad flags and missing arguments exit 64 with one line', () => {
  // --allow-undeclared is run's: build has no embedded ceiling to go beyond, so it is refused, not ignored.
  const cases = [
    ['build', 'comp.wasm', '--no-such-flag'],
    ['build', 'comp.wasm'],
    ['verify', 'comp.wasm'],
    ['frobnicate'],
    ['inspect'],
    ['build', 'comp.wasm', '-o', 'x.wasm', '--allow-undeclared'],
  ];
  for (const args of cases) {
    const r = molt(...args);
    assert.equal(r.code, 64, `${args.join(' ')}: ${r.stderr}`);
    oneErrorLine(r);
  }
});

test('help and --version exit 0; help text documents exit codes', () => {
  const v = molt('--version');
  assert.equal(v.code, 0);
  assert.equal(v.stdout.trim(), JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  for (const cmd of ['build', 'inspect', 'verify']) {
    const h = molt(cmd, '--help');
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /Exit codes:/);
    assert.match(h.stdout, /65/);
  }
});

test('not wasm, truncated and missing files exit 65 with one line naming the file', () => {
  file('text.wasm', 'hello, world');
  const nw = molt('inspect', 'text.wasm');
  assert.equal(nw.code, 65);
  assert.match(oneErrorLine(nw), /^molt-wasm: text\.wasm: not a wasm binary: it starts with 68 65 6c 6c.*\(at byte 0\)$/);
  const whole = readFileSync(join(dir, 'core.wasm'));
  file('trunc.wasm', whole.subarray(0, whole.length - 5));
  const tr = molt('build', 'trunc.wasm', '-o', 'x.wasm', '--capabilities', 'console.write');
  assert.equal(tr.code, 65);
  assert.match(oneErrorLine(tr), /^molt-wasm: trunc\.wasm: section \d+ \(id \d+\) declares \d+ bytes but only \d+ remain \(at byte \d+\)$/);
  const missing = molt('inspect', 'nope.wasm');
  assert.equal(missing.code, 65);
  assert.match(oneErrorLine(missing), /cannot read "nope\.wasm": no such file/);
  const short = molt('inspect', 'text.wasm', '--verbose');
  assert.equal(short.code, 65);
  assert.match(short.stderr, /WasmFormatError \(MOLT_WASM_INVALID, exit 65\)/);
  // A guest argument is the guest's: `-- --verbose` does not turn on the host's details.
  const guestArg = molt('run', 'text.wasm', '--', '--verbose');
  assert.equal(guestArg.code, 65);
  assert.doesNotMatch(guestArg.stderr, /MOLT_WASM_INVALID|\n\s+at /);
  assert.equal(oneErrorLine(guestArg), oneErrorLine(nw));
});

test('a place that cannot be written (build -o, --cache-dir) is one line and exit 64, nothing half-written', () => {
  const b = molt('build', 'comp.wasm', '-o', join(dir, 'no-such-dir', 'out.wasm'), '--capabilities', 'console.write');
  assert.equal(b.code, 64, b.stderr);
  assert.match(b.stderr, /^molt-wasm: cannot write ".*no-such-dir\/out\.wasm": ENOENT/m);
  assert.doesNotMatch(b.stderr, /internal error|\n\s+at /);
  file('not-a-dir', 'x');
  for (const extra of [[], ['--timeout', '30000']]) {
    const r = molt('run', '--cache-dir', 'not-a-dir', ...extra, 'comp.wasm');
    assert.equal(r.code, 64, r.stderr);
    assert.match(oneErrorLine(r), /^molt-wasm: transpile cache "not-a-dir" cannot be created: EEXIST/);
  }
});

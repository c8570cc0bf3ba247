// Denials say how to fix them (SPEC section 8, Deno style): the trap line names the flag that
// grants it, says "not declared in the manifest" only when the binary has one, and starts a
// line of its own; a denial that does not trap is one stderr line per distinct denial
// (`--quiet-denials` turns them off). Also `--dir` checks and flag scopes as usage errors.
import { spawnSync } from 'node:child_process';
import { runMolt, type CliRun } from '../cli-run.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watToCore } from '../../scripts/lib/componentize.js';
import { parseDirs, uncoveredDirWarnings } from '../../host/cli/dirs.js';
import { UsageError } from '../../host/errors.js';
import type { AuditRecord } from '../../host/gate/audit.js';
import { DenialNotices, denialHint, denialNotice, grantingFlag } from '../../host/run/denial-notices.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLES = join(ROOT, 'guest-examples', 'dist');
const DATA = join(ROOT, 'guest-examples', 'files', 'data');
let dir = '';

function molt(...args: string[]): CliRun {
  return runMolt(args, { cwd: dir, cacheDir: join(dir, 'cache') });
}

/** A preview1 command: writes "partial" (no newline) to stderr, then reads the wall clock. */
const PARTIAL_THEN_CLOCK = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "partial")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 7))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $clock (i32.const 0) (i64.const 1) (i32.const 32)))))`;

let partial = '';
let partialSigned = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'molt-denials-'));
  partial = join(dir, 'partial.wasm');
  writeFileSync(partial, await watToCore(PARTIAL_THEN_CLOCK));
  partialSigned = join(dir, 'partial-signed.wasm');
  const b = molt('build', '--allow-console', partial, '-o', partialSigned);
  assert.equal(b.code, 0, b.stderr);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('trap line: on a line of its own after unterminated guest output, naming the flag; no manifest, no "not declared"', () => {
  const r = molt('run', partial);
  assert.equal(r.code, 77, r.stderr);
  assert.equal(r.stderr, "partial\nmolt-wasm: capability 'time' denied: wasi:clocks/wall-clock#now; run again with --allow-time\n");
  const ok = molt('run', '--allow-time', partial);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stderr, 'partial');
});

test('trap line: a binary with a manifest that does not declare it says so, and that --allow-undeclared is needed', () => {
  const r = molt('run', partialSigned);
  assert.equal(r.code, 77, r.stderr);
  assert.equal(
    r.stderr,
    "partial\nmolt-wasm: capability 'time' denied: wasi:clocks/wall-clock#now, not declared in the manifest; run again with --allow-time --allow-undeclared\n",
  );
  // The advice works.
  assert.equal(molt('run', '--allow-time', '--allow-undeclared', partialSigned).code, 0);
});

test('trap line: a deny flag is named as the cause', () => {
  const r = molt('run', '--deny-time', join(EXAMPLES, 'clock.wasm'));
  assert.equal(r.code, 77, r.stderr);
  assert.match(r.stderr, /^molt-wasm: capability 'time' denied: wasi:clocks\/wall-clock#now, denied by --deny-time\n$/m);
});

test('a denial that does not trap: one line per distinct denial, Deno style, without --audit-log', () => {
  const args = [
    '--dir',
    `/data=${DATA}`,
    '--deny-read=/data/in.txt',
    join(EXAMPLES, 'probe.wasm'),
    '--',
    'read:/data/in.txt',
    'read:/data/in.txt',
    'stat:/data/in.txt',
  ];
  const r = molt('run', ...args);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'read:/data/in.txt EACCES\nread:/data/in.txt EACCES\nstat:/data/in.txt EACCES\n');
  assert.equal(
    r.stderr,
    'molt-wasm: denied fs.read on /data/in.txt (wasi:filesystem/types#descriptor.open-at), denied by --deny-read\n' +
      'molt-wasm: denied fs.read on /data/in.txt (wasi:filesystem/types#descriptor.stat-at), denied by --deny-read\n',
  );
  const quiet = molt('run', '--quiet-denials', ...args);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, '');
});

test('a denial outside a narrowed grant names the scoped flag that grants it', () => {
  const narrow = join(dir, 'narrow.json');
  // fs.write alone keeps /data listed (either capability opens it); reading in it is denied.
  writeFileSync(narrow, JSON.stringify({ version: 1, allow: { 'console.write': true, 'fs.write': ['/data'] }, deny: {} }));
  const r = molt('run', '--capabilities', narrow, '--dir', `/data=${DATA}`, join(EXAMPLES, 'probe.wasm'), '--', 'read:/data/in.txt');
  assert.equal(r.stdout, 'read:/data/in.txt EACCES\n');
  assert.match(
    r.stderr,
    /^molt-wasm: denied fs\.read on \/data\/in\.txt \(wasi:filesystem\/types#descriptor\.open-at\); run again with --allow-read=\/data\/in\.txt$/m,
    r.stderr,
  );
});

test('an ungranted environment: no trap, one notice line naming --allow-env', () => {
  const r = molt('run', '--deny-env', join(EXAMPLES, 'probe.wasm'), '--', 'env:HOME');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'env:HOME unset\n');
  assert.equal(r.stderr, 'molt-wasm: denied env (wasi:cli/environment#get-environment), denied by --deny-env\n');
});

function record(over: Partial<AuditRecord>): AuditRecord {
  return {
    time: '2025-01-01T00:00:00.000Z',
    subject: 1,
    capability: 'fs.read',
    operation: 'wasi:filesystem/types#descriptor.open-at',
    target: '/data/secret',
    decision: 'deny',
    code: 'missing',
    ...over,
  };
}

test('DenialNotices: starts its own line after open guest output, once per distinct denial', () => {
  const out: string[] = [];
  const n = new DenialNotices((b) => out.push(new TextDecoder().decode(b)), {});
  n.stderr(new TextEncoder().encode('working...'));
  n.denials(record({}), { kind: 'path', path: '/data/secret' });
  n.denials(record({}), { kind: 'path', path: '/data/secret' });
  n.denials(record({ target: '/data/other' }), { kind: 'path', path: '/data/other' });
  assert.equal(
    out.join(''),
    'working...\n' +
      'molt-wasm: denied fs.read on /data/secret (wasi:filesystem/types#descriptor.open-at); run again with --allow-read=/data/secret\n' +
      'molt-wasm: denied fs.read on /data/other (wasi:filesystem/types#descriptor.open-at); run again with --allow-read=/data/other\n',
  );
  // The per-variable filter of a granted listing is not news.
  n.denials(record({ capability: 'env', operation: 'wasi:cli/environment#get-environment', target: 'SECRET' }), {
    kind: 'env',
    name: 'SECRET',
  });
  assert.equal(out.length, 4);
  n.stderr(new TextEncoder().encode('x'));
  n.endOpenLine();
  assert.equal(out.at(-1), '\n');
});

test('hints: scoped flags (IPv6 in brackets), deny flags, manifest ceilings, escapes', () => {
  assert.equal(grantingFlag('net', { kind: 'net', host: '::1', port: 443 }), '--allow-net=[::1]:443');
  assert.equal(grantingFlag('env', { kind: 'env', name: 'HOME' }), '--allow-env=HOME');
  assert.equal(grantingFlag('console.write'), '--allow-console');
  const embedded = { version: 1, allow: { 'fs.read': ['/data'] }, deny: {} } as const;
  assert.equal(denialHint({ embedded }, 'fs.read', { kind: 'path', path: '/data/x' }), '; run again with --allow-read=/data/x');
  assert.equal(
    denialHint({ embedded }, 'fs.read', { kind: 'path', path: '/etc/x' }),
    ', not declared in the manifest; run again with --allow-read=/etc/x --allow-undeclared',
  );
  const denyFlags = { version: 1, allow: {}, deny: { 'fs.read': ['/data/secret'] } } as const;
  assert.equal(denialHint({ denyFlags }, 'fs.read', { kind: 'path', path: '/data/secret/k' }), ', denied by --deny-read');
  assert.equal(denialHint({ denyFlags }, 'fs.read', { kind: 'path', path: '/data/public' }), '; run again with --allow-read=/data/public');
  assert.equal(
    denialNotice({}, record({ code: 'escape', target: '/data/../etc/passwd' })),
    'molt-wasm: denied fs.read on /data/../etc/passwd (wasi:filesystem/types#descriptor.open-at): the path leaves its preopened directory',
  );
});

test('--dir: absolute path maps to itself; relative without = and missing or non-directory hosts are usage errors', () => {
  const kinds: Record<string, 'directory' | 'missing' | 'not-directory'> = {
    '/data': 'directory',
    './d': 'directory',
    '/nonexistent': 'missing',
    '/etc/hosts': 'not-directory',
  };
  const kindOf = (h: string) => kinds[h] ?? 'missing';
  assert.deepEqual(parseDirs(['/data'], kindOf), { '/data': '/data' });
  assert.deepEqual(parseDirs(['fs-tests.dir=./d'], kindOf), { 'fs-tests.dir': './d' });
  assert.throws(
    () => parseDirs(['./d'], kindOf),
    (e: unknown) => e instanceof UsageError && /GUEST=HOST/.test(e.message),
  );
  assert.throws(
    () => parseDirs(['/data=/nonexistent'], kindOf),
    (e: unknown) => e instanceof UsageError && /"\/nonexistent" does not exist/.test(e.message),
  );
  assert.throws(
    () => parseDirs(['/h=/etc/hosts'], kindOf),
    (e: unknown) => e instanceof UsageError && /not a directory/.test(e.message),
  );
  const m = { version: 1, allow: { 'fs.read': ['/data/sub'] }, deny: {} } as const;
  assert.deepEqual(uncoveredDirWarnings(m, { '/data': 'x' }), []);
  assert.equal(uncoveredDirWarnings(m, { '/other': 'x' }).length, 1);
  assert.deepEqual(uncoveredDirWarnings({ version: 1, allow: { 'fs.write': true }, deny: {} }, { '/other': 'x' }), []);
});

test('--dir on the command line: 64 for ./d, /data=/nonexistent and a file; a warning when no grant covers a mapping', () => {
  const hello = join(EXAMPLES, 'hello.wasm');
  mkdirSync(join(dir, 'd'), { recursive: true });
  writeFileSync(join(dir, 'f.txt'), 'x');
  const rel = molt('run', '--dir', './d', hello);
  assert.equal(rel.code, 64, rel.stderr);
  assert.match(rel.stderr, /^molt-wasm: --dir "\.\/d": a relative path needs GUEST=HOST/);
  const missing = molt('run', '--dir', '/data=/nonexistent-molt-dir', hello);
  assert.equal(missing.code, 64, missing.stderr);
  assert.match(missing.stderr, /\/nonexistent-molt-dir" does not exist/);
  const file = molt('run', '--dir', `/data=${join(dir, 'f.txt')}`, hello);
  assert.equal(file.code, 64, file.stderr);
  assert.match(file.stderr, /is not a directory/);
  const uncovered = molt('run', '--dir', `/d=${join(dir, 'd')}`, hello);
  assert.equal(uncovered.code, 0, uncovered.stderr);
  assert.match(uncovered.stderr, /^molt-wasm: warning: --dir \/d: no fs\.read or fs\.write grant covers \/d/m);
  const abs = molt('run', '--dir', join(dir, 'd'), '--allow-read=' + join(dir, 'd'), '--allow-time', partial);
  assert.equal(abs.code, 0, abs.stderr);
  assert.doesNotMatch(abs.stderr, /warning: --dir/);
});

test('a malformed scope is 64 on a flag and 65 in a file (SPEC section 8)', () => {
  const hello = join(EXAMPLES, 'hello.wasm');
  const flag = molt('run', '--allow-net=foo:99999', partial);
  assert.equal(flag.code, 64, flag.stderr);
  assert.match(flag.stderr, /^molt-wasm: --allow-net: .*foo:99999/);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ version: 1, allow: { net: ['foo:99999'] }, deny: {} }));
  const inFile = molt('run', '--capabilities', bad, hello);
  assert.equal(inFile.code, 65, inFile.stderr);
  assert.match(inFile.stderr, /foo:99999/);
});

test('inspect on a binary without a manifest agrees with run: no "will be denied" for fd_write, which run grants', () => {
  const r = molt('inspect', partial);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /fd_write will be denied/);
  assert.match(r.stdout, /wasi_snapshot_preview1#fd_write\s+console\.write\s+no \(run grants it by default\)/);
  assert.match(r.stdout, /warning: every call of wasi_snapshot_preview1#clock_time_get will be denied/);
  // And run does what it says: the stderr write goes through, the clock traps.
  assert.match(molt('run', partial).stderr, /^partial\n/);
});

test('npm run example shows a denial, the flag it names, and the run with that flag', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'scripts', 'example.js')], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /hello from a molt-wasm component/);
  assert.match(r.stderr, /^molt-wasm: capability 'time' denied: wasi:clocks\/wall-clock#now; run again with --allow-time$/m);
  assert.match(
    r.stdout,
    /\$ npx molt-wasm run --capabilities console\.write --allow-time guest-examples\/dist\/clock\.wasm\nwall clock: \d+ s\n\(exit 0\)/,
  );
});

/** `molt-wasm run` end to end: exit codes, the one-line denial, flags, audit log, provenance. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { embedManifest } from '../../host/manifest/provenance.js';
import { buildComponent, REPO, tempDir } from './helpers.js';
import * as guests from './guests/guests.js';

const work = tempDir('molt-cli-');
const cache = join(work, 'cache');
const BIN = join(REPO, 'bin', 'molt-wasm.js');

async function wasm(name: keyof typeof guests & string, bytes?: Uint8Array): Promise<string> {
  const p = join(work, `${name}.wasm`);
  writeFileSync(p, bytes ?? (await buildComponent(guests[name] as guests.GuestSource)));
  return p;
}

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'run', ...args], {
    encoding: 'utf8',
    input: '',
    env: { ...process.env, MOLT_WASM_CACHE_DIR: cache, GUEST_VISIBLE: 'yes', GUEST_HIDDEN: 'no' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('no manifest: console.write by default, guest args after --', async () => {
  const r = run(await wasm('hello'), '--', 'x', '--y');
  assert.deepEqual(r, { code: 0, stdout: 'hello\nx\n--y\n', stderr: '' });
});

test('run returning err exits 1 with no trap message (like wasmtime)', async () => {
  const r = run(await wasm('runErr'));
  assert.deepEqual(r, { code: 1, stdout: 'failing\n', stderr: '' });
});

test('a bare scoped flag does not swallow the app: --deny-net app.wasm -- args', async () => {
  const app = await wasm('hello');
  const bare = run('--deny-net', app, '--', 'http://example.com/');
  assert.deepEqual(bare, { code: 0, stdout: 'hello\nhttp://example.com/\n', stderr: '' });
  // `=` gives the value; without it, a would-be value is the app (here not a file: 65).
  const scoped = run('--allow-read=/tmp', '--deny-net=example.com', app);
  assert.equal(scoped.code, 0, scoped.stderr);
  const swallowed = run('--allow-read', '/tmp', app);
  assert.equal(swallowed.code, 65, swallowed.stderr);
  assert.match(swallowed.stderr, /\/tmp/);
});

test('--deny-console takes the default away: 77', async () => {
  const r = run('--deny-console', await wasm('hello'));
  assert.equal(r.code, 77);
  assert.equal(r.stdout, '');
});

test('a capability trap: exit 77 and exactly one line naming it', async () => {
  const r = run(await wasm('clock'));
  assert.equal(r.code, 77);
  assert.equal(r.stdout, 'start\n');
  assert.equal(r.stderr, "molt-wasm: capability 'time' denied: wasi:clocks/wall-clock#now; run again with --allow-time\n");
  const ok = run('--allow-time', await wasm('clock'));
  assert.equal(ok.code, 0);
  assert.equal(ok.stdout, 'start\nwall\nmono\n');
});

test("the guest's exit code, 70 on a trap, 65 on bad input and unknown imports", async () => {
  assert.equal(run(await wasm('exit'), '--', '42').code, 42);
  const trap = run(await wasm('trap'));
  assert.equal(trap.code, 70);
  assert.match(trap.stderr, /^molt-wasm: the guest trapped: .*unreachable/);
  const notWasm = join(work, 'not.wasm');
  writeFileSync(notWasm, 'hello');
  assert.equal(run(notWasm).code, 65);
  const hello = await buildComponent(guests.hello);
  assert.equal(run(await wasm('hello', hello.subarray(0, 100))).code, 65);
  const unknown = run(await wasm('unknownImport'));
  assert.equal(unknown.code, 65);
  assert.match(unknown.stderr, /local:extra\/thing/);
});

test('env: host environment filtered by the grant; --env adds only where allowed', async () => {
  const r = run('--allow-env=GUEST_VISIBLE,ADDED', '--env', 'ADDED=1', '--env', 'NOT_ALLOWED=2', await wasm('env'));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'GUEST_VISIBLE=yes\nADDED=1\nend\n');
});

test('--dir maps a granted guest path; --audit-log writes one JSON line per decision', async () => {
  const host = join(work, 'hostdata');
  mkdirSync(host, { recursive: true });
  writeFileSync(join(host, 'f.txt'), 'file-content');
  const log = join(work, 'audit.jsonl');
  const r = run(
    '--allow-read=/data',
    '--dir',
    `/data=${host}`,
    '--audit-log',
    log,
    await wasm('fsProbe'),
    '--',
    'R',
    '0',
    'f.txt',
    'W',
    '0',
    'g.txt',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'R ok ok file-content\nW e0\n');
  const lines = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(lines.length >= 4);
  // A record standing for repeats of the same decision carries their count (CoalescingAudit).
  for (const l of lines)
    assert.deepEqual(
      Object.keys(l)
        .filter((k) => k !== 'repeated' || !(Number.isSafeInteger(l[k]) && (l[k] as number) > 0))
        .sort(),
      ['capability', 'code', 'decision', 'operation', 'subject', 'target', 'time'],
    );
  assert.ok(lines.some((l) => l['capability'] === 'fs.read' && l['target'] === '/data/f.txt' && l['decision'] === 'allow'));
  assert.ok(lines.some((l) => l['capability'] === 'fs.write' && l['target'] === '/data/g.txt' && l['decision'] === 'deny'));
});

test('embedded manifest: grants what it declares; tampered binaries are refused with 65', async () => {
  const tool = { name: 'molt-wasm-test', version: '0' };
  const clock = await buildComponent(guests.clock);
  const signed = embedManifest(clock, { version: 1, allow: { 'console.write': true, time: true }, deny: {} }, tool);
  const ok = run(await wasm('clock', signed));
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, 'start\nwall\nmono\n');
  // Change one byte of the code ("start" -> "stbrt"): component_sha256 no longer matches.
  const tampered = signed.slice();
  const at = Buffer.from(tampered).indexOf('start\nwall');
  tampered[at + 2] = 'b'.charCodeAt(0);
  const bad = run(await wasm('clock', tampered));
  assert.equal(bad.code, 65);
  assert.equal(bad.stdout, '');
  // An allow flag beyond the embedded manifest is refused (usage) unless --allow-undeclared.
  const env = await buildComponent(guests.env);
  const envSigned = embedManifest(env, { version: 1, allow: { 'console.write': true }, deny: {} }, tool);
  assert.equal(run('--allow-env', await wasm('env', envSigned)).code, 64);
});

test('a preview1 core module runs through the same gates', async () => {
  const wabt = await (await import('wabt')).default();
  const wat = `(module
    (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $e (param i32)))
    (memory (export "memory") 1) (data (i32.const 16) "p1 hi\\n")
    (func (export "_start")
      (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 6))
      (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (call $e (i32.const 3))))`;
  const p = join(work, 'p1.wasm');
  writeFileSync(p, wabt.parseWat('p1.wat', wat).toBinary({}).buffer);
  assert.deepEqual(run(p), { code: 3, stdout: 'p1 hi\n', stderr: '' });
  const denied = run('--deny-console', p);
  assert.equal(denied.code, 77);
  assert.match(denied.stderr, /capability 'console.write' denied/);
});

test('a preview1 exit code no process status can carry is 1 with a line saying so, never 0', async () => {
  const wabt = await (await import('wabt')).default();
  for (const [code, want] of [
    [256, 1],
    [4096, 1],
    [255, 255],
  ] as const) {
    const wat = `(module (import "wasi_snapshot_preview1" "proc_exit" (func $e (param i32)))
      (memory (export "memory") 1) (func (export "_start") (call $e (i32.const ${code}))))`;
    const p = join(work, `exit-${code}.wasm`);
    writeFileSync(p, wabt.parseWat('exit.wat', wat).toBinary({}).buffer);
    const r = run(p);
    assert.equal(r.code, want, `proc_exit(${code})`);
    if (want === 1) assert.match(r.stderr, new RegExp(`exit code ${code}.*exiting 1`));
    else assert.equal(r.stderr, '');
  }
});

/**
 * A real program under `molt-wasm run`: Yosys, a C++ program built with wasi-sdk by YoWASP and
 * shipped in the npm package @yowasp/yosys (a devDependency) as a 30 MB
 * `wasi_snapshot_preview1` command. It runs with exactly the grants it needs and fails
 * cleanly without them.
 *
 * What Yosys needs, found by running it with --audit-log:
 * - `time`: main() reads the monotonic clock before it parses its options, so even `-V`
 *   needs it (libc++'s steady_clock aborts if the read fails, so denying it as a trap is the
 *   honest answer).
 * - `env`: it calls getenv (TMPDIR for the ABC temporary directory); without any env grant
 *   it reads an empty environment (SPEC section 5), so it gets `env=TMPDIR` and
 *   `--env TMPDIR=/work` for ABC's scratch directory.
 * - `fs.read` on `/share`: Yosys looks for its data files (techmap.v, …) in `/share/`. The
 *   package keeps that tree in gen/resources-yosys.js (mostly inline strings), so the test
 *   writes it out once to a temporary directory.
 * - `fs.read` + `fs.write` on `/work`: the design, the output, and ABC's scratch directory.
 *
 * Each run is a fresh process; a synthesis takes a few seconds, `-V` about one. Compiling the
 * 30 MB module is not what costs: V8 compiles lazily, so there is no compiled-module cache.
 */
import { runMolt, type CliRun } from '../cli-run.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHost } from '../../host/node/host.js';
import type { AuditRecord } from '../../host/gate/audit.js';

// dist/test/real-guests/yosys.test.js -> repo root
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PKG = join(ROOT, 'node_modules/@yowasp/yosys/gen');
const YOSYS = join(PKG, 'yosys.core.wasm');

const VERILOG = `module top(input clk, input [3:0] a, input [3:0] b, output reg [4:0] y);
  always @(posedge clk) y <= a + b;
endmodule
`;
const SYNTH = 'read_verilog /work/top.v; synth -top top; write_json /work/out.json';

let tmp = '';
let share = '';
let work = '';

function molt(...args: string[]): CliRun {
  return runMolt(args, { cwd: tmp, input: '', cacheDir: join(tmp, 'cache') });
}

/** The directory mappings every run uses. */
const DIRS = (): string[] => ['--dir', `/work=${work}`, '--dir', `/share=${share}`];
/** Grants Yosys needs besides the filesystem, and the TMPDIR it should use. */
const BASE = ['--allow-time', '--allow-env=TMPDIR', '--env', 'TMPDIR=/work'];

type Tree = { [name: string]: string | Uint8Array | URL | Tree };

/** Writes the package's resource tree (strings, or URLs of files beside it) under `dir`. */
function writeTree(tree: Tree, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, v] of Object.entries(tree)) {
    const p = join(dir, name);
    if (typeof v === 'string' || v instanceof Uint8Array) writeFileSync(p, v);
    else if (v instanceof URL) copyFileSync(fileURLToPath(v), p);
    else writeTree(v, p);
  }
}

/** A fresh /work holding only the design. */
function freshWork(): void {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  writeFileSync(join(work, 'top.v'), VERILOG);
}

function assertNoStack(r: CliRun): void {
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(r.stderr, /trapped|internal error/);
}

before(async () => {
  assert.ok(existsSync(YOSYS), `${YOSYS} is missing: npm install (it is a devDependency)`);
  tmp = mkdtempSync(join(tmpdir(), 'molt-yosys-'));
  share = join(tmp, 'share');
  work = join(tmp, 'work');
  const resources = (await import(pathToFileURL(join(PKG, 'resources-yosys.js')).href)) as { filesystem: { share: Tree } };
  writeTree(resources.filesystem.share, share);
  assert.ok(existsSync(join(share, 'techmap.v')));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('the package really is a large preview1 command built elsewhere', () => {
  const bytes = readFileSync(YOSYS);
  assert.ok(bytes.length > 5_000_000, `${bytes.length} bytes`);
  const mod = new WebAssembly.Module(bytes);
  assert.ok(WebAssembly.Module.imports(mod).every((i) => i.module === 'wasi_snapshot_preview1'));
  assert.deepEqual(
    WebAssembly.Module.exports(mod)
      .map((e) => e.name)
      .sort(),
    ['_start', 'memory'],
  );
});

test('-V: the CLI default (console.write) is not enough, time is; each failure is one line', () => {
  const denied = molt('run', YOSYS, '--', '-V');
  assert.equal(denied.code, 77, denied.stderr);
  assert.equal(denied.stdout, '');
  assert.equal(denied.stderr, "molt-wasm: capability 'time' denied: wasi:clocks/monotonic-clock#now; run again with --allow-time\n");
  const ok = molt('run', '--allow-time', YOSYS, '--', '-V');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^Yosys 0\.55 \(git sha1 [0-9a-f]+/);
  assert.equal(ok.stderr, '');
});

test('synthesis with exactly the grants it needs writes the netlist JSON', () => {
  freshWork();
  const r = molt('run', ...BASE, ...DIRS(), '--allow-read=/work,/share', '--allow-write=/work', YOSYS, '--', '-q', '-p', SYNTH);
  assert.equal(r.code, 0, r.stderr);
  assertNoStack(r);
  const netlist = JSON.parse(readFileSync(join(work, 'out.json'), 'utf8')) as {
    modules: Record<string, { ports: Record<string, unknown>; cells: Record<string, unknown> }>;
  };
  assert.deepEqual(Object.keys(netlist.modules.top!.ports).sort(), ['a', 'b', 'clk', 'y']);
  assert.ok(Object.keys(netlist.modules.top!.cells).length > 5);
  // ABC ran in /work and Yosys cleaned up after it.
  assert.deepEqual(readdirSync(work).sort(), ['out.json', 'top.v']);
});

test('without --allow-read: Yosys reports the file itself, exit 1, nothing written, no stack; the denial says how to fix it', () => {
  freshWork();
  const r = molt('run', ...BASE, ...DIRS(), '--allow-write=/work', YOSYS, '--', '-q', '-p', SYNTH);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /ERROR: .*\/work\/top\.v/);
  // Not a trap: one notice line naming the flag (SPEC section 8), and the unused /share mapping warned about.
  assert.match(
    r.stderr,
    /^molt-wasm: denied fs\.read on \/work\/top\.v \(wasi:filesystem\/types#descriptor\.stat-at\); run again with --allow-read=\/work\/top\.v$/m,
  );
  assert.match(r.stderr, /^molt-wasm: warning: --dir \/share: no fs\.read or fs\.write grant covers \/share/m);
  assert.doesNotMatch(r.stderr, /capability '.*' denied/);
  assertNoStack(r);
  assert.deepEqual(readdirSync(work), ['top.v']);
});

test('read but no write: the output is not written and the denial is in the audit log', () => {
  freshWork();
  const log = join(tmp, 'audit.jsonl');
  rmSync(log, { force: true });
  const r = molt(
    'run',
    ...BASE,
    ...DIRS(),
    '--allow-read=/work,/share',
    '--audit-log',
    log,
    YOSYS,
    '--',
    '-q',
    '-p',
    'read_verilog /work/top.v; proc; write_json /work/out.json',
  );
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /ERROR: .*\/work\/out\.json/);
  assertNoStack(r);
  assert.deepEqual(readdirSync(work), ['top.v']);
  const records = readFileSync(log, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditRecord);
  assert.ok(
    records.some((x) => x.capability === 'fs.write' && x.decision === 'deny' && x.code === 'missing' && x.target === '/work/out.json'),
    'a denied fs.write of /work/out.json',
  );
  assert.ok(records.some((x) => x.capability === 'fs.read' && x.decision === 'allow' && x.target === '/work/top.v'));
});

test('in one process: a denied run ends cleanly and the same host runs the next guest', async () => {
  freshWork();
  const bytes = new Uint8Array(readFileSync(YOSYS));
  const host = createHost({ cacheDir: join(tmp, 'cache') });
  const err: string[] = [];
  const failed = await host.run(bytes, {
    manifest: { version: 1, allow: { 'console.write': true, time: true, env: ['TMPDIR'], 'fs.read': ['/share'] }, deny: {} },
    args: ['yosys', '-q', '-p', SYNTH],
    env: { TMPDIR: '/work' },
    dirs: { '/work': work, '/share': share },
    stderr: (b) => void err.push(new TextDecoder().decode(b)),
  });
  assert.deepEqual([failed.exitCode, failed.outcome], [1, 'exited']);
  assert.match(err.join(''), /\/work\/top\.v/);
  const out: string[] = [];
  const next = await host.run(bytes, {
    manifest: { version: 1, allow: { 'console.write': true, time: true }, deny: {} },
    args: ['yosys', '-V'],
    stdout: (b) => void out.push(new TextDecoder().decode(b)),
  });
  assert.equal(next.exitCode, 0);
  assert.match(out.join(''), /^Yosys 0\.55 /);
});

test('build embeds the manifest, inspect verifies it, and the built binary runs on it alone', () => {
  freshWork();
  writeFileSync(
    join(tmp, 'molt.toml'),
    '[capabilities.allow]\n"console.write" = true\ntime = true\nenv = ["TMPDIR"]\n"fs.read" = ["/work", "/share"]\n"fs.write" = ["/work"]\n',
  );
  const built = join(tmp, 'yosys.molt.wasm');
  const b = molt('build', YOSYS, '-o', built, '--manifest', 'molt.toml', '--strict');
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stderr, /wasi_snapshot_preview1#clock_time_get\s+time\s+yes/);
  const i = molt('inspect', '--json', built);
  assert.equal(i.code, 0, i.stderr);
  const info = JSON.parse(i.stdout) as { kind: string; manifest: unknown; provenance: { status: string } };
  assert.equal(info.kind, 'core');
  assert.deepEqual(info.manifest, {
    version: 1,
    allow: { 'console.write': true, env: ['TMPDIR'], 'fs.read': ['/share', '/work'], 'fs.write': ['/work'], time: true },
    deny: {},
  });
  assert.equal(info.provenance.status, 'verified');
  // No capability flags: the embedded manifest grants what it declares.
  const r = molt('run', '--env', 'TMPDIR=/work', ...DIRS(), built, '--', '-q', '-p', SYNTH);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(work, 'out.json')));
  // Beyond the manifest is refused before anything runs.
  const net = molt('run', '--allow-net', built, '--', '-V');
  assert.equal(net.code, 64, net.stderr);
  assert.match(net.stderr, /^molt-wasm: .*"net".*--allow-undeclared/);
});

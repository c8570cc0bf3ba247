// The guest examples, end to end: each is built (scripts/build-guests.ts), is the kind
// of binary it should be with its manifest embedded, runs with the exact command its
// README gives, and behaves as SPEC section 8 says when one capability is withheld.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn, type SpawnSyncReturns } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manifestToCanonicalJson, parseMoltToml } from '../../host/manifest/input/index.js';
import { embedManifest } from '../../host/manifest/provenance.js';
import type { AddressInfo } from 'node:net';

// dist/test/guest-examples/ -> repository root
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const EX = join(ROOT, 'guest-examples');
const DATA = join(EX, 'files', 'data');
const CLI = join(ROOT, 'bin', 'molt-wasm.js');
/** The port http-client's manifest and README name; the tests serve on a free port instead (below). */
const README_HTTP_PORT = 18080;

const COMPONENTS = ['hello', 'env', 'files', 'clock', 'http-client', 'caps'];
const CORE_MODULES = ['wc', 'cp', 'probe'];

// The caller's environment (npx needs its HOME); HOME is set so the probe's env:HOME has
// something to see.
const ENV = { ...process.env, HOME: process.env.HOME ?? '/root', NO_COLOR: '1' };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
function result(r: SpawnSyncReturns<string>): Run {
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function show(r: Run): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

/** `molt-wasm ARGS…` without a shell (the denial cases). */
function molt(args: string[], input?: string): Run {
  return result(spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env: ENV, encoding: 'utf8', input, timeout: 60_000 }));
}

/** The command in NAME/README.md's sh block, run exactly as written from the repo root. */
function readmeCommand(name: string): string {
  const md = readFileSync(join(EX, name, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(md);
  assert.ok(block, `${name}/README.md has no \`\`\`sh block`);
  const cmds = block[1]!
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('npx molt-wasm '));
  assert.equal(cmds.length, 1, `${name}/README.md: expected one npx molt-wasm command, got ${cmds.length}`);
  return cmds[0]!;
}
function runReadme(name: string): Run {
  return result(spawnSync('sh', ['-c', readmeCommand(name)], { cwd: ROOT, env: ENV, encoding: 'utf8', timeout: 120_000 }));
}
/** Runs a child to its end without blocking this process (for commands that talk to a server in it). */
function spawnAsync(command: string, args: string[]): Promise<Run> {
  return new Promise((res, rej) => {
    const child = spawn(command, args, { cwd: ROOT, env: ENV });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}
function moltAsync(args: string[]): Promise<Run> {
  return spawnAsync(process.execPath, [CLI, ...args]);
}

/** A scratch copy of files/data, for runs that must not touch the checked-in folder. */
function scratchData(): string {
  const dir = mkdtempSync(join(tmpdir(), 'molt-guest-'));
  cpSync(join(DATA, 'in.txt'), join(dir, 'in.txt'));
  cpSync(join(DATA, 'words.txt'), join(dir, 'words.txt'));
  return dir;
}

const wasm = (name: string): string => join('guest-examples', 'dist', `${name}.wasm`);

before(() => {
  // Incremental: a no-op when the guests are up to date.
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'scripts', 'build-guests.js')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `npm run build:guests failed:\n${r.stdout}\n${r.stderr}`);
});

// ------------------------------------------------------------------ the binaries

/** Top-level custom sections named `name`, read without the host's codec. */
function customSections(bytes: Buffer, name: string): Buffer[] {
  const out: Buffer[] = [];
  let p = 8;
  const leb = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[p++]!;
      v += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) return v;
    }
  };
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = leb();
    const end = p + size;
    if (id === 0) {
      const n = leb();
      if (bytes.subarray(p, p + n).toString('utf8') === name) out.push(bytes.subarray(p + n, end));
    }
    p = end;
  }
  return out;
}

for (const name of [...COMPONENTS, ...CORE_MODULES]) {
  test(`${name}: built, the right kind of binary, its molt.toml embedded`, () => {
    const path = join(ROOT, wasm(name));
    assert.ok(existsSync(path), `${path} missing`);
    const bytes = readFileSync(path);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], 'wasm magic');
    // version 1 layer 0 is a core module; 0x0d layer 1 a component
    const header = [...bytes.subarray(4, 8)];
    if (COMPONENTS.includes(name)) assert.deepEqual(header, [0x0d, 0x00, 0x01, 0x00], 'a component');
    else assert.deepEqual(header, [0x01, 0x00, 0x00, 0x00], 'a core module');
    const sections = customSections(bytes, 'molt:capabilities');
    assert.equal(sections.length, 1, 'exactly one molt:capabilities section');
    const tomlPath = join(EX, name, 'molt.toml');
    const expected = manifestToCanonicalJson(parseMoltToml(readFileSync(tomlPath, 'utf8'), tomlPath));
    assert.equal(sections[0]!.toString('utf8'), expected);
    assert.equal(customSections(bytes, 'molt:provenance').length, 1, 'a molt:provenance section');
  });
}

test('READMEs: each names its own built binary', () => {
  for (const name of [...COMPONENTS, ...CORE_MODULES]) {
    assert.ok(readmeCommand(name).includes(wasm(name)), `${name}/README.md runs ${wasm(name)}`);
  }
});

// ------------------------------------------------------------------ hello

test('hello: README command prints its line', () => {
  const r = runReadme('hello');
  assert.equal(r.code, 0, show(r));
  assert.equal(r.stdout, 'hello from a molt-wasm component\n');
});

test('hello: --deny-console traps, exit 77', () => {
  const r = molt(['run', '--deny-console', wasm('hello')]);
  assert.equal(r.code, 77, show(r));
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /console\.write/);
});

// ------------------------------------------------------------------ env

test('env: README command prints GREETING', () => {
  const r = runReadme('env');
  assert.equal(r.code, 0, show(r));
  assert.equal(r.stdout, 'GREETING=hello\n');
});

test('env: a variable outside the env scope is invisible (guest exits 1)', () => {
  const r = molt(['run', '--env', 'OTHER=x', wasm('env')]);
  assert.equal(r.code, 1, show(r));
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /GREETING is not set/);
});

test('env: --deny-env reads as an empty environment (the guest reports it), and the denial is shown', () => {
  const r = molt(['run', '--env', 'GREETING=hello', '--deny-env', wasm('env')]);
  assert.equal(r.code, 1, show(r));
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /GREETING is not set/);
  assert.match(r.stderr, /^molt-wasm: denied env \(wasi:cli\/environment#get-environment\)/m);
});

// ------------------------------------------------------------------ files

test('files: README command copies in.txt to out.txt', () => {
  rmSync(join(DATA, 'out.txt'), { force: true });
  const input = readFileSync(join(DATA, 'in.txt'), 'utf8');
  const r = runReadme('files');
  assert.equal(r.code, 0, show(r));
  assert.equal(r.stdout, `${input}files: copied ${Buffer.byteLength(input)} bytes from in.txt to out.txt\n`);
  assert.equal(readFileSync(join(DATA, 'out.txt'), 'utf8'), input);
});

test('files: --deny-write: the open fails with access, the guest exits 1, nothing written', () => {
  const dir = scratchData();
  try {
    const r = molt(['run', '--deny-write', '--dir', `/data=${dir}`, wasm('files')]);
    assert.equal(r.code, 1, show(r));
    assert.equal(r.stdout, readFileSync(join(dir, 'in.txt'), 'utf8'), 'the read still worked');
    assert.match(r.stderr, /files: cannot open out\.txt for writing: access/);
    assert.equal(existsSync(join(dir, 'out.txt')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('files: --deny-read: the read fails with access, exit 1', () => {
  const dir = scratchData();
  try {
    const r = molt(['run', '--deny-read', '--dir', `/data=${dir}`, wasm('files')]);
    assert.equal(r.code, 1, show(r));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /files: cannot open in\.txt: access/);
    assert.equal(existsSync(join(dir, 'out.txt')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ------------------------------------------------------------------ clock

test('clock: README command prints the wall clock', () => {
  const before = Math.floor(Date.now() / 1000);
  const r = runReadme('clock');
  const after = Math.ceil(Date.now() / 1000);
  assert.equal(r.code, 0, show(r));
  const m = /^wall clock: (\d+) s\n$/.exec(r.stdout);
  assert.ok(m, show(r));
  const s = Number(m[1]);
  assert.ok(s >= before && s <= after, `${s} not within [${before}, ${after}]`);
});

test('clock: --deny-time traps, exit 77', () => {
  const r = molt(['run', '--deny-time', wasm('clock')]);
  assert.equal(r.code, 77, show(r));
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /time/);
});

// ------------------------------------------------------------------ http-client

/**
 * A loopback server on a free port (never a fixed one: another run on the machine may hold
 * it), and http-client rebuilt with its own molt.toml where the README's port becomes that
 * port, so the README command runs as written with only the port and binary swapped.
 */
async function withServer<T>(fn: (port: number, paths: string[], wasmPath: string) => Promise<T>): Promise<T> {
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(203, { 'content-type': 'text/plain' });
    res.end('molt\n');
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => res());
  });
  const port = (server.address() as AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'molt-http-client-'));
  try {
    const tomlPath = join(EX, 'http-client', 'molt.toml');
    const toml = readFileSync(tomlPath, 'utf8');
    assert.ok(toml.includes(`127.0.0.1:${README_HTTP_PORT}`), `${tomlPath} names 127.0.0.1:${README_HTTP_PORT}`);
    const manifest = parseMoltToml(toml.split(`:${README_HTTP_PORT}`).join(`:${port}`), tomlPath);
    const wasmPath = join(dir, 'http-client.wasm');
    writeFileSync(wasmPath, embedManifest(readFileSync(join(ROOT, wasm('http-client'))), manifest, { name: 'molt-wasm', version: 'test' }));
    return await fn(port, paths, wasmPath);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await new Promise<void>((res) => server.close(() => res()));
  }
}

test('http-client: README command GETs the URL and prints the status', async () => {
  await withServer(async (port, paths, wasmPath) => {
    const command = readmeCommand('http-client');
    assert.ok(command.includes(`http://127.0.0.1:${README_HTTP_PORT}/`), command);
    const r = await spawnAsync('sh', [
      '-c',
      command.replace(wasm('http-client'), wasmPath).split(`:${README_HTTP_PORT}/`).join(`:${port}/`),
    ]);
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stdout, 'status: 203\n');
    assert.deepEqual(paths, ['/']);
  });
});

test('http-client: --deny-net: HTTP-request-denied, guest exits 1, no request sent', async () => {
  await withServer(async (port, paths, wasmPath) => {
    const r = await moltAsync(['run', '--deny-net', wasmPath, '--', `http://127.0.0.1:${port}/x`]);
    assert.equal(r.code, 1, show(r));
    assert.match(r.stderr, /http-client: request failed: HTTP-request-denied/);
    assert.deepEqual(paths, []);
  });
});

test('http-client: an authority the manifest does not name is denied', async () => {
  await withServer(async (port, paths, wasmPath) => {
    const r = await moltAsync(['run', wasmPath, '--', `http://localhost:${port}/`]);
    assert.equal(r.code, 1, show(r));
    assert.match(r.stderr, /HTTP-request-denied/);
    assert.deepEqual(paths, []);
  });
});

// ------------------------------------------------------------------ caps

test('caps: README command reports its grants and reads the clock', () => {
  const before = Math.floor(Date.now() / 1000);
  const r = runReadme('caps');
  const after = Math.ceil(Date.now() / 1000);
  assert.equal(r.code, 0, show(r));
  const lines = r.stdout.split('\n');
  assert.deepEqual(lines.slice(0, 6), [
    'granted: console.write time',
    'check net: missing',
    'check-id 6: ok',
    'check-id 99: cap-invalid',
    'check teleport: cap-invalid',
    'require time: ok',
  ]);
  const m = /^wall clock: (\d+) s$/.exec(lines[6] ?? '');
  assert.ok(m, show(r));
  // The guest's reading lies within the run, however long the run took.
  assert.ok(Number(m[1]) >= before && Number(m[1]) <= after, `${m[1]} not within [${before}, ${after}]`);
});

test('caps: --deny-time: the guest sees missing and skips the clock instead of trapping', () => {
  const r = molt(['run', '--deny-time', wasm('caps')]);
  assert.equal(r.code, 0, show(r));
  assert.equal(
    r.stdout,
    [
      'granted: console.write',
      'check net: missing',
      'check-id 6: missing',
      'check-id 99: cap-invalid',
      'check teleport: cap-invalid',
      'require time: missing',
      'no time capability: not reading the clock',
      '',
    ].join('\n'),
  );
});

// ------------------------------------------------------------------ wc

function wcCounts(text: string): [number, number, number] {
  return [(text.match(/\n/g) ?? []).length, text.split(/\s+/).filter(Boolean).length, Buffer.byteLength(text)];
}

test('wc: README command counts lines, words and bytes', () => {
  const r = runReadme('wc');
  assert.equal(r.code, 0, show(r));
  const files = ['words.txt', 'in.txt'].map((f) => wcCounts(readFileSync(join(DATA, f), 'utf8')));
  const total = files.reduce((a, b) => [a[0] + b[0], a[1] + b[1], a[2] + b[2]]);
  const rows = r.stdout
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/));
  assert.deepEqual(rows, [
    [...files[0]!.map(String), '/data/words.txt'],
    [...files[1]!.map(String), '/data/in.txt'],
    [...total.map(String), 'total'],
  ]);
});

test('wc: counts stdin with no capability beyond console', () => {
  const r = molt(['run', wasm('wc')], 'a b\nc\n');
  assert.equal(r.code, 0, show(r));
  assert.deepEqual(r.stdout.trim().split(/\s+/), ['2', '3', '6']);
});

test('wc: --deny-read: the program reports the error and exits 1', () => {
  const r = molt(['run', '--deny-read', '--dir', `/data=${DATA}`, wasm('wc'), '--', '/data/words.txt']);
  assert.equal(r.code, 1, show(r));
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^wc: \/data\/words\.txt: /m);
});

// ------------------------------------------------------------------ cp

test('cp: README command copies the file', () => {
  rmSync(join(DATA, 'copy.txt'), { force: true });
  const r = runReadme('cp');
  assert.equal(r.code, 0, show(r));
  const input = readFileSync(join(DATA, 'in.txt'));
  assert.equal(r.stdout, `cp: copied ${input.length} bytes from /data/in.txt to /data/copy.txt\n`);
  assert.deepEqual(readFileSync(join(DATA, 'copy.txt')), input);
});

test('cp: --deny-write: EACCES reported, exit 1, no file', () => {
  const dir = scratchData();
  try {
    const r = molt(['run', '--deny-write', '--dir', `/data=${dir}`, wasm('cp'), '--', '/data/in.txt', '/data/copy.txt']);
    assert.equal(r.code, 1, show(r));
    assert.match(r.stderr, /cp: cannot create '\/data\/copy\.txt'/);
    assert.equal(existsSync(join(dir, 'copy.txt')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ------------------------------------------------------------------ probe

/** The probe's output as a map from operation to result. */
function probeLines(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of out.trim().split('\n').filter(Boolean)) {
    const sp = line.lastIndexOf(' ');
    m.set(line.slice(0, sp), line.slice(sp + 1));
  }
  return m;
}

test('probe: README command: every operation inside the grants is ok, outside a preopen is not', () => {
  const r = runReadme('probe');
  assert.equal(r.code, 0, show(r));
  const ops = readmeCommand('probe').split(' -- ')[1]!.split(' ');
  const got = probeLines(r.stdout);
  assert.deepEqual([...got.keys()], ops, 'one line per operation, in order');
  for (const op of ops) {
    // wasi-libc finds no preopen for /etc, so the call never reaches the host
    const want = op === 'read:/etc/passwd' ? 'ENOTCAPABLE' : 'ok';
    assert.equal(got.get(op), want, `${op}\n${show(r)}`);
  }
  assert.equal(existsSync(join(DATA, 'probe.txt')), false, 'the probe unlinked its own file');
});

test('probe: --deny-read gives EACCES to reads only', () => {
  const dir = scratchData();
  try {
    const r = molt([
      'run',
      '--deny-read',
      '--dir',
      `/data=${dir}`,
      wasm('probe'),
      '--',
      'read:/data/in.txt',
      'stat:/data/in.txt',
      'readdir:/data',
      'write:/data/new.txt',
      'append:/data/in.txt',
      'env:HOME',
      'time:mono',
    ]);
    assert.equal(r.code, 0, show(r));
    assert.deepEqual(Object.fromEntries(probeLines(r.stdout)), {
      'read:/data/in.txt': 'EACCES',
      'stat:/data/in.txt': 'EACCES',
      'readdir:/data': 'EACCES',
      'write:/data/new.txt': 'ok',
      // O_APPEND needs fs.write only: preview1 appends through the descriptor's append stream.
      'append:/data/in.txt': 'ok',
      'env:HOME': 'ok',
      'time:mono': 'ok',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('probe: --deny-write gives EACCES to every change, reads still ok', () => {
  const dir = scratchData();
  try {
    const r = molt([
      'run',
      '--deny-write',
      '--dir',
      `/data=${dir}`,
      wasm('probe'),
      '--',
      'read:/data/in.txt',
      'write:/data/in.txt',
      'append:/data/in.txt',
      'mkdir:/data/d',
      'unlink:/data/in.txt',
      'rename:/data/in.txt:/data/moved.txt',
    ]);
    assert.equal(r.code, 0, show(r));
    assert.deepEqual(Object.fromEntries(probeLines(r.stdout)), {
      'read:/data/in.txt': 'ok',
      'write:/data/in.txt': 'EACCES',
      'append:/data/in.txt': 'EACCES',
      'mkdir:/data/d': 'EACCES',
      'unlink:/data/in.txt': 'EACCES',
      'rename:/data/in.txt:/data/moved.txt': 'EACCES',
    });
    assert.equal(readFileSync(join(dir, 'in.txt'), 'utf8'), readFileSync(join(DATA, 'in.txt'), 'utf8'), 'in.txt untouched');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('probe: --deny-time traps at the clock (77), after the earlier lines', () => {
  const r = molt([
    'run',
    '--deny-time',
    '--dir',
    `/data=${DATA}`,
    wasm('probe'),
    '--',
    'read:/data/in.txt',
    'time:wall',
    'read:/data/in.txt',
  ]);
  assert.equal(r.code, 77, show(r));
  assert.equal(r.stdout, 'read:/data/in.txt ok\n');
  assert.match(r.stderr, /time/);
});

test('probe: --deny-env reads as empty (no trap); an env grant scoped by name hides other names', () => {
  const denied = molt(['run', '--deny-env', wasm('probe'), '--', 'env:HOME']);
  assert.equal(denied.code, 0, show(denied));
  assert.equal(denied.stdout, 'env:HOME unset\n');
  const scoped = molt(['run', '--env', 'PROBE_A=1', '--env', 'SECRET=x', wasm('probe'), '--', 'env:PROBE_A', 'env:SECRET', 'env:HOME']);
  assert.equal(scoped.code, 0, show(scoped));
  assert.equal(scoped.stdout, 'env:PROBE_A ok\nenv:SECRET unset\nenv:HOME ok\n');
});

test('probe: bad argument syntax is a usage error (exit 2) before any operation runs', () => {
  const dir = scratchData();
  try {
    const r = molt(['run', '--dir', `/data=${dir}`, wasm('probe'), '--', 'write:/data/x.txt', 'frobnicate:/data']);
    assert.equal(r.code, 2, show(r));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /bad operation 'frobnicate:\/data'/);
    assert.equal(existsSync(join(dir, 'x.txt')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

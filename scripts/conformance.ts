/**
 * The WASI conformance runner: runs the preview1 programs of the public wasi-testsuite
 * (tests/{assemblyscript,c,rust}/testsuite/wasm32-wasip1) and checks exit code and stdout as
 * its SPECIFICATION.md says.
 *
 *   node dist/scripts/conformance.js [DIR] [--harness] [--withhold] [--filter TEXT] [--jobs N]
 *
 * DIR defaults to test/wasi-testsuite (the vendored copy, see its README). Each test runs in its own scratch
 * folder (a writable copy of the test's directories, since the suite may be read-only):
 * - default: through the CLI, `node bin/molt-wasm.js run` with grants mapped from the spec;
 * - `--harness`: in a child node running preview2-shim's WASIShim under molt-wasm's preview1
 *   layer (no policy), for when the CLI is not there yet;
 * - `--withhold`: every grant withheld; each test that needs a directory must then fail, and
 *   nothing outside (or inside) its scratch folder may change.
 * Prints one line per test and closes with exactly `N passed, M failed`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SUITES = ['assemblyscript', 'c', 'rust'];
const TIMEOUT_MS = 60_000;
/** With grants withheld, path_open_preopen probes all 2^31 fds for a preopen: a hang there is a refusal. */
const WITHHOLD_TIMEOUT_MS = 10_000;

/**
 * The tests that read a clock (their point is the clock, or a poll with a timeout): measured by
 * running the suite with no `time` grant at all, where exactly these six fail with 77.
 */
const TESTS_OF_THE_CLOCK = new Set([
  'c/clock_getres-monotonic',
  'c/clock_getres-realtime',
  'c/clock_gettime-monotonic',
  'c/clock_gettime-realtime',
  'rust/clock_time_get',
  'rust/poll_oneoff_stdio',
]);

export interface TestSpec {
  args: string[];
  env: Record<string, string>;
  dirs: string[];
  exitCode: number;
  /** Checked only when the spec gives it (the reference runner's default is None). */
  stdout: string | undefined;
}

export interface TestCase {
  name: string; // suite/test
  wasm: string;
  dir: string;
  spec: TestSpec;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** The legacy spec (args/env/dirs/exit_code/stdout) and the `operations` form, with defaults. */
export function parseSpec(json: unknown): TestSpec {
  const j = (json ?? {}) as Record<string, unknown>;
  const spec: TestSpec = { args: [], env: {}, dirs: [], exitCode: 0, stdout: undefined };
  const take = (o: Record<string, unknown>) => {
    if (Array.isArray(o['args'])) spec.args = o['args'].map(String);
    if (o['env'] && typeof o['env'] === 'object') spec.env = o['env'] as Record<string, string>;
    if (Array.isArray(o['dirs'])) spec.dirs = o['dirs'].map(String);
  };
  take(j);
  if (typeof j['root'] === 'string') spec.dirs.push(j['root']);
  if (typeof j['exit_code'] === 'number') spec.exitCode = j['exit_code'];
  if (typeof j['stdout'] === 'string') spec.stdout = j['stdout'];
  if (Array.isArray(j['operations'])) {
    for (const op of j['operations'] as Record<string, unknown>[]) {
      if (op['type'] === 'run') take(op);
      if (op['type'] === 'wait' && typeof op['exit_code'] === 'number') spec.exitCode = op['exit_code'];
      if (op['type'] === 'read' && (op['id'] ?? 'stdout') === 'stdout' && typeof op['payload'] === 'string') {
        spec.stdout = op['payload'];
      }
    }
  }
  return spec;
}

function findTests(root: string, filter: string | undefined): TestCase[] {
  const out: TestCase[] = [];
  for (const suite of SUITES) {
    const dir = join(root, 'tests', suite, 'testsuite', 'wasm32-wasip1');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith('.wasm')) continue;
      const base = file.slice(0, -'.wasm'.length);
      const name = `${suite}/${base}`;
      if (filter && !name.includes(filter)) continue;
      const specFile = join(dir, `${base}.json`);
      const spec = parseSpec(existsSync(specFile) ? JSON.parse(readFileSync(specFile, 'utf8')) : {});
      out.push({ name, wasm: join(dir, file), dir, spec });
    }
  }
  return out;
}

/** Removes `*.cleanup` leftovers below `dir` (best effort: the suite may be read-only). */
function removeCleanup(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.name.endsWith('.cleanup')) {
      try {
        rmSync(p, { recursive: true, force: true });
      } catch {
        /* read-only suite: the scratch copy is cleaned instead */
      }
    } else if (e.isDirectory()) {
      removeCleanup(p);
    }
  }
}

function makeWritable(path: string): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  chmodSync(path, st.mode | 0o200 | (st.isDirectory() ? 0o700 : 0));
  if (st.isDirectory()) for (const e of readdirSync(path)) makeWritable(join(path, e));
}

/** A fingerprint of every entry below `root` (type, size, mode, mtime, link target, content hash). */
export function snapshotTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (p: string) => {
    const st = lstatSync(p);
    const rel = relative(root, p) || '.';
    if (st.isSymbolicLink()) {
      out.set(rel, `link:${readlinkSync(p)}`);
    } else if (st.isDirectory()) {
      out.set(rel, `dir:${st.mode}`);
      for (const e of readdirSync(p)) walk(join(p, e));
    } else {
      const hash = createHash('sha256').update(readFileSync(p)).digest('hex');
      out.set(rel, `file:${st.mode}:${st.size}:${st.mtimeMs}:${hash}`);
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

export function diffTrees(before: Map<string, string>, after: Map<string, string>): string[] {
  const changes: string[] = [];
  for (const [k, v] of after) if (before.get(k) !== v) changes.push(before.has(k) ? `changed ${k}` : `created ${k}`);
  for (const k of before.keys()) if (!after.has(k)) changes.push(`removed ${k}`);
  return changes;
}

function runChild(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    // An empty environment: the guest must see only what the spec gives it.
    const child = spawn(cmd, args, { cwd, env: {}, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => stdout.push(b));
    child.stderr.on('data', (b: Buffer) => stderr.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        timedOut,
      });
    });
  });
}

export interface Mode {
  harness: boolean;
  withhold: boolean;
}

/** The command line that runs one test: the CLI with grants, or the harness child. */
export function commandFor(t: TestCase, scratch: string, mode: Mode): string[] {
  const guestArgs = t.spec.args;
  const preopens = Object.fromEntries(t.spec.dirs.map((d) => [d, join(scratch, d)]));
  if (mode.harness) {
    const job = {
      wasm: t.wasm,
      args: [basename(t.wasm), ...guestArgs],
      env: mode.withhold ? {} : t.spec.env,
      preopens: mode.withhold ? {} : preopens,
    };
    return [process.execPath, fileURLToPath(import.meta.url), '--child', JSON.stringify(job)];
  }
  const flags: string[] = [];
  if (!mode.withhold) {
    for (const [guest, host] of Object.entries(preopens)) {
      flags.push('--dir', `${guest}=${host}`, `--allow-read=${guest}`, `--allow-write=${guest}`);
    }
    // The spec's grants and nothing more. Its environment is exactly its `env`: the child gets
    // an empty environment, the spec's pairs as --env and an env grant of just those names;
    // a test without `env` gets no env grant and reads an empty environment (SPEC section 5).
    const names = Object.keys(t.spec.env);
    for (const [k, v] of Object.entries(t.spec.env)) flags.push('--env', `${k}=${v}`);
    if (names.length > 0) flags.push(`--allow-env=${names.join(',')}`);
    // The spec format has no clock grant (the suite's reference runners give every test the
    // clocks). Only the tests whose subject is the clock get `time`; every other test runs
    // without it, so a stray clock read there is a failure (77), not a silent extra grant.
    // Console output is the CLI's default for a binary without a manifest.
    if (TESTS_OF_THE_CLOCK.has(t.name)) flags.push('--allow-time');
  }
  return [process.execPath, join(REPO_ROOT, 'bin', 'molt-wasm.js'), 'run', ...flags, t.wasm, '--', ...guestArgs];
}

interface Outcome {
  name: string;
  ok: boolean;
  detail: string;
}

async function runTest(t: TestCase, root: string, mode: Mode): Promise<Outcome> {
  const scratch = mkdtempSync(join(root, `${t.name.replace('/', '-')}-`));
  for (const d of t.spec.dirs) {
    cpSync(join(t.dir, d), join(scratch, d), { recursive: true, verbatimSymlinks: true });
    makeWritable(join(scratch, d));
    removeCleanup(join(scratch, d));
  }
  const [cmd, ...args] = commandFor(t, scratch, mode);
  const before = mode.withhold ? snapshotTree(scratch) : undefined;
  const suiteBefore = mode.withhold ? snapshotTree(t.dir) : undefined;
  const r = await runChild(cmd!, args, scratch, mode.withhold ? WITHHOLD_TIMEOUT_MS : TIMEOUT_MS);
  const exitOk = r.code === t.spec.exitCode;
  const stdoutOk = t.spec.stdout === undefined || r.stdout === t.spec.stdout;
  const passed = !r.timedOut && exitOk && stdoutOk;
  const why = r.timedOut
    ? 'timed out'
    : [
        exitOk ? '' : `exit ${r.code}, expected ${t.spec.exitCode}`,
        stdoutOk ? '' : `stdout ${JSON.stringify(r.stdout.slice(0, 200))}, expected ${JSON.stringify(t.spec.stdout)}`,
        r.stderr.trim() ? `stderr: ${r.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 300)}` : '',
      ]
        .filter(Boolean)
        .join('; ');
  let outcome: Outcome;
  if (mode.withhold) {
    // Withheld: a test that needs a directory must fail, and nothing may change on disk.
    const changes = [
      ...diffTrees(before!, snapshotTree(scratch)),
      ...diffTrees(suiteBefore!, snapshotTree(t.dir)).map((c) => `suite: ${c}`),
    ];
    const needsDir = t.spec.dirs.length > 0;
    const ok = changes.length === 0 && (!needsDir || !passed);
    const detail =
      changes.length > 0
        ? `filesystem changed: ${changes.slice(0, 5).join(', ')}`
        : needsDir
          ? passed
            ? 'passed although its directory was withheld'
            : `refused (${why || 'failed'})`
          : passed
            ? 'passed (needs no grant)'
            : `failed without grants (${why})`;
    outcome = { name: t.name, ok, detail };
  } else {
    outcome = { name: t.name, ok: passed, detail: why };
  }
  rmSync(scratch, { recursive: true, force: true });
  return outcome;
}

async function runAll(tests: TestCase[], mode: Mode, jobs: number): Promise<Outcome[]> {
  const root = mkdtempSync(join(tmpdir(), 'molt-conformance-'));
  const results: Outcome[] = new Array(tests.length);
  let next = 0;
  const worker = async () => {
    while (next < tests.length) {
      const i = next++;
      const o = await runTest(tests[i]!, root, mode);
      results[i] = o;
      process.stdout.write(`${o.ok ? 'PASS' : 'FAIL'} ${o.name}${o.detail ? `  (${o.detail})` : ''}\n`);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return results;
}

/** Child mode: run one program on preview2-shim + molt-wasm's preview1 layer (no policy). */
async function child(jobJson: string): Promise<void> {
  const job = JSON.parse(jobJson) as {
    wasm: string;
    args: string[];
    env: Record<string, string>;
    preopens: Record<string, string>;
  };
  const { WASIShim } = await import('@bytecodealliance/preview2-shim/instantiation');
  const { createPreview1Imports, runPreview1Start, Preview1Exit } = await import('../host/preview1/index.js');
  const shim = new WASIShim({ sandbox: { preopens: job.preopens, env: job.env, args: job.args } });
  const wasi: Record<string, any> = { ...shim.getImportObject() };
  // The shim's exit ends the process; without exit-with-code the preview1 layer throws
  // Preview1Exit, which is the path to exercise here.
  wasi['wasi:cli/exit'] = {
    exit(status: { tag: string }) {
      throw new Preview1Exit(status.tag === 'err' ? 1 : 0);
    },
  };
  // The shim's own import object (no molt:capabilities, which preview1 never calls).
  const p1 = createPreview1Imports(wasi as unknown as Parameters<typeof createPreview1Imports>[0]);
  const module = await WebAssembly.compile(readFileSync(job.wasm));
  const instance = await WebAssembly.instantiate(module, p1.imports as unknown as WebAssembly.Imports);
  let code: number;
  try {
    code = runPreview1Start(instance, p1);
  } catch (e) {
    process.stderr.write(`guest trapped: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    code = 70;
  }
  process.stdout.write('', () => process.exit(code));
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--child') return child(argv[1]!);
  const mode: Mode = { harness: false, withhold: false };
  let dir = resolve(REPO_ROOT, 'test', 'wasi-testsuite');
  let filter: string | undefined;
  let jobs = 2;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--harness') mode.harness = true;
    else if (a === '--withhold') mode.withhold = true;
    else if (a === '--filter') filter = argv[++i];
    else if (a === '--jobs') jobs = Number(argv[++i]);
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else dir = resolve(a);
  }
  if (!mode.harness && !existsSync(join(REPO_ROOT, 'dist', 'host', 'cli', 'main.js'))) {
    process.stderr.write('conformance: the CLI is not built (dist/host/cli/main.js); use --harness\n');
    process.exitCode = 64;
    return;
  }
  const tests = findTests(dir, filter);
  if (tests.length === 0) {
    process.stderr.write(`conformance: no tests under ${dir}\n`);
    process.exitCode = 64;
    return;
  }
  const results = await runAll(tests, mode, jobs);
  const passed = results.filter((r) => r.ok).length;
  process.stdout.write(`${passed} passed, ${results.length - passed} failed\n`);
  process.exitCode = passed === results.length ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`conformance: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 70;
  });
}

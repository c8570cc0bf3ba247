/**
 * `npm run bench [-- --quick] [-- --json] [-- --only calls,fs,clock,policy,startup,large,component-calls,serve]`
 *
 * Every ratio is measured side by side in this one run: the two sides alternate (or rotate,
 * for process startup) and each side's figure is the median over repeats. Progress goes to
 * stderr; the summary table (or, with --json, one JSON document) goes to stdout.
 */
import { cpus, freemem, totalmem } from 'node:os';
import { benchComponentCalls, type ComponentCallsResult } from './component-calls.js';
import { benchFsIo, type FsIoResult } from './fs-io.js';
import { benchGuestCalls, type GuestCallResult } from './guest-calls.js';
import { benchLarge, type LargeResult } from './large.js';
import { benchPreview1Clock, type ClockResult } from './preview1-clock.js';
import { benchPolicy, type PolicyResult } from './policy.js';
import { benchServe, type ServeResult } from './serve.js';
import { benchStartup, MOLT_PREVIEW1_HELLO, MOLT_WARM, type StartupResult } from './startup.js';

const SUITES = ['calls', 'fs', 'clock', 'policy', 'startup', 'large', 'component-calls', 'serve'] as const;
type Suite = (typeof SUITES)[number];

interface Report {
  readonly machine: Record<string, unknown>;
  readonly quick: boolean;
  calls?: GuestCallResult[];
  fs?: FsIoResult;
  clock?: ClockResult;
  policy?: PolicyResult[];
  startup?: StartupResult[];
  large?: LargeResult | null;
  componentCalls?: ComponentCallsResult;
  serve?: ServeResult[];
  readonly targets: Array<{ target: string; measured: string; met: boolean }>;
}

function parseArgs(argv: string[]): { quick: boolean; json: boolean; only: Set<Suite> } {
  let quick = false;
  let json = false;
  let only = new Set<Suite>(SUITES);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--json') json = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a === '--only' ? argv[++i] : a.slice('--only='.length);
      const names = (v ?? '').split(',').filter(Boolean);
      for (const n of names) if (!(SUITES as readonly string[]).includes(n)) usage(`unknown suite ${JSON.stringify(n)}`);
      only = new Set(names as Suite[]);
    } else if (a === '--help' || a === '-h') usage();
    else usage(`unknown option ${JSON.stringify(a)}`);
  }
  return { quick, json, only };
}

function usage(msg?: string): never {
  if (msg) process.stderr.write(`bench: ${msg}\n`);
  process.stderr.write(`usage: npm run bench -- [--quick] [--json] [--only ${SUITES.join(',')}]\n`);
  process.exit(64);
}

function table(rows: string[][]): string {
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]): string => `| ${r.map((x, c) => x.padEnd(w[c]!)).join(' | ')} |`;
  return [line(rows[0]!), `| ${w.map((n) => '-'.repeat(n)).join(' | ')} |`, ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const { quick, json, only } = parseArgs(process.argv.slice(2));
  const log = (s: string): void => void process.stderr.write(s + '\n');
  const report: Report = {
    machine: {
      node: process.version,
      v8: process.versions.v8,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      totalMemGiB: +(totalmem() / 2 ** 30).toFixed(1),
      freeMemGiB: +(freemem() / 2 ** 30).toFixed(1),
    },
    quick,
    targets: [],
  };
  if (only.has('calls')) {
    log('guest calls: gated vs ungated (preview2-shim) import, ns per call from inside a guest');
    report.calls = await benchGuestCalls({ quick, log });
    const clock = report.calls[0]!;
    report.targets.push({
      target: 'clock read gated/ungated <= 1.05',
      measured: clock.result.ratio.toFixed(3),
      met: clock.result.ratio <= 1.05,
    });
  }
  if (only.has('fs')) {
    log('file I/O: open + read 64 B + close, timed inside the C guest, against node:wasi');
    const f = (report.fs = await benchFsIo({ quick, log }));
    report.targets.push({
      target: 'fs loop, preview1 <= 1.0x node:wasi',
      measured: (f.preview1Ns / f.nodeWasiNs).toFixed(2),
      met: f.preview1Ns <= f.nodeWasiNs,
    });
    report.targets.push({
      target: 'fs loop, component <= 2x node:wasi',
      measured: (f.componentNs / f.nodeWasiNs).toFixed(2),
      met: f.componentNs <= 2 * f.nodeWasiNs,
    });
  }
  if (only.has('clock')) {
    log('preview1 clock_time_get: timed inside the C guest, against node:wasi');
    const c = (report.clock = await benchPreview1Clock({ quick, log }));
    report.targets.push({
      target: 'preview1 clock_time_get <= 1.5x node:wasi',
      measured: (c.preview1Ns / c.nodeWasiNs).toFixed(2),
      met: c.preview1Ns <= 1.5 * c.nodeWasiNs,
    });
  }
  if (only.has('policy')) {
    log('policy check alone');
    report.policy = benchPolicy({ quick, log });
    const u = report.policy[0]!;
    report.targets.push({ target: 'unscoped check < 100 ns', measured: `${u.nsPerCheck.toFixed(1)} ns`, met: u.nsPerCheck < 100 });
  }
  if (only.has('startup')) {
    log('startup: a preview1 hello, hello.wasm (component)');
    report.startup = benchStartup({ quick, log });
    const p1 = report.startup.find((r) => r.label === MOLT_PREVIEW1_HELLO)!;
    report.targets.push({
      target: 'molt-wasm run of a preview1 hello <= 1.3x node:wasi',
      measured: p1.vsNodeWasi.toFixed(3),
      met: p1.vsNodeWasi <= 1.3,
    });
    const warm = report.startup.find((r) => r.label === MOLT_WARM)!;
    report.targets.push({ target: 'warm molt-wasm run <= 1/4 of jco run', measured: warm.vsJco.toFixed(3), met: warm.vsJco <= 0.25 });
  }
  if (only.has('large')) {
    log('large guest: yosys.core.wasm -V, and a synthesis');
    report.large = await benchLarge({ quick, log });
    const synth = report.large?.runs.find((r) => r.label === 'molt-wasm run, synth');
    if (synth)
      report.targets.push({
        target: 'Yosys synthesis <= 1.1x node:wasi',
        measured: synth.vsNodeWasi.toFixed(3),
        met: synth.vsNodeWasi <= 1.1,
      });
  }

  if (only.has('component-calls')) {
    log('component calls: monotonic clock read, C guest as a component, against node:wasi');
    const c = (report.componentCalls = await benchComponentCalls({ quick, log }));
    report.targets.push({
      target: 'component clock call <= 10x node:wasi',
      measured: (c.leanNs / c.nodeWasiNs).toFixed(2),
      met: c.leanNs <= 10 * c.nodeWasiNs,
    });
  }
  if (only.has('serve')) {
    log('serve: molt-wasm serve vs jco serve, same component, same load (autocannon)');
    report.serve = await benchServe({ quick, log });
    for (const r of report.serve) {
      report.targets.push({
        target: `serve ${r.component}: >= 2x jco serve req/s`,
        measured: Number.isNaN(r.ratio) ? 'n/a (a side served nothing or failed requests)' : `${r.ratio.toFixed(2)}x`,
        met: r.ratio >= 2,
      });
    }
  }

  if (json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  const out: string[] = [];
  if (report.calls) {
    out.push('Per-call cost from inside a guest (median ns/call; ratio = gated / ungated)\n');
    out.push(
      table([
        ['call', 'iterations', 'gated ns', 'ungated ns', 'ratio'],
        ...report.calls.map((c) => [c.op, String(c.iterations), c.result.a.toFixed(1), c.result.b.toFixed(1), c.result.ratio.toFixed(3)]),
      ]),
    );
  }
  if (report.fs) {
    const f = report.fs;
    out.push(`\nFile I/O: open + read 64 B + close, ${f.iterations} iterations timed inside the guest (median of ${f.samples} runs)\n`);
    out.push(
      table([
        ['runner', 'ns/iteration', 'of node:wasi', 'median of per-round ratios'],
        ['node:wasi (ungated reference)', f.nodeWasiNs.toFixed(0), '1.00', '1.00'],
        [
          'molt-wasm run, preview1 core module',
          f.preview1Ns.toFixed(0),
          (f.preview1Ns / f.nodeWasiNs).toFixed(2),
          f.preview1RoundRatio.toFixed(2),
        ],
        [
          'molt-wasm run, component (jco preview1 adapter)',
          f.componentNs.toFixed(0),
          (f.componentNs / f.nodeWasiNs).toFixed(2),
          f.componentRoundRatio.toFixed(2),
        ],
      ]),
    );
  }
  if (report.clock) {
    const c = report.clock;
    out.push(`\npreview1 clock_time_get (monotonic), ${c.iterations} calls timed inside the guest (median of ${c.samples} runs)\n`);
    out.push(
      table([
        ['runner', 'ns/call', 'of node:wasi'],
        ['node:wasi (ungated reference)', c.nodeWasiNs.toFixed(1), '1.00'],
        ['molt-wasm run --allow-time, preview1 core module', c.preview1Ns.toFixed(1), (c.preview1Ns / c.nodeWasiNs).toFixed(2)],
      ]),
    );
  }
  if (report.policy) {
    out.push('\nPolicy check alone (median ns/check)\n');
    out.push(
      table([['check', 'checks/sample', 'ns/check'], ...report.policy.map((p) => [p.name, String(p.checks), p.nsPerCheck.toFixed(1)])]),
    );
  }
  if (report.startup) {
    out.push('\nStartup, whole process (median ms)\n');
    out.push(
      table([
        ['command', 'ms', 'of node:wasi hello', 'of jco run'],
        ...report.startup.map((s) => [s.label, s.ms.toFixed(0), s.vsNodeWasi.toFixed(3), s.vsJco.toFixed(3)]),
      ]),
    );
  }
  if (report.large) {
    const l = report.large;
    out.push(`\nLarge guest: yosys.core.wasm (${(l.moduleBytes / 2 ** 20).toFixed(1)} MiB), whole process (median ms)\n`);
    out.push(
      table([
        ['command', 'ms', 'of node:wasi (same arguments)'],
        ...l.runs.map((r) => [r.label, r.ms.toFixed(0), r.vsNodeWasi.toFixed(3)]),
      ]),
    );
    const b = l.breakdown;
    out.push(
      `\nnode:wasi breakdown: read ${b.readMs.toFixed(0)} ms, WebAssembly.compile ${b.compileMs.toFixed(0)} ms, instantiate ${b.instantiateMs.toFixed(0)} ms, _start ${b.startMs.toFixed(0)} ms`,
    );
  }
  if (report.componentCalls) {
    const c = report.componentCalls;
    out.push(`\nComponent clock read, timed inside the C guest (median of ${c.samples} runs)\n`);
    out.push(
      table([
        ['runner', 'iterations', 'ns/call', 'of node:wasi'],
        ['node:wasi (preview1 core module)', String(c.iterations), c.nodeWasiNs.toFixed(1), '1.00'],
        ['molt-wasm run, component, lean trampolines', String(c.iterations), c.leanNs.toFixed(1), (c.leanNs / c.nodeWasiNs).toFixed(2)],
        [
          'molt-wasm run, component, jco glue as generated',
          String(c.generatedIterations),
          c.generatedNs.toFixed(1),
          (c.generatedNs / c.nodeWasiNs).toFixed(2),
        ],
      ]),
    );
  }
  if (report.serve) {
    const r0 = report.serve[0];
    out.push(`\nServing HTTP: autocannon, ${r0?.connections ?? 0} connections, median over turns of ${r0?.seconds ?? 0} s (gating on)\n`);
    out.push(
      table([
        [
          'component',
          'molt-wasm serve req/s',
          'p99 ms',
          'failed',
          'CPU ms/req',
          'jco serve req/s',
          'p99 ms',
          'failed',
          'CPU ms/req',
          'ratio',
          'jco serve --isolate-requests instance req/s',
          'p99 ms',
          'failed',
          'CPU ms/req',
          'ratio',
        ],
        ...report.serve.map((r) => [
          r.component,
          r.molt.rps.toFixed(0),
          String(r.molt.p99Ms),
          String(r.molt.failed),
          Number.isNaN(r.molt.cpuMsPerRequest) ? 'n/a' : r.molt.cpuMsPerRequest.toFixed(3),
          r.jco.rps.toFixed(0),
          String(r.jco.p99Ms),
          String(r.jco.failed),
          Number.isNaN(r.jco.cpuMsPerRequest) ? 'n/a' : r.jco.cpuMsPerRequest.toFixed(3),
          Number.isNaN(r.ratio) ? 'n/a' : `${r.ratio.toFixed(2)}x`,
          r.jcoIsolated.rps.toFixed(0),
          String(r.jcoIsolated.p99Ms),
          String(r.jcoIsolated.failed),
          Number.isNaN(r.jcoIsolated.cpuMsPerRequest) ? 'n/a' : r.jcoIsolated.cpuMsPerRequest.toFixed(3),
          Number.isNaN(r.ratioIsolated) ? 'n/a' : `${r.ratioIsolated.toFixed(2)}x`,
        ]),
      ]),
    );
  }
  out.push('\nTargets\n');
  out.push(table([['target', 'measured', 'met'], ...report.targets.map((t) => [t.target, t.measured, t.met ? 'yes' : 'NO'])]));
  process.stdout.write(out.join('\n') + '\n');
}

await main();

/**
 * Suite `component-calls` (issue 16): the per-call cost of a WASI import on the component
 * path. The C guest component-clock-loop.c reads the monotonic clock N times, timed inside
 * the guest; the same core module runs under Node's own `node:wasi` and, wrapped with jco's
 * preview1 command adapter (what `jco new --wasi-command` makes), as a component under
 * `molt-wasm run`: once with molt-wasm's lean import trampolines (the default,
 * host/transpile/lean-imports.ts) and once with jco-transpile's glue as generated
 * (`MOLT_WASM_LEAN_IMPORTS=0`). Every sample is one whole process; rounds rotate the sides;
 * medians are reported.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adaptPreview1 } from '../lib/componentize.js';
import { BENCH_SRC, CLI, ROOT } from './paths.js';
import { median } from './stats.js';

export interface ComponentCallsResult {
  /** Iterations per sample for node:wasi and the lean component, and for jco's own glue (slower, fewer). */
  readonly iterations: number;
  readonly generatedIterations: number;
  readonly samples: number;
  /** Median guest ns per clock read. */
  readonly nodeWasiNs: number;
  readonly leanNs: number;
  readonly generatedNs: number;
}

/** component-clock-loop.c -> core module -> component (preview1 adapter), cached by source hash. */
async function build(work: string): Promise<{ core: string; component: string }> {
  const src = join(BENCH_SRC, 'component-clock-loop.c');
  const key = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 16);
  const core = join(work, `component-clock-loop-${key}.wasm`);
  const component = join(work, `component-clock-loop-${key}.component.wasm`);
  if (!existsSync(core)) {
    execFileSync(process.env.CLANG ?? 'clang-16', ['--target=wasm32-wasi', '-O2', '-s', '-o', core, src], { stdio: 'inherit' });
  }
  if (!existsSync(component)) writeFileSync(component, await adaptPreview1(new Uint8Array(readFileSync(core))));
  return { core, component };
}

function guestNs(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env });
  const m = /ns_per_call ([0-9.]+)/.exec(r.stdout ?? '');
  if (r.status !== 0 || m === null) throw new Error(`${[cmd, ...args].join(' ')} failed (${r.status}): ${r.stderr}`);
  return Number(m[1]);
}

export async function benchComponentCalls(opts: { quick: boolean; log: (s: string) => void }): Promise<ComponentCallsResult> {
  const work = join(tmpdir(), 'molt-wasm-bench');
  mkdirSync(work, { recursive: true });
  const { core, component } = await build(work);
  const iterations = opts.quick ? 100_000 : 500_000;
  const generatedIterations = opts.quick ? 10_000 : 50_000;
  const rounds = opts.quick ? 3 : 7;
  const nodeWasi = join(ROOT, 'dist', 'scripts', 'bench', 'node-wasi-run.js');
  const env = { ...process.env, MOLT_WASM_CACHE_DIR: join(work, 'cache') };
  const molt = (n: number) => [CLI, 'run', '--allow-time', component, '--', String(n)];
  const sides = {
    nodeWasi: () => guestNs(process.execPath, ['--no-warnings', nodeWasi, core, String(iterations)], env),
    lean: () => guestNs(process.execPath, molt(iterations), { ...env, MOLT_WASM_LEAN_IMPORTS: '1' }),
    generated: () => guestNs(process.execPath, molt(generatedIterations), { ...env, MOLT_WASM_LEAN_IMPORTS: '0' }),
  };
  // Warm both transpile cache entries so no sample includes transpiling.
  sides.lean();
  sides.generated();
  const samples: Record<keyof typeof sides, number[]> = { nodeWasi: [], lean: [], generated: [] };
  const order = Object.keys(sides) as Array<keyof typeof sides>;
  for (let i = 0; i < rounds; i++) {
    for (let k = 0; k < order.length; k++) {
      const side = order[(i + k) % order.length]!;
      samples[side].push(sides[side]());
    }
    opts.log(
      `  round ${i + 1}/${rounds}: node:wasi ${samples.nodeWasi.at(-1)!.toFixed(0)} ns, component lean ${samples.lean.at(-1)!.toFixed(0)} ns, component jco glue ${samples.generated.at(-1)!.toFixed(0)} ns`,
    );
  }
  return {
    iterations,
    generatedIterations,
    samples: rounds,
    nodeWasiNs: median(samples.nodeWasi),
    leanNs: median(samples.lean),
    generatedNs: median(samples.generated),
  };
}

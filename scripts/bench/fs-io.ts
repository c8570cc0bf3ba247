/**
 * Suite `fs`: open + read 64 B + close in a loop, timed inside the same C guest (fs-loop.c),
 * under molt-wasm (preview1 core module, and the same program as a component adapted with
 * jco's preview1 adapter) against Node's own `node:wasi`, side by side in one run. Each
 * sample is one whole process; the figure is the guest's own ns per iteration, so process
 * start and compilation are not in it. Rounds rotate the three sides; medians are reported.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adaptPreview1 } from '../lib/componentize.js';
import { BENCH_SRC, CLI, ROOT } from './paths.js';
import { median } from './stats.js';

export interface FsIoResult {
  readonly iterations: number;
  readonly samples: number;
  /** median guest ns per iteration */
  readonly nodeWasiNs: number;
  readonly preview1Ns: number;
  readonly componentNs: number;
  /**
   * Median over rounds of each round's own ratio (side / node:wasi of the same round): on a
   * shared machine whose load drifts between rounds, the sides of one round ran closest together.
   */
  readonly preview1RoundRatio: number;
  readonly componentRoundRatio: number;
}

/** fs-loop.c -> core module (clang-16, wasi-libc) -> component, cached by source hash. */
async function build(work: string): Promise<{ core: string; component: string }> {
  const src = join(BENCH_SRC, 'fs-loop.c');
  const key = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 16);
  const core = join(work, `fs-loop-${key}.wasm`);
  const component = join(work, `fs-loop-${key}.component.wasm`);
  if (!existsSync(core)) {
    execFileSync(process.env.CLANG ?? 'clang-16', ['--target=wasm32-wasi', '-O2', '-s', '-o', core, src], { stdio: 'inherit' });
  }
  if (!existsSync(component)) writeFileSync(component, await adaptPreview1(new Uint8Array(readFileSync(core))));
  return { core, component };
}

function guestNs(cmd: string, args: string[]): number {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  const m = /ns_per_iter ([0-9.]+)/.exec(r.stdout ?? '');
  if (r.status !== 0 || m === null) throw new Error(`${[cmd, ...args].join(' ')} failed (${r.status}): ${r.stderr}`);
  return Number(m[1]);
}

export async function benchFsIo(opts: { quick: boolean; log: (s: string) => void }): Promise<FsIoResult> {
  const work = join(tmpdir(), 'molt-wasm-bench');
  mkdirSync(work, { recursive: true });
  const { core, component } = await build(work);
  const data = mkdtempSync(join(tmpdir(), 'molt-bench-fs-'));
  writeFileSync(join(data, 'f.txt'), 'x'.repeat(4096));
  const iterations = opts.quick ? 2000 : 20000;
  const rounds = opts.quick ? 3 : 7;
  const nodeWasi = join(ROOT, 'dist', 'scripts', 'bench', 'fs-loop-node-wasi.js');
  const molt = (wasm: string) => [
    CLI,
    'run',
    '--allow-read=/data',
    '--allow-time',
    '--dir',
    `/data=${data}`,
    wasm,
    '--',
    '/data',
    String(iterations),
  ];
  const sides = {
    nodeWasi: () => guestNs(process.execPath, [nodeWasi, core, data, String(iterations)]),
    preview1: () => guestNs(process.execPath, molt(core)),
    component: () => guestNs(process.execPath, molt(component)),
  };
  const samples: Record<keyof typeof sides, number[]> = { nodeWasi: [], preview1: [], component: [] };
  const order = Object.keys(sides) as Array<keyof typeof sides>;
  // Warm the transpile cache so no sample includes transpiling.
  sides.component();
  for (let i = 0; i < rounds; i++) {
    for (let k = 0; k < order.length; k++) {
      const side = order[(i + k) % order.length]!;
      samples[side].push(sides[side]());
    }
    opts.log(
      `  round ${i + 1}/${rounds}: node:wasi ${samples.nodeWasi.at(-1)!.toFixed(0)} ns, preview1 ${samples.preview1.at(-1)!.toFixed(0)} ns, component ${samples.component.at(-1)!.toFixed(0)} ns`,
    );
  }
  const roundRatio = (side: 'preview1' | 'component') => median(samples[side].map((ns, i) => ns / samples.nodeWasi[i]!));
  return {
    iterations,
    samples: rounds,
    nodeWasiNs: median(samples.nodeWasi),
    preview1Ns: median(samples.preview1),
    componentNs: median(samples.component),
    preview1RoundRatio: roundRatio('preview1'),
    componentRoundRatio: roundRatio('component'),
  };
}

/**
 * Suite `clock`: preview1 `clock_time_get` per call, timed inside the same C guest
 * (clock-loop.c, clang-16 + wasi-libc), under Node's own `node:wasi` (node-wasi-run.js) and
 * under `molt-wasm run --allow-time` (the gated clock: `time` is checked on every call), side
 * by side in one run. Each sample is one whole process; the figure is the guest's own ns per
 * call, after as many untimed calls (steady state, not JIT warm-up). Rounds alternate which side goes first; medians are reported.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_SRC, CLI, ROOT } from './paths.js';
import { alternate, median } from './stats.js';

export interface ClockResult {
  readonly iterations: number;
  readonly samples: number;
  /** median guest ns per clock_time_get */
  readonly nodeWasiNs: number;
  readonly preview1Ns: number;
}

/** clock-loop.c -> core module, cached by source hash. */
function build(work: string): string {
  const src = join(BENCH_SRC, 'clock-loop.c');
  const key = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 16);
  const core = join(work, `clock-loop-${key}.wasm`);
  if (!existsSync(core)) {
    execFileSync(process.env.CLANG ?? 'clang-16', ['--target=wasm32-wasi', '-O2', '-s', '-o', core, src], { stdio: 'inherit' });
  }
  return core;
}

function guestNs(args: string[]): number {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const m = /ns_per_call ([0-9.]+)/.exec(r.stdout ?? '');
  if (r.status !== 0 || m === null) throw new Error(`node ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return Number(m[1]);
}

export async function benchPreview1Clock(opts: { quick: boolean; log: (s: string) => void }): Promise<ClockResult> {
  const work = join(tmpdir(), 'molt-wasm-bench');
  mkdirSync(work, { recursive: true });
  const core = build(work);
  const iterations = opts.quick ? 1_000_000 : 3_000_000;
  const rounds = opts.quick ? 3 : 7;
  const nodeWasi = join(ROOT, 'dist', 'scripts', 'bench', 'node-wasi-run.js');
  const { a, b } = await alternate(
    rounds,
    () => guestNs([nodeWasi, core, String(iterations)]),
    () => guestNs([CLI, 'run', '--allow-time', core, '--', String(iterations)]),
  );
  for (let i = 0; i < rounds; i++)
    opts.log(`  round ${i + 1}/${rounds}: node:wasi ${a[i]!.toFixed(1)} ns, molt-wasm preview1 ${b[i]!.toFixed(1)} ns`);
  return { iterations, samples: rounds, nodeWasiNs: median(a), preview1Ns: median(b) };
}

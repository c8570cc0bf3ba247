/**
 * Suite 4: a large preview1 guest (@yowasp/yosys's yosys.core.wasm, 30 MB), whole processes
 * against Node's own ungated node:wasi running the same module (node-wasi-run.js):
 *
 * - `-V`: `molt-wasm run --allow-time yosys.core.wasm -- -V` with a fresh cache directory
 *   ("cold") and with a used one ("warm"): start-up, compile and a few calls.
 * - synthesis: `-p "read_verilog /work/design.v; synth -noabc -top top; stat"` on
 *   scripts/bench/yosys/design.v, with Yosys's share directory (techmap.v and the rest,
 *   shipped inside @yowasp/yosys's resources-yosys.js, written out once per bench run) at
 *   /share and the design at /work: every file goes through molt-wasm's gated filesystem
 *   (`--allow-read=/share,/work`), thousands of preview1 fd/path calls. `-noabc`: ABC would
 *   run as a separate `yosys-abc` process, which a WASI guest cannot start (under either
 *   runner). Same output on both sides (checked: the netlist statistics). Core modules are not transpiled, so the molt-wasm cache plays no part:
 * both runs compile the module (V8 lazy compilation: only functions that run get compiled).
 * Node 20 has no API to store compiled wasm code on disk (v8.serialize of a
 * WebAssembly.Module gives a 2-byte in-process reference), so there is no compiled-module
 * cache to warm. The breakdown (compile / instantiate / _start) comes from node-wasi-run.js
 * --timing in fresh processes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_SRC, CLI, YOSYS } from './paths.js';
import { median } from './stats.js';
import { rotate, timeProcess, type Cmd } from './spawn.js';

export interface LargeResult {
  /** `vsNodeWasi`: median / median of the node:wasi run of the same arguments. */
  readonly runs: Array<{ label: string; ms: number; samples: number; vsNodeWasi: number }>;
  /** medians over fresh processes, ms */
  readonly breakdown: { readMs: number; compileMs: number; instantiateMs: number; startMs: number; sinceProcessStartMs: number };
  readonly moduleBytes: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const NODE_WASI_RUN = join(here, 'node-wasi-run.js');
const SYNTH_SCRIPT = 'read_verilog /work/design.v; synth -noabc -top top; stat';
const SYNTH_EXPECT = 'Number of cells';

type Tree = { [name: string]: string | Uint8Array | Tree };

/** Writes @yowasp/yosys's bundled file tree (a JS object: `share/` and its files) under `root`. */
async function writeYosysFiles(root: string): Promise<void> {
  const resources = join(dirname(YOSYS), 'resources-yosys.js');
  const { filesystem } = (await import(resources)) as { filesystem: Tree };
  const write = (dir: string, tree: Tree): void => {
    mkdirSync(dir, { recursive: true });
    for (const [name, v] of Object.entries(tree)) {
      if (typeof v === 'string' || v instanceof Uint8Array) writeFileSync(join(dir, name), v);
      else write(join(dir, name), v);
    }
  };
  write(root, filesystem);
}

export async function benchLarge(opts: { quick: boolean; log: (s: string) => void }): Promise<LargeResult | null> {
  if (!existsSync(YOSYS)) {
    opts.log(`  skipped: ${YOSYS} not installed`);
    return null;
  }
  const node = process.execPath;
  const expect = 'Yosys';
  const warmDir = mkdtempSync(join(tmpdir(), 'molt-bench-warm-'));
  const colds: string[] = [];
  const runArgs = ['run', '--allow-time', YOSYS, '--', '-V'];
  const cmds: Cmd[] = [
    { label: 'molt-wasm run -- -V, warm cache', argv: [node, CLI, ...runArgs], env: { MOLT_WASM_CACHE_DIR: warmDir }, expect },
    {
      label: 'molt-wasm run -- -V, cold cache',
      argv: [node, CLI, ...runArgs],
      before: () => {
        const d = mkdtempSync(join(tmpdir(), 'molt-bench-cold-'));
        colds.push(d);
        return { MOLT_WASM_CACHE_DIR: d };
      },
      expect,
    },
    { label: 'node:wasi (ungated) -V', argv: [node, '--no-warnings', NODE_WASI_RUN, YOSYS, '-V'], expect },
  ];
  const synthRoot = mkdtempSync(join(tmpdir(), 'molt-bench-yosys-'));
  const share = join(synthRoot, 'share');
  const work = join(BENCH_SRC, 'yosys');
  await writeYosysFiles(synthRoot);
  const synth: Cmd[] = [
    {
      label: 'molt-wasm run, synth',
      argv: [
        node,
        CLI,
        'run',
        '--quiet-denials',
        '--allow-time',
        '--allow-read=/share,/work',
        '--dir',
        `/share=${share}`,
        '--dir',
        `/work=${work}`,
        YOSYS,
        '--',
        '-p',
        SYNTH_SCRIPT,
      ],
      expect: SYNTH_EXPECT,
    },
    {
      label: 'node:wasi (ungated), synth',
      argv: [node, '--no-warnings', NODE_WASI_RUN, '--dir', `/share=${share}`, '--dir', `/work=${work}`, YOSYS, '-p', SYNTH_SCRIPT],
      expect: SYNTH_EXPECT,
    },
  ];
  try {
    for (const c of [...cmds, ...synth]) timeProcess(c); // warm-up: page cache, warm transpile dir
    const runs: LargeResult['runs'] = [];
    const report = (group: Cmd[], samples: Map<string, number[]>, ref: number): void => {
      for (const c of group) {
        const xs = samples.get(c.label)!;
        const ms = median(xs);
        opts.log(`  ${c.label}: ${ms.toFixed(0)} ms (${(ms / ref).toFixed(3)} of node:wasi)`);
        runs.push({ label: c.label, ms, samples: xs.length, vsNodeWasi: ms / ref });
      }
    };
    const vSamples = rotate(cmds, opts.quick ? 3 : 9);
    report(cmds, vSamples, median(vSamples.get(cmds[2]!.label)!));
    // Each synthesis run is seconds of guest work: fewer rounds, still alternated.
    const sSamples = rotate(synth, opts.quick ? 2 : 5);
    report(synth, sSamples, median(sSamples.get(synth[1]!.label)!));
    const parts: Array<LargeResult['breakdown']> = [];
    for (let i = 0; i < (opts.quick ? 3 : 7); i++) {
      const r = spawnSync(node, ['--no-warnings', NODE_WASI_RUN, '--timing', YOSYS, '-V'], { encoding: 'utf8' });
      const line = r.stderr.trim().split('\n').pop() ?? '';
      parts.push(JSON.parse(line) as LargeResult['breakdown']);
    }
    const m = (k: keyof LargeResult['breakdown']): number => median(parts.map((p) => p[k]));
    const breakdown = {
      readMs: m('readMs'),
      compileMs: m('compileMs'),
      instantiateMs: m('instantiateMs'),
      startMs: m('startMs'),
      sinceProcessStartMs: m('sinceProcessStartMs'),
    };
    opts.log(
      `  breakdown (node:wasi, fresh process): read ${breakdown.readMs.toFixed(0)} ms, compile ${breakdown.compileMs.toFixed(0)} ms, ` +
        `instantiate ${breakdown.instantiateMs.toFixed(0)} ms, _start ${breakdown.startMs.toFixed(0)} ms, ` +
        `process start to end ${breakdown.sinceProcessStartMs.toFixed(0)} ms`,
    );
    return { runs, breakdown, moduleBytes: statSync(YOSYS).size };
  } finally {
    rmSync(synthRoot, { recursive: true, force: true });
    rmSync(warmDir, { recursive: true, force: true });
    for (const d of colds) rmSync(d, { recursive: true, force: true });
  }
}

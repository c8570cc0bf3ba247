/**
 * Suite 4: a large preview1 guest (@yowasp/yosys's yosys.core.wasm, 30 MB): `molt-wasm run
 * --allow-time yosys.core.wasm -- -V` with a fresh cache directory ("cold") and with a used
 * one ("warm"), against Node's own ungated node:wasi running the same module
 * (node-wasi-run.js). Core modules are not transpiled, so the molt-wasm cache plays no part:
 * both runs compile the module (V8 lazy compilation: only functions that run get compiled).
 * Node 20 has no API to store compiled wasm code on disk (v8.serialize of a
 * WebAssembly.Module gives a 2-byte in-process reference), so there is no compiled-module
 * cache to warm. The breakdown (compile / instantiate / _start) comes from node-wasi-run.js
 * --timing in fresh processes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI, YOSYS } from './paths.js';
import { median } from './stats.js';
import { rotate, timeProcess, type Cmd } from './spawn.js';

export interface LargeResult {
  readonly runs: Array<{ label: string; ms: number; samples: number; vsNodeWasi: number }>;
  /** medians over fresh processes, ms */
  readonly breakdown: { readMs: number; compileMs: number; instantiateMs: number; startMs: number; sinceProcessStartMs: number };
  readonly moduleBytes: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const NODE_WASI_RUN = join(here, 'node-wasi-run.js');

export function benchLarge(opts: { quick: boolean; log: (s: string) => void }): LargeResult | null {
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
  try {
    for (const c of cmds) timeProcess(c); // warm-up: page cache, warm transpile dir
    const samples = rotate(cmds, opts.quick ? 3 : 9);
    const ref = median(samples.get(cmds[2]!.label)!);
    const runs = cmds.map((c) => {
      const xs = samples.get(c.label)!;
      const ms = median(xs);
      opts.log(`  ${c.label}: ${ms.toFixed(0)} ms (${(ms / ref).toFixed(3)} of node:wasi)`);
      return { label: c.label, ms, samples: xs.length, vsNodeWasi: ms / ref };
    });
    const parts: Array<LargeResult['breakdown']> = [];
    for (let i = 0; i < (opts.quick ? 3 : 7); i++) {
      const r = spawnSync(node, ['--no-warnings', NODE_WASI_RUN, '--timing', YOSYS, '-V'], { encoding: 'utf8' });
      const line = r.stderr.trim().split('\n').pop() ?? '';
      parts.push(JSON.parse(line) as LargeResult['breakdown']);
    }
    const m = (k: keyof LargeResult['breakdown']): number => median(parts.map((p) => p[k]));
    const breakdown = { readMs: m('readMs'), compileMs: m('compileMs'), instantiateMs: m('instantiateMs'), startMs: m('startMs'), sinceProcessStartMs: m('sinceProcessStartMs') };
    opts.log(
      `  breakdown (node:wasi, fresh process): read ${breakdown.readMs.toFixed(0)} ms, compile ${breakdown.compileMs.toFixed(0)} ms, ` +
        `instantiate ${breakdown.instantiateMs.toFixed(0)} ms, _start ${breakdown.startMs.toFixed(0)} ms, ` +
        `process start to end ${breakdown.sinceProcessStartMs.toFixed(0)} ms`,
    );
    return { runs, breakdown, moduleBytes: statSync(YOSYS).size };
  } finally {
    rmSync(warmDir, { recursive: true, force: true });
    for (const d of colds) rmSync(d, { recursive: true, force: true });
  }
}

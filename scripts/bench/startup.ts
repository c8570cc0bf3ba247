/**
 * Suite 3: process startup for a small component (guest-examples/dist/hello.wasm):
 * `molt-wasm run` with a warm transpile cache, with a cold one (a fresh MOLT_WASM_CACHE_DIR
 * every run), `jco run` (node_modules/.bin/jco: transpiles into a temp dir every call and
 * spawns a child node), and `node -e 0` as the floor. Rotated order, medians.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, HELLO, ensureJco } from './paths.js';
import { median } from './stats.js';
import { rotate, timeProcess, type Cmd } from './spawn.js';

export interface StartupResult {
  readonly label: string;
  readonly ms: number;
  readonly samples: number;
  /** median of this / median of `jco run` */
  readonly vsJco: number;
}

export function benchStartup(opts: { quick: boolean; log: (s: string) => void }): StartupResult[] {
  const node = process.execPath;
  const warmDir = mkdtempSync(join(tmpdir(), 'molt-bench-warm-'));
  const colds: string[] = [];
  const expect = 'hello from a molt-wasm component';
  const cmds: Cmd[] = [
    { label: 'node -e 0 (floor)', argv: [node, '-e', '0'] },
    { label: 'molt-wasm run, warm cache', argv: [node, CLI, 'run', HELLO], env: { MOLT_WASM_CACHE_DIR: warmDir }, expect },
    {
      label: 'molt-wasm run, cold cache',
      argv: [node, CLI, 'run', HELLO],
      before: () => {
        const d = mkdtempSync(join(tmpdir(), 'molt-bench-cold-'));
        colds.push(d);
        return { MOLT_WASM_CACHE_DIR: d };
      },
      expect,
    },
    // the jco bin is a node script: run it with the same node, no /usr/bin/env lookup
    { label: 'jco run', argv: [node, ensureJco(opts.log), 'run', HELLO], expect },
  ];
  try {
    timeProcess(cmds[1]!); // fills the warm cache
    for (const c of cmds) timeProcess(c); // untimed warm-up of the page cache
    const samples = rotate(cmds, opts.quick ? 5 : 15);
    const jco = median(samples.get('jco run')!);
    const out: StartupResult[] = [];
    for (const c of cmds) {
      const xs = samples.get(c.label)!;
      const ms = median(xs);
      out.push({ label: c.label, ms, samples: xs.length, vsJco: ms / jco });
      opts.log(`  ${c.label}: ${ms.toFixed(0)} ms (${(ms / jco).toFixed(3)} of jco run)`);
    }
    return out;
  } finally {
    rmSync(warmDir, { recursive: true, force: true });
    for (const d of colds) rmSync(d, { recursive: true, force: true });
  }
}

/**
 * Suite 3: process startup, whole processes, rotated order, medians.
 *
 * - A preview1 hello (scripts/bench/hello-preview1.c, clang-16 + wasi-libc): `molt-wasm run`
 *   against Node's own node:wasi running the same module (node-wasi-run.js). No transpile
 *   cache is involved for a core module: every run reads and compiles it.
 * - A small component (guest-examples/dist/hello.wasm): `molt-wasm run` with a warm
 *   transpile cache, with a cold one (a fresh MOLT_WASM_CACHE_DIR every run), `jco run`
 *   (transpiles into a temp dir every call and spawns a child node).
 * - `node -e 0` as the floor.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_SRC, CLI, HELLO, ensureJco } from './paths.js';
import { median } from './stats.js';
import { rotate, timeProcess, type Cmd } from './spawn.js';

export interface StartupResult {
  readonly label: string;
  readonly ms: number;
  readonly samples: number;
  /** median of this / median of `jco run` */
  readonly vsJco: number;
  /** median of this / median of node:wasi running the preview1 hello */
  readonly vsNodeWasi: number;
}

export const NODE_WASI_HELLO = 'node:wasi, preview1 hello';
export const MOLT_PREVIEW1_HELLO = 'molt-wasm run, preview1 hello';
export const MOLT_WARM = 'molt-wasm run, warm cache';

const here = dirname(fileURLToPath(import.meta.url));
const NODE_WASI_RUN = join(here, 'node-wasi-run.js');

/** hello-preview1.c -> core module (clang-16, wasi-libc), cached by source hash. */
function buildPreview1Hello(): string {
  const src = join(BENCH_SRC, 'hello-preview1.c');
  const key = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 16);
  const work = join(tmpdir(), 'molt-wasm-bench');
  mkdirSync(work, { recursive: true });
  const out = join(work, `hello-preview1-${key}.wasm`);
  if (!existsSync(out))
    execFileSync(process.env.CLANG ?? 'clang-16', ['--target=wasm32-wasi', '-O2', '-s', '-o', out, src], { stdio: 'inherit' });
  return out;
}

export function benchStartup(opts: { quick: boolean; log: (s: string) => void }): StartupResult[] {
  const node = process.execPath;
  const warmDir = mkdtempSync(join(tmpdir(), 'molt-bench-warm-'));
  const colds: string[] = [];
  const expect = 'hello from a molt-wasm component';
  const p1 = buildPreview1Hello();
  const p1Expect = 'hello from a preview1 module';
  const cmds: Cmd[] = [
    { label: 'node -e 0 (floor)', argv: [node, '-e', '0'] },
    { label: NODE_WASI_HELLO, argv: [node, '--no-warnings', NODE_WASI_RUN, p1], expect: p1Expect },
    { label: MOLT_PREVIEW1_HELLO, argv: [node, CLI, 'run', p1], expect: p1Expect },
    { label: MOLT_WARM, argv: [node, CLI, 'run', HELLO], env: { MOLT_WASM_CACHE_DIR: warmDir }, expect },
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
    timeProcess(cmds.find((c) => c.label === MOLT_WARM)!); // fills the warm cache
    for (const c of cmds) timeProcess(c); // untimed warm-up of the page cache
    const samples = rotate(cmds, opts.quick ? 5 : 15);
    const jco = median(samples.get('jco run')!);
    const nodeWasi = median(samples.get(NODE_WASI_HELLO)!);
    const out: StartupResult[] = [];
    for (const c of cmds) {
      const xs = samples.get(c.label)!;
      const ms = median(xs);
      out.push({ label: c.label, ms, samples: xs.length, vsJco: ms / jco, vsNodeWasi: ms / nodeWasi });
      opts.log(`  ${c.label}: ${ms.toFixed(0)} ms (${(ms / nodeWasi).toFixed(3)} of node:wasi hello, ${(ms / jco).toFixed(3)} of jco run)`);
    }
    return out;
  } finally {
    rmSync(warmDir, { recursive: true, force: true });
    for (const d of colds) rmSync(d, { recursive: true, force: true });
  }
}

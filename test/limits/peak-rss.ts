/**
 * Runs `molt-wasm run ...` in a child process and reads its peak resident set size. The child
 * is started with `node --import <reporter>`: the reporter writes
 * `process.resourceUsage().maxRSS` (the kernel's ru_maxrss, whole process, every thread) to a
 * file when the process exits, however it exits (return, exit code, guest trap). A child killed
 * by a signal (the kernel's OOM killer, V8's fatal out-of-memory abort) writes nothing: that is
 * reported as a failure, with the signal.
 *
 * The guest's stdout goes to /dev/null (a file: Node writes it synchronously, so nothing is
 * buffered in the child), stdin is /dev/null, stderr is collected.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../node-host/helpers.js';

const BIN = join(REPO, 'bin', 'molt-wasm.js');

export interface PeakRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  /** Peak RSS in bytes. */
  readonly peakRss: number;
}

const REPORTER = `import { writeFileSync } from 'node:fs';
process.on('exit', () => writeFileSync(process.env.MOLT_PEAK_RSS_OUT, String(process.resourceUsage().maxRSS * 1024)));
`;

/** `node --import reporter bin/molt-wasm.js run ARGS` with `cacheDir` as the transpile cache. */
export function runForPeakRss(work: string, cacheDir: string, args: readonly string[]): PeakRun {
  const reporter = join(work, 'peak-rss-reporter.mjs');
  if (!existsSync(reporter)) writeFileSync(reporter, REPORTER);
  const out = join(work, 'peak-rss.txt');
  rmSync(out, { force: true });
  const r = spawnSync(process.execPath, ['--import', reporter, BIN, 'run', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, MOLT_WASM_CACHE_DIR: cacheDir, MOLT_PEAK_RSS_OUT: out },
    maxBuffer: 16 * 1024 * 1024,
  });
  if (!existsSync(out)) {
    throw new Error(`molt-wasm run ${args.join(' ')}: no RSS report (status ${r.status}, signal ${r.signal}): ${r.stderr}`);
  }
  return { code: r.status, signal: r.signal, stderr: r.stderr, peakRss: Number(readFileSync(out, 'utf8')) };
}

export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

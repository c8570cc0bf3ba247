/**
 * Runs the `molt-wasm` CLI of this checkout as a child process (the tests that check what a
 * user sees: exit codes, stdout, stderr). One helper for every CLI test file.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (dist/test/ is two levels below it). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MOLT_BIN = join(REPO_ROOT, 'bin/molt-wasm.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Working directory of the child. */
  readonly cwd: string;
  /** Its stdin (default: inherited nothing, an empty pipe when given ''). */
  readonly input?: string;
  /** A private transpile cache (MOLT_WASM_CACHE_DIR); default: the user's. */
  readonly cacheDir?: string;
  /** Kill the child after this long (a hung CLI fails the test, never hangs it). Default 120 s. */
  readonly timeoutMs?: number;
}

export function runMolt(args: readonly string[], o: CliRunOptions): CliRun {
  const r = spawnSync(process.execPath, [MOLT_BIN, ...args], {
    cwd: o.cwd,
    encoding: 'utf8',
    ...(o.input !== undefined ? { input: o.input } : {}),
    timeout: o.timeoutMs ?? 120_000,
    env: { ...process.env, ...(o.cacheDir !== undefined ? { MOLT_WASM_CACHE_DIR: o.cacheDir } : {}) },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root: dist/scripts/bench/ is three levels below it. */
export const ROOT = resolve(here, '..', '..', '..');
export const BENCH_SRC = join(ROOT, 'scripts', 'bench');
export const CLI = join(ROOT, 'bin', 'molt-wasm.js');
export const HELLO = join(ROOT, 'guest-examples', 'dist', 'hello.wasm');
export const YOSYS = join(ROOT, 'node_modules', '@yowasp', 'yosys', 'gen', 'yosys.core.wasm');

/** The jco release `jco run` is compared against (the version this project's notes were checked on). */
export const JCO_VERSION = '1.35.0';

/**
 * Path to jco's CLI script for the startup comparison. jco is not a dependency of this project
 * (its platform-specific optional packages are missing from the registry mirror CI uses, which
 * breaks `npm ci`), so it is installed once on demand with `npm install` (which tolerates the
 * missing optional packages) into the user's cache, or taken from $MOLT_BENCH_JCO.
 */
export function ensureJco(log: (line: string) => void): string {
  if (process.env.MOLT_BENCH_JCO) return process.env.MOLT_BENCH_JCO;
  const dir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'molt-wasm', `bench-jco-${JCO_VERSION}`);
  const script = join(dir, 'node_modules', '@bytecodealliance', 'jco', 'dist', 'jco.js');
  if (!existsSync(script)) {
    log(`installing @bytecodealliance/jco@${JCO_VERSION} into ${dir} for the jco run comparison (once)...`);
    mkdirSync(dir, { recursive: true });
    execFileSync(
      'npm',
      ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', `@bytecodealliance/jco@${JCO_VERSION}`],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (!existsSync(script)) throw new Error(`jco was installed but ${script} is missing`);
  }
  return script;
}

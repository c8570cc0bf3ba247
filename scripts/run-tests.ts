// Runs the test files, and only the test files, under dist/test/ with node:test.
//
//   node dist/scripts/run-tests.js unit|e2e|all [--list] [-- extra node --test options]
//
// Node 20's `node --test DIR` runs every .js file below a `test` directory, helper modules
// included, and takes no glob; so this lists `dist/test/**/*.test.js` itself and passes the
// files to one `node --test` (one process per file, --test-concurrency in parallel).
//
// The two suites: `e2e` is every file that starts processes or a browser (the CLI, guest
// examples through their README commands, Chromium, the WASI testsuite, real programs from
// registry packages); `unit` is the rest, which runs guests in this process through the
// library. Every test file is in exactly one of them, so `all` is their union.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TESTS = join(ROOT, 'dist', 'test');

/** Paths (relative to dist/test/, a directory or a file) that make up the e2e suite. */
export const E2E: readonly string[] = [
  'browser/',
  'cli-build/',
  'export-spin/cli.test.js',
  'guest-examples/',
  'parity/parity.test.js',
  'real-guests/',
  'package/',
  'limits/limits.test.js',
  'adversarial/hang-timeout.test.js',
  'adversarial/fsat-fallback.test.js',
  'node-host/cli-run.test.js',
  'preview1/conformance.test.js',
  'prompt/tty.test.js',
];

export type Suite = 'unit' | 'e2e' | 'all';

/** Every `*.test.js` below `dir`, sorted, as paths relative to it with `/` separators. */
export function listTestFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && entry.name.endsWith('.test.js')) out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

export function isE2e(file: string): boolean {
  return E2E.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p));
}

/** The files of `suite`; throws when an E2E entry names nothing (a rename must not move tests silently). */
export function selectTests(files: readonly string[], suite: Suite): string[] {
  for (const p of E2E) {
    if (!files.some((f) => (p.endsWith('/') ? f.startsWith(p) : f === p))) {
      throw new Error(`run-tests: the e2e list names ${p}, which holds no *.test.js file`);
    }
  }
  if (suite === 'all') return [...files];
  return files.filter((f) => isE2e(f) === (suite === 'e2e'));
}

function main(argv: string[]): number {
  const dash = argv.indexOf('--');
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const extra = dash === -1 ? [] : argv.slice(dash + 1);
  const suite = own.find((a) => !a.startsWith('-')) ?? 'all';
  if (suite !== 'unit' && suite !== 'e2e' && suite !== 'all') {
    process.stderr.write(`run-tests: unknown suite ${JSON.stringify(suite)} (unit, e2e or all)\n`);
    return 64;
  }
  if (!existsSync(TESTS)) {
    process.stderr.write(`run-tests: ${TESTS} not found: run npm run build first\n`);
    return 64;
  }
  const files = selectTests(listTestFiles(TESTS), suite);
  if (own.includes('--list')) {
    process.stdout.write(files.map((f) => `${f}\n`).join(''));
    return 0;
  }
  // Files run in parallel, one process each; the e2e files spawn processes of their own, so
  // more than the machine's cores only adds contention.
  const concurrency = Math.max(2, availableParallelism());
  const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...extra, ...files.map((f) => join(TESTS, f))], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}

/**
 * Part of `npm run build` (and `prepare`): bundles the CLI (dist/host/cli/main.js, tsc's
 * output) with esbuild into ONE file, dist/host/node/cli.bundle.js, which bin/molt-wasm.js
 * loads instead of ~130 separate ES modules. Node 20's ES module loader resolves, reads and
 * links each module on its own (asynchronously, with a URL parse and a stat or two each):
 * for a preview1 hello that was most of the start-up cost above `node -e 0`.
 *
 * - commander, smol-toml and @noble/hashes are bundled (pure JS; commander is CommonJS, so
 *   the bundle gets a `require` from createRequire for the Node built-ins it requires).
 * - @bytecodealliance/preview2-shim and @bytecodealliance/jco-transpile stay external: both
 *   are imported dynamically, only when a run needs them, and the shim must be the one
 *   instance jco's generated bindings and molt-wasm's host share (resources are checked with
 *   `instanceof`); it also finds its worker script next to itself.
 * - The bundle sits in dist/host/node/ because the bundled code finds files relative to
 *   `import.meta.url` as if it were its own module: the worker entries (`./http-worker.js`,
 *   `./worker-runner-entry.js`, both in dist/host/node/), package.json and the native addon
 *   three levels up. After bundling every `new URL('./…', import.meta.url)` in the output is
 *   checked to name a file that exists, so a module that moves breaks the build, not a run.
 *
 * bin/molt-wasm.js falls back to dist/host/cli/main.js when the bundle is missing or older
 * than tsc's output (a `tsc` run without this step), so a stale bundle is never run.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
// dist/scripts/bundle-cli.js -> repository root two levels up
const ROOT = resolve(here, '..', '..');
export const CLI_ENTRY = join(ROOT, 'dist', 'host', 'cli', 'main.js');
export const CLI_BUNDLE = join(ROOT, 'dist', 'host', 'node', 'cli.bundle.js');

/** Loaded at run time, only when needed, from node_modules (see the module comment). */
const EXTERNAL = [
  '@bytecodealliance/preview2-shim',
  '@bytecodealliance/preview2-shim/*',
  '@bytecodealliance/jco-transpile',
  '@bytecodealliance/jco-transpile/*',
];

/**
 * commander requires node:child_process at load, for subcommands that are separate
 * executables, which molt-wasm has none of; loading it brings in the net stack. Here
 * commander gets an object that requires the real module on first use.
 */
const lazyChildProcessForCommander: esbuild.Plugin = {
  name: 'lazy-child-process-for-commander',
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-builtin' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

/** Chunks of an earlier build: their names carry a hash, so a new build leaves them behind. */
const CHUNK_PREFIX = 'cli-chunk-';

export async function bundleCli(): Promise<{ files: Array<{ path: string; bytes: number }> }> {
  const outdir = dirname(CLI_BUNDLE);
  for (const f of readdirSync(outdir)) if (f.startsWith(CHUNK_PREFIX)) rmSync(join(outdir, f));
  const result = await esbuild.build({
    entryPoints: { [basename(CLI_BUNDLE, '.js')]: CLI_ENTRY },
    outdir,
    // A module imported dynamically (host/node/platform.js, which imports preview2-shim) goes
    // into a chunk of its own, loaded only when a run needs it; code both sides use goes into
    // a shared chunk, so no module exists twice (one MoltError class, one shim instance).
    splitting: true,
    chunkNames: `${CHUNK_PREFIX}[name]-[hash]`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    // CommonJS dependencies (commander) call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __moltCreateRequire } from 'node:module'; const require = __moltCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
    legalComments: 'none',
    // Fewer bytes for V8 to scan at every start; identifiers are kept, so stack traces and
    // class names (error names) still read.
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    plugins: [lazyChildProcessForCommander],
  });
  const files: Array<{ path: string; bytes: number }> = [];
  const missing: string[] = [];
  for (const out of Object.keys(result.metafile.outputs)) {
    const path = resolve(ROOT, out);
    const text = readFileSync(path, 'utf8');
    for (const m of text.matchAll(/new URL\(\s*["'](\.{1,2}\/[^"']+)["']\s*,\s*import\.meta\.url\s*\)/g)) {
      const target = resolve(dirname(path), m[1]!);
      if (!existsSync(target)) missing.push(`${m[1]} in ${out} (${target})`);
    }
    files.push({ path, bytes: statSync(path).size });
  }
  if (missing.length > 0) throw new Error(`the CLI bundle refers to files that are not there: ${missing.join(', ')}`);
  return { files };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { files } = await bundleCli();
  for (const f of files) process.stdout.write(`bundled the CLI: ${f.path} (${(f.bytes / 1024).toFixed(0)} KiB)\n`);
}

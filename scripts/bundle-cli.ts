/**
 * Part of `npm run build` (and `prepare`): bundles the CLI (dist/host/cli/main.js, tsc's
 * output) with esbuild into ONE file, dist/host/node/cli.bundle.cjs, which bin/molt-wasm.js
 * runs (through host/cli/launch.ts, itself built as dist/host/node/cli-launch.cjs) instead of
 * ~130 separate ES modules. Node 20's ES module
 * loader resolves, reads and links each module on its own: for a preview1 hello that was most
 * of the start-up cost above `node -e 0`.
 *
 * - The bundle is a CommonJS-format script, not an ES module: launch.ts compiles it with
 *   `vm.Script` and a V8 code cache, which Node 20 offers for scripts only. `import.meta.url`
 *   becomes the launcher's `__moltImportMetaUrl` (the bundle's own file URL) and
 *   host/node/import-module.ts (the one `import()` of modules outside the bundle) calls the
 *   launcher's `__moltImportModule`; after bundling, the metafile is checked to hold no other
 *   dynamic import, which the script could not run.
 * - Modules imported dynamically inside the bundle (the subcommands other than `run`, the
 *   preview2-shim platform) are bundled too, each evaluated only on its first import.
 * - commander, smol-toml and @noble/hashes are bundled (pure JS).
 * - @bytecodealliance/preview2-shim and @bytecodealliance/jco-transpile stay external. The shim
 *   (an ES module) is `require`d by the modules that import it statically, which Node runs as
 *   require(esm) (20.19+; bin/molt-wasm.js checks `process.features.require_module`): the same
 *   module instance jco's generated bindings import (resources are checked with
 *   `instanceof`). It also finds its worker script next to itself.
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
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
// dist/scripts/bundle-cli.js -> repository root two levels up
const ROOT = resolve(here, '..', '..');
export const CLI_ENTRY = join(ROOT, 'dist', 'host', 'cli', 'main.js');
export const CLI_BUNDLE = join(ROOT, 'dist', 'host', 'node', 'cli.bundle.cjs');
/** The launcher (host/cli/launch.ts) as CommonJS, which bin/molt-wasm.js requires. */
export const CLI_LAUNCH_ENTRY = join(ROOT, 'dist', 'host', 'cli', 'launch.js');
export const CLI_LAUNCH = join(ROOT, 'dist', 'host', 'node', 'cli-launch.cjs');
/** The module the bundle replaces with the launcher's `import()` (see the module comment). */
const IMPORT_MODULE = join(ROOT, 'dist', 'host', 'node', 'import-module.js');

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

/** host/node/import-module.js, as the bundle has it: the launcher's `import()`. */
const launcherImport: esbuild.Plugin = {
  name: 'launcher-import',
  setup(build) {
    build.onLoad({ filter: /[\\/]import-module\.js$/ }, (args) =>
      resolve(args.path) === IMPORT_MODULE
        ? { contents: 'export const importModule = (specifier) => __moltImportModule(specifier);', loader: 'js' }
        : undefined,
    );
  },
};

/** Files of earlier builds (the ES module bundle and its chunks) that nothing loads any more. */
const OLD_OUTPUTS = /^cli(-chunk-.*|\.bundle)\.js$/;

export async function bundleCli(): Promise<{ files: Array<{ path: string; bytes: number }> }> {
  const outdir = dirname(CLI_BUNDLE);
  for (const f of readdirSync(outdir)) if (OLD_OUTPUTS.test(f)) rmSync(join(outdir, f));
  const result = await esbuild.build({
    entryPoints: [CLI_ENTRY],
    outfile: CLI_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: EXTERNAL,
    define: { 'import.meta.url': '__moltImportMetaUrl' },
    logLevel: 'warning',
    legalComments: 'none',
    // Fewer bytes to read and check at every start; identifiers are kept, so stack traces
    // and class names (error names) still read.
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    plugins: [lazyChildProcessForCommander, launcherImport],
  });
  // The launcher: small (it and the cache-root module), CommonJS so bin/molt-wasm.js can
  // require it and a start never initialises the ES module loader.
  const launcher = await esbuild.build({
    entryPoints: [CLI_LAUNCH_ENTRY],
    outfile: CLI_LAUNCH,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    legalComments: 'none',
    metafile: true,
  });
  for (const [out, meta] of Object.entries(launcher.metafile.outputs)) {
    const bundled = Object.keys(meta.inputs).sort();
    if (bundled.join() !== ['dist/host/cli/launch.js', 'dist/host/node/cache-dir.js'].join())
      throw new Error(`${out} should hold the launcher and the cache-root module only, not ${bundled.join(', ')}`);
    result.metafile.outputs[out] = meta;
  }
  for (const [out, meta] of Object.entries(result.metafile.outputs)) {
    const dynamic = meta.imports.filter((i) => i.kind === 'dynamic-import');
    if (dynamic.length > 0)
      throw new Error(`${out} keeps a dynamic import(), which the code-cached script cannot run: ${dynamic.map((i) => i.path).join(', ')}`);
  }
  const files: Array<{ path: string; bytes: number }> = [];
  const missing: string[] = [];
  for (const out of Object.keys(result.metafile.outputs)) {
    const path = resolve(ROOT, out);
    const text = readFileSync(path, 'utf8');
    for (const m of text.matchAll(/new URL\(\s*["'](\.{1,2}\/[^"']+)["']\s*,\s*__moltImportMetaUrl\s*\)/g)) {
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

/**
 * `npm run build:browser`: bundles the browser host with esbuild (ESM, minified, code split)
 * into web/dist/, next to the demo page (web/index.html) that uses it:
 *
 * - molt-browser.js   `molt-wasm/browser` (host/browser/index.ts): policy core, gate, preview1
 * - app.js            the demo page's script (web/app.ts)
 * - parity-driver.js  the probe runner the browser parity runner drives (test/browser/)
 * - chunk-*.js        shared code, and the in-browser transpiler, loaded only for components
 * - js-component-bindgen-component.core*.wasm  the transpiler's own wasm (fetched by it)
 * - examples/         guest-examples/dist/*.wasm and examples.json, for the demo's picker
 *
 * Node built-ins are stubbed out (jco's transpiler has a Node-only branch behind a runtime
 * check) and the output is checked for any `node:` specifier left: the bundle must have none.
 * Prints the size of the host (what an app loads before running a core module or denying a
 * call) and of the transpiler.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
// dist/scripts/build-browser.js -> repository root two levels up
export const ROOT = resolve(here, '..', '..');
export const WEB = join(ROOT, 'web');
export const OUT = join(WEB, 'dist');
const DEFAULT_OUT = OUT;

/** Every `node:` import resolves to a module that throws if it is ever reached. */
const noNodeBuiltins: esbuild.Plugin = {
  name: 'no-node-builtins',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: 'node-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'node-stub' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not available in the browser`)});`,
      loader: 'js',
    }));
  },
};

function kb(n: number): string {
  return `${(n / 1024).toFixed(1)} KiB`;
}

/** The description line of an example (its README's first paragraph line after the title). */
function describe(name: string): string {
  const readme = join(ROOT, 'guest-examples', name, 'README.md');
  if (!existsSync(readme)) return '';
  const lines = readFileSync(readme, 'utf8')
    .split('\n')
    .map((l) => l.trim());
  return lines.find((l) => l !== '' && !l.startsWith('#')) ?? '';
}

/** Seed files for the demo: the files example's /data directory, as text. */
function exampleFiles(): Record<string, string> {
  const dir = join(ROOT, 'guest-examples', 'files', 'data');
  const out: Record<string, string> = {};
  if (existsSync(dir))
    for (const n of readdirSync(dir)) if (statSync(join(dir, n)).isFile()) out[`/data/${n}`] = readFileSync(join(dir, n), 'utf8');
  return out;
}

function copyExamples(out: string): number {
  const src = join(ROOT, 'guest-examples', 'dist');
  const dst = join(out, 'examples');
  mkdirSync(dst, { recursive: true });
  const names = existsSync(src)
    ? readdirSync(src)
        .filter((n) => n.endsWith('.wasm'))
        .sort()
    : [];
  for (const n of names) copyFileSync(join(src, n), join(dst, n));
  const index = names.map((n) => ({
    name: n.replace(/\.wasm$/, ''),
    file: `examples/${n}`,
    description: describe(n.replace(/\.wasm$/, '')),
  }));
  writeFileSync(join(dst, 'examples.json'), JSON.stringify({ examples: index, files: exampleFiles() }, null, 2));
  return names.length;
}

/** Sum of an output file and every chunk it imports statically (what loading it costs). */
function staticClosure(meta: esbuild.Metafile, entry: string): { bytes: number; gzip: number; files: string[] } {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imp of meta.outputs[file]?.imports ?? []) if (imp.kind === 'import-statement' && !imp.external) visit(imp.path);
  };
  visit(entry);
  let bytes = 0;
  let gzip = 0;
  for (const f of seen) {
    const b = readFileSync(join(ROOT, f));
    bytes += b.length;
    gzip += gzipSync(b).length;
  }
  return { bytes, gzip, files: [...seen] };
}

/**
 * @param options.out where to write (default web/dist/). The tests build into their own
 *   temporary site so parallel test processes never see each other's half-written output.
 */
export async function buildBrowser(options: { quiet?: boolean; out?: string } = {}): Promise<{ hostBytes: number; hostGzip: number }> {
  const log = options.quiet ? () => {} : (s: string) => console.log(s);
  const OUT = options.out ?? DEFAULT_OUT;
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: {
      'molt-browser': 'host/browser/index.ts',
      app: 'web/app.ts',
      'parity-driver': 'test/browser/probe-driver.ts',
    },
    outdir: relative(ROOT, OUT),
    bundle: true,
    format: 'esm',
    splitting: true,
    minify: true,
    sourcemap: false,
    platform: 'browser',
    target: ['es2022', 'chrome120', 'firefox120', 'safari17'],
    // `?.` etc. stay; the transpiler's vendored wasm URLs (new URL(..., import.meta.url))
    // are left alone: the files are copied next to the chunks below.
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [noNodeBuiltins],
  });
  const meta = result.metafile;

  // The transpiler's core wasm, next to the chunks that fetch it.
  const require = createRequire(import.meta.url);
  const vendor = join(dirname(require.resolve('@bytecodealliance/jco-transpile/component')));
  for (const n of readdirSync(vendor).filter((x) => x.startsWith('js-component-bindgen-component') && x.endsWith('.wasm')))
    copyFileSync(join(vendor, n), join(OUT, n));

  // No Node built-in may survive in the bundle (the stub namespace replaces every `node:` import).
  for (const f of Object.keys(meta.outputs).filter((x) => x.endsWith('.js'))) {
    const text = readFileSync(join(ROOT, f), 'utf8');
    const m = /(?:from|import\()\s*["']node:[^"']+["']|require\(["'](?:node:)?(?:fs|path|os|child_process|crypto)["']\)/.exec(text);
    if (m) throw new Error(`${f} still imports a Node built-in: ${m[0]}`);
  }

  const examples = copyExamples(OUT);
  const host = staticClosure(meta, relative(ROOT, join(OUT, 'molt-browser.js')));
  const all = Object.keys(meta.outputs).filter((x) => x.endsWith('.js'));
  const transpiler = all.filter((f) => Object.keys(meta.outputs[f]!.inputs).some((i) => i.includes('jco-transpile')));
  const tBytes = transpiler.reduce((n, f) => n + meta.outputs[f]!.bytes, 0);
  const wasmBytes = readdirSync(OUT)
    .filter((x) => x.endsWith('.wasm'))
    .reduce((n, x) => n + statSync(join(OUT, x)).size, 0);
  log(`browser bundle: ${relative(ROOT, OUT)}/ (${all.length} js files, ${examples} example guests)`);
  log(`  molt-wasm/browser host: ${kb(host.bytes)} minified, ${kb(host.gzip)} gzip (${host.files.length} file(s), no Node built-ins)`);
  log(`  in-browser transpiler (lazy, components only): ${kb(tBytes)} js + ${kb(wasmBytes)} wasm`);
  return { hostBytes: host.bytes, hostGzip: host.gzip };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await buildBrowser();
  } catch (e) {
    console.error(`build:browser failed: ${(e as Error).message}`);
    process.exit(1);
  }
}

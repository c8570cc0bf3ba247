/**
 * Reference runner for the large-guest suite: runs a preview1 core module with Node's own
 * (ungated) `node:wasi`, and with `--timing` prints one JSON line on stderr with the time
 * spent compiling, instantiating and running `_start`.
 *
 *   node dist/scripts/bench/node-wasi-run.js [--timing] [--dir GUEST=HOST]... <module.wasm> [args...]
 *
 * `--dir` preopens a host directory at a guest path (the large suite's synthesis row gives
 * Yosys its share directory and the design this way, as `molt-wasm run --dir` does).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { WASI } from 'node:wasi';

const argv = process.argv.slice(2);
const timing = argv[0] === '--timing';
if (timing) argv.shift();
const preopens: Record<string, string> = {};
while (argv[0] === '--dir') {
  const spec = argv[1] ?? '';
  const eq = spec.indexOf('=');
  if (eq <= 0) break;
  preopens[spec.slice(0, eq)] = spec.slice(eq + 1);
  argv.splice(0, 2);
}
const [file, ...args] = argv;
if (file === undefined || file === '--dir') {
  process.stderr.write('usage: node-wasi-run.js [--timing] [--dir GUEST=HOST]... <module.wasm> [args...]\n');
  process.exit(64);
}
const t0 = performance.now();
const bytes = readFileSync(file);
const t1 = performance.now();
const module = await WebAssembly.compile(bytes);
const t2 = performance.now();
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {}, preopens, returnOnExit: true });
const instance = await WebAssembly.instantiate(module, wasi.getImportObject() as WebAssembly.Imports);
const t3 = performance.now();
const code = wasi.start(instance);
const t4 = performance.now();
if (timing) {
  process.stderr.write(
    JSON.stringify({
      readMs: t1 - t0,
      compileMs: t2 - t1,
      instantiateMs: t3 - t2,
      startMs: t4 - t3,
      sinceProcessStartMs: performance.now(),
    }) + '\n',
  );
}
process.exitCode = code;

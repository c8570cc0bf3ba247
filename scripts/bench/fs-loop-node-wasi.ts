/**
 * The reference side of the file I/O benchmark: runs fs-loop.wasm under Node's own
 * (ungated) `node:wasi` with one preopen, `node dist/scripts/bench/fs-loop-node-wasi.js
 * <module.wasm> <host dir> <iterations>`; the guest prints its own timing.
 */
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const [file, dir, iterations] = process.argv.slice(2);
if (file === undefined || dir === undefined || iterations === undefined) {
  process.stderr.write('usage: fs-loop-node-wasi.js <module.wasm> <host dir> <iterations>\n');
  process.exit(64);
}
const wasi = new WASI({
  version: 'preview1',
  args: ['fs-loop', '/data', iterations],
  env: {},
  preopens: { '/data': dir },
  returnOnExit: true,
});
const module = await WebAssembly.compile(readFileSync(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject() as WebAssembly.Imports);
process.exitCode = wasi.start(instance);

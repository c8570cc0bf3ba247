import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root: dist/scripts/bench/ is three levels below it. */
export const ROOT = resolve(here, '..', '..', '..');
export const BENCH_SRC = join(ROOT, 'scripts', 'bench');
export const CLI = join(ROOT, 'bin', 'molt-wasm.js');
export const JCO = join(ROOT, 'node_modules', '.bin', 'jco');
export const HELLO = join(ROOT, 'guest-examples', 'dist', 'hello.wasm');
export const YOSYS = join(ROOT, 'node_modules', '@yowasp', 'yosys', 'gen', 'yosys.core.wasm');

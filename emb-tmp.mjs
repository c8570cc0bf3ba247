import { _addPreopen } from '@bytecodealliance/preview2-shim/filesystem'; _addPreopen('/', '/');
import * as j from '@bytecodealliance/jco';
const wabt = await (await import('wabt')).default();
const m = wabt.parseWat('t.wat', '(module (memory (export "memory") 1) (func (export "wasi:cli/run@0.2.12#run") (result i32) i32.const 0))');
const bin = m.toBinary({}).buffer;
for (const [p, w] of [[process.argv[2], process.argv[3]]]) {
try { const emb = await j.componentEmbed({ binary: bin, witPath: p, world: w });
const c = await j.componentNew(emb);
console.log(await j.componentWit(c)); } catch (e) { console.log('ERR', e.message, JSON.stringify(e.payload ?? e.cause ?? null)); }
}

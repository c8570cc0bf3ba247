/**
 * For the in-process pooled-memory tests (serve-pooled-memory-*.test.ts): a small core
 * module that defines its memory, rewritten to import it (host/serve/memory-import.ts) as
 * `molt-wasm serve` does, and a pool for it. Exports: write(addr, value), read(addr),
 * callback() (calls the host's `cb`, then writes MARKER at 100: code of the instance that
 * runs after the host returns), `memory`, and `table` holding `write`.
 */
import { importDefinedMemory } from '../../host/serve/memory-import.js';
import { MemoryPool } from '../../host/serve/memory-pool.js';
import { watToCore } from '../../scripts/lib/componentize.js';

export const MARKER = 0x5ec2e7;

const WAT = `(module
  (import "host" "cb" (func $cb))
  (memory (export "memory") 1)
  (table (export "table") 1 funcref)
  (elem (i32.const 0) func $write)
  (func $write (export "write") (param $a i32) (param $v i32) (i32.store (local.get $a) (local.get $v)))
  (func (export "read") (param $a i32) (result i32) (i32.load (local.get $a)))
  (func (export "callback") (call $cb) (i32.store (i32.const 100) (i32.const ${MARKER}))))`;

export interface Guest {
  write(a: number, v: number): void;
  read(a: number): number;
  callback(): void;
  memory: WebAssembly.Memory;
  table: WebAssembly.Table;
}

export async function pooledGuest(): Promise<{ module: WebAssembly.Module; pool: MemoryPool }> {
  const rewritten = importDefinedMemory(await watToCore(WAT, 'pooled-memory.wat'));
  if (rewritten === undefined) throw new Error('the test module was not rewritten to import its memory');
  const module = await WebAssembly.compile(rewritten.bytes as Uint8Array<ArrayBuffer>);
  return { module, pool: new MemoryPool(new Map([[module, rewritten.memory]])) };
}

/**
 * Test helper: a small WAT core module that imports preview1 functions and re-exports each
 * as a wasm function that calls it (so arguments really cross the wasm -> JS boundary, i64s
 * as BigInt), plus `grow` (memory.grow) and an exported memory.
 */
import wabtInit from 'wabt';
import { createPreview1Imports, type Preview1Imports, type WasiImportObject } from '../../host/preview1/index.js';
import { double } from '../support/test-double.js';

type T = 'i32' | 'i64';
const SIGNATURES = {
  args_get: { params: ['i32', 'i32'], result: true },
  args_sizes_get: { params: ['i32', 'i32'], result: true },
  environ_sizes_get: { params: ['i32', 'i32'], result: true },
  clock_time_get: { params: ['i32', 'i64', 'i32'], result: true },
  fd_close: { params: ['i32'], result: true },
  fd_fdstat_get: { params: ['i32', 'i32'], result: true },
  fd_fdstat_set_flags: { params: ['i32', 'i32'], result: true },
  fd_fdstat_set_rights: { params: ['i32', 'i64', 'i64'], result: true },
  fd_prestat_get: { params: ['i32', 'i32'], result: true },
  fd_prestat_dir_name: { params: ['i32', 'i32', 'i32'], result: true },
  fd_read: { params: ['i32', 'i32', 'i32', 'i32'], result: true },
  fd_readdir: { params: ['i32', 'i32', 'i32', 'i64', 'i32'], result: true },
  fd_renumber: { params: ['i32', 'i32'], result: true },
  fd_seek: { params: ['i32', 'i64', 'i32', 'i32'], result: true },
  fd_write: { params: ['i32', 'i32', 'i32', 'i32'], result: true },
  path_create_directory: { params: ['i32', 'i32', 'i32'], result: true },
  path_open: { params: ['i32', 'i32', 'i32', 'i32', 'i32', 'i64', 'i64', 'i32', 'i32'], result: true },
  poll_oneoff: { params: ['i32', 'i32', 'i32', 'i32'], result: true },
  proc_exit: { params: ['i32'], result: false },
  random_get: { params: ['i32', 'i32'], result: true },
  sock_shutdown: { params: ['i32', 'i32'], result: true },
} satisfies Record<string, { params: T[]; result: boolean }>;

export function guestWat(): string {
  const imports: string[] = [];
  const wrappers: string[] = [];
  for (const [name, sig] of Object.entries(SIGNATURES) as Array<[string, { params: T[]; result: boolean }]>) {
    const params = sig.params.map((t) => `(param ${t})`).join(' ');
    const result = sig.result ? '(result i32)' : '';
    imports.push(`(import "wasi_snapshot_preview1" "${name}" (func $${name} ${params} ${result}))`);
    const gets = sig.params.map((_, i) => `local.get ${i}`).join(' ');
    wrappers.push(`(func (export "${name}") ${params} ${result} ${gets} call $${name})`);
  }
  return `(module
  ${imports.join('\n  ')}
  (memory (export "memory") 1)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "_start") i32.const 33 call $proc_exit)
  ${wrappers.join('\n  ')})`;
}

let compiled: WebAssembly.Module | undefined;

export async function guestModule(): Promise<WebAssembly.Module> {
  if (!compiled) {
    const wabt = await wabtInit();
    const parsed = wabt.parseWat('guest.wat', guestWat());
    const { buffer } = parsed.toBinary({});
    parsed.destroy();
    compiled = await WebAssembly.compile(buffer as Uint8Array<ArrayBuffer>);
  }
  return compiled;
}

/** The re-exported preview1 functions by name (a closed set, so each lookup is defined). */
export type GuestExports = Record<keyof typeof SIGNATURES | 'grow' | '_start', (...args: any[]) => any> & { memory: WebAssembly.Memory };

export interface Guest {
  exports: GuestExports;
  instance: WebAssembly.Instance;
  p1: Preview1Imports;
  view(): DataView;
  bytes(ptr: number, len: number): Uint8Array;
  put(ptr: number, data: Uint8Array | string): void;
}

export async function instantiateGuest(wasi: object): Promise<Guest> {
  const p1 = createPreview1Imports(double<WasiImportObject>(wasi));
  const instance = await WebAssembly.instantiate(await guestModule(), p1.imports as unknown as WebAssembly.Imports);
  p1.bindMemory(instance);
  const exports = instance.exports as unknown as GuestExports;
  return {
    exports,
    instance,
    p1,
    view: () => new DataView(exports.memory.buffer),
    bytes: (ptr, len) => new Uint8Array(exports.memory.buffer, ptr, len).slice(),
    put: (ptr, data) => new Uint8Array(exports.memory.buffer).set(typeof data === 'string' ? new TextEncoder().encode(data) : data, ptr),
  };
}

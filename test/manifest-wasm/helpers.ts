/** Test wasm builders: WAT via wabt, components via wasm-tools' componentNew + the preview1 adapter (scripts/lib/componentize.ts). */
import { adaptPreview1, watToCore } from '../../scripts/lib/componentize.js';

/** WAT to a core module, the guest build's way (scripts/lib/componentize.ts). */
export function wat(src: string): Promise<Uint8Array> {
  return watToCore(src, 'test.wat');
}

/** A preview1 command module that writes to stdout and reads the clock. */
export const PREVIEW1_WAT = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0)))
    (drop (call $clock (i32.const 0) (i64.const 0) (i32.const 0)))
    (drop (call $args (i32.const 0) (i32.const 0)))))`;

export async function preview1Module(): Promise<Uint8Array> {
  return wat(PREVIEW1_WAT);
}

let componentCache: Uint8Array | undefined;

/** PREVIEW1_WAT adapted to a WASI 0.2 command component (imports stdio, clocks, preopens...). */
export async function adaptedComponent(): Promise<Uint8Array> {
  if (componentCache) return componentCache;
  componentCache = new Uint8Array(await adaptPreview1(await preview1Module()));
  return componentCache;
}

/** Test wasm builders: WAT via wabt, components via wasm-tools' componentNew + the preview1 adapter. */
import { readFileSync } from 'node:fs';
import wabtInit from 'wabt';
import { componentNew, preview1AdapterPath } from '../../scripts/lib/componentize.js';

let wabtPromise: ReturnType<typeof wabtInit> | undefined;

export async function wat(src: string): Promise<Uint8Array> {
  wabtPromise ??= wabtInit();
  const wabt = await wabtPromise;
  const mod = wabt.parseWat('test.wat', src);
  try {
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
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
  const core = await preview1Module();
  const adapter = readFileSync(preview1AdapterPath());
  componentCache = new Uint8Array(await componentNew(core, [['wasi_snapshot_preview1', adapter]]));
  return componentCache;
}

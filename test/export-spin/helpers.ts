/**
 * Test support for `export spin`: small components built here from WAT (a wasi:http/proxy
 * one, one that also imports molt:capabilities, a command), written to a fresh temporary
 * directory per test, and the export run in-process with its stdout/stderr captured.
 */
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreToComponent, watToCore } from '../../scripts/lib/componentize.js';
import { exportSpinCommand, type ExportSpinOptions } from '../../host/cli/export-spin.js';
import { isMoltError } from '../../host/errors.js';
import { adaptedComponent, preview1Module } from '../manifest-wasm/helpers.js';

const HANDLE = '(func (export "wasi:http/incoming-handler@0.2.12#handle") (param i32 i32))';

/** A wasi:http/proxy component that answers nothing (the export never runs it). */
export async function proxyComponent(): Promise<Uint8Array> {
  const core = await watToCore(`(module ${HANDLE})`, 'proxy.wat');
  return coreToComponent(core, 'world proxy { export wasi:http/incoming-handler@0.2.12; }');
}

/** A proxy that also imports molt:capabilities (which Spin does not supply). */
export async function proxyWithMoltImport(): Promise<Uint8Array> {
  const core = await watToCore(
    `(module
      (import "molt:capabilities/capabilities@0.1.0" "check-id" (func $c (param i32) (result i32)))
      (func (export "wasi:http/incoming-handler@0.2.12#handle") (param i32 i32) (drop (call $c (i32.const 1)))))`,
    'proxy-molt.wat',
  );
  return coreToComponent(core, 'world proxy { import molt:capabilities/capabilities@0.1.0; export wasi:http/incoming-handler@0.2.12; }');
}

/** A WASI 0.2 command component (exports wasi:cli/run). */
export function commandComponent(): Promise<Uint8Array> {
  return adaptedComponent();
}

export { preview1Module };

/** A fresh directory (real path: macOS-style /tmp symlinks would make relative paths differ). */
export function freshDir(prefix = 'molt-spin-'): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}

export function writeWasm(dir: string, name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

export interface ExportRun {
  /** 0, or the exit code of the MoltError thrown. */
  code: number;
  stdout: string;
  stderr: string;
  error?: Error;
}

/**
 * exportSpinCommand with captured output; a MoltError becomes its exit code and its one
 * stderr line (as reportError prints it). Any other throw fails the test.
 */
export function exportSpin(app: string, opts: ExportSpinOptions): ExportRun {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } };
  try {
    exportSpinCommand(app, opts, io);
    return { code: 0, stdout, stderr };
  } catch (e) {
    if (!isMoltError(e)) throw e;
    return { code: e.exitCode, stdout, stderr: stderr + `molt-wasm: ${e.message}\n`, error: e };
  }
}

/**
 * What every preview1 function shares: the WASI 0.2 import object it translates to, the guest
 * memory, and the descriptor table (created on first use, as Wasmtime does, so that building
 * the imports calls nothing in the 0.2 layer).
 */
import { DIRECTORY_INHERITING, DIRECTORY_RIGHTS } from './constants.js';
import { FdTable } from './fd-table.js';
import { GuestMemory } from './memory.js';
import type { Descriptor02, InputStream02, OutputStream02, WasiImportObject } from './wasi02.js';

export interface Preview1Options {
  /**
   * Called by `proc_exit` when the 0.2 layer has no `wasi:cli/exit#exit-with-code`.
   * Default: none (the exit is signalled by throwing `Preview1Exit`).
   */
  readonly onExit?: (code: number) => void;
}

/** A preview1 function: wasm arguments in, errno (or nothing) out. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Preview1Function = (...args: any[]) => number | void;
export type Preview1Functions = Record<string, Preview1Function>;

export class Preview1Context {
  readonly mem = new GuestMemory();
  #fds: FdTable | undefined;
  #stdin: InputStream02 | undefined;
  #stdout: OutputStream02 | undefined;
  #stderr: OutputStream02 | undefined;

  constructor(
    readonly wasi: WasiImportObject,
    readonly options: Preview1Options = {},
  ) {}

  /** A 0.2 interface by unversioned name; missing ones throw (ending the guest). */
  iface<K extends keyof WasiImportObject>(name: K): NonNullable<WasiImportObject[K]> {
    const i = this.wasi[name];
    if (i === undefined || i === null) {
      throw new TypeError(`preview1: the WASI 0.2 import object has no '${name}'`);
    }
    return i;
  }

  get fds(): FdTable {
    if (!this.#fds) {
      const table = new FdTable();
      table.push({ kind: 'stdin' });
      table.push({ kind: 'stdout' });
      table.push({ kind: 'stderr' });
      const dirs = this.iface('wasi:filesystem/preopens').getDirectories() as [Descriptor02, string][];
      for (const [desc, preopenPath] of dirs) {
        table.push({ kind: 'dir', desc, preopenPath, rights: { base: DIRECTORY_RIGHTS, inheriting: DIRECTORY_INHERITING } });
      }
      this.#fds = table;
    }
    return this.#fds;
  }

  // Stdio streams are fetched on first use: with console.write denied, the gated getStdout
  // traps, and that should happen when the guest writes, not when it starts.
  stdin(): InputStream02 {
    return (this.#stdin ??= this.iface('wasi:cli/stdin').getStdin());
  }
  stdout(): OutputStream02 {
    return (this.#stdout ??= this.iface('wasi:cli/stdout').getStdout());
  }
  stderr(): OutputStream02 {
    return (this.#stderr ??= this.iface('wasi:cli/stderr').getStderr());
  }
}

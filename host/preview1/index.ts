/**
 * wasi_snapshot_preview1 for core modules, on top of a (gated) WASI 0.2 import object, the way
 * Wasmtime runs preview1 on its WASI 0.2 implementation. Platform-neutral.
 *
 *   const p1 = createPreview1Imports(wasi02ImportObject);
 *   const { instance } = await WebAssembly.instantiate(bytes, p1.imports);
 *   p1.bindMemory(instance);
 *   const code = runPreview1Start(instance);   // or call _start yourself
 *
 * Errors: a 0.2 `error-code` thrown as a string becomes the matching errno; anything else the
 * 0.2 layer throws (a capability trap, a GuestExit, a bug) propagates unchanged and ends the
 * guest. Capability decisions are never made here.
 *
 * proc_exit(N): calls `wasi['wasi:cli/exit'].exitWithCode(N)` when the 0.2 layer has it (the
 * gate's version ends the guest by throwing); if it is absent, or returns, throws
 * `Preview1Exit` carrying N.
 */
import { Preview1Context, type Preview1Functions, type Preview1Options } from './context.js';
import { errnoFromThrown } from './errno.js';
import { Preview1Exit } from './exit.js';
import { fdFunctions } from './fd-functions.js';
import { pathFunctions } from './path-functions.js';
import { pollFunctions } from './poll.js';
import { processFunctions } from './process-functions.js';
import { sockFunctions } from './sock-functions.js';
import type { WasiImportObject } from './wasi02.js';

export { Preview1Exit, isPreview1Exit } from './exit.js';
export { Errno } from './constants.js';
export { ERRNO_BY_ERROR_CODE, errnoFromThrown } from './errno.js';
export type { Preview1Options } from './context.js';
export type { WasiImportObject } from './wasi02.js';

/** Every function of wasi_snapshot_preview1, in witx order. */
export const PREVIEW1_FUNCTION_NAMES = [
  'args_get',
  'args_sizes_get',
  'environ_get',
  'environ_sizes_get',
  'clock_res_get',
  'clock_time_get',
  'fd_advise',
  'fd_allocate',
  'fd_close',
  'fd_datasync',
  'fd_fdstat_get',
  'fd_fdstat_set_flags',
  'fd_fdstat_set_rights',
  'fd_filestat_get',
  'fd_filestat_set_size',
  'fd_filestat_set_times',
  'fd_pread',
  'fd_prestat_get',
  'fd_prestat_dir_name',
  'fd_pwrite',
  'fd_read',
  'fd_readdir',
  'fd_renumber',
  'fd_seek',
  'fd_sync',
  'fd_tell',
  'fd_write',
  'path_create_directory',
  'path_filestat_get',
  'path_filestat_set_times',
  'path_link',
  'path_open',
  'path_readlink',
  'path_remove_directory',
  'path_rename',
  'path_symlink',
  'path_unlink_file',
  'poll_oneoff',
  'proc_exit',
  'proc_raise',
  'sched_yield',
  'random_get',
  'sock_accept',
  'sock_recv',
  'sock_send',
  'sock_shutdown',
] as const;

export type Preview1ImportFunction = (...args: never[]) => number | void;

export interface Preview1Imports {
  /** Pass to WebAssembly.instantiate (merge with other modules' imports if any). */
  readonly imports: { wasi_snapshot_preview1: Record<string, Preview1ImportFunction> };
  /** Binds the guest's memory (or the instance's exported `memory`); call before `_start`. */
  bindMemory(target: WebAssembly.Memory | WebAssembly.Instance): void;
}

/**
 * Runs a function, turning errno-carrying throws into its errno return value. Nine named
 * parameters (path_open's count, the most any preview1 function takes) rather than a rest
 * parameter and a spread: no arguments array per call. Extra ones arrive as undefined and are
 * ignored.
 */
function withErrno(fn: Preview1Functions[string]): Preview1ImportFunction {
  return (a0: never, a1: never, a2: never, a3: never, a4: never, a5: never, a6: never, a7: never, a8: never) => {
    try {
      const r = fn(a0, a1, a2, a3, a4, a5, a6, a7, a8);
      return typeof r === 'number' ? r : 0;
    } catch (e) {
      const errno = errnoFromThrown(e);
      if (errno === undefined) throw e;
      return errno;
    }
  };
}

export function createPreview1Imports(wasi: WasiImportObject, options: Preview1Options = {}): Preview1Imports {
  const ctx = new Preview1Context(wasi, options);
  const all: Preview1Functions = {
    ...processFunctions(ctx),
    ...fdFunctions(ctx),
    ...pathFunctions(ctx),
    ...pollFunctions(ctx),
    ...sockFunctions(ctx),
  };
  const wrapped: Record<string, Preview1ImportFunction> = {};
  for (const name of PREVIEW1_FUNCTION_NAMES) {
    const fn = all[name];
    if (!fn) throw new Error(`preview1: ${name} is not implemented`);
    wrapped[name] = withErrno(fn);
  }
  return {
    imports: { wasi_snapshot_preview1: wrapped },
    bindMemory(target) {
      const memory = target instanceof WebAssembly.Memory ? target : target.exports['memory'];
      if (!(memory instanceof WebAssembly.Memory)) {
        throw new TypeError('preview1: the instance exports no memory named "memory"');
      }
      ctx.mem.bind(memory);
    },
  };
}

/**
 * Binds memory, runs `_start`, and
 * returns the exit code: 0 when `_start` returns, N when the guest called proc_exit(N) and
 * the 0.2 layer signalled it with `Preview1Exit`. Anything else propagates.
 */
export function runPreview1Start(instance: WebAssembly.Instance, p1: Preview1Imports): number {
  p1.bindMemory(instance);
  const start = instance.exports['_start'];
  if (typeof start !== 'function') throw new TypeError('preview1: the module exports no _start function');
  try {
    (start as () => void)();
    return 0;
  } catch (e) {
    if (e instanceof Preview1Exit) return e.code;
    throw e;
  }
}

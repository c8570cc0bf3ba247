/**
 * args_*, environ_*, clock_*, random_get, sched_yield, proc_exit, proc_raise.
 * Denials come from the 0.2 layer (a clock call traps without `time`, the environment is
 * filtered by the `env` grant and reads as empty without one); these functions only translate.
 */
import { Clockid, Errno } from './constants.js';
import { fail } from './errno.js';
import { Preview1Exit } from './exit.js';
import { encodeUtf8 } from './memory.js';
import type { Preview1Context, Preview1Functions } from './context.js';
import { datetimeToNs, type Datetime02 } from './wasi02.js';

/** Writes `items` as NUL-terminated strings into `buf`, with pointers in `ptrs` (argv/environ). */
function writeStringList(ctx: Preview1Context, items: string[], ptrs: number, buf: number): void {
  let cursor = buf >>> 0;
  items.forEach((item, i) => {
    const bytes = encodeUtf8(item);
    ctx.mem.setU32(ptrs + i * 4, cursor);
    ctx.mem.write(cursor, bytes);
    ctx.mem.setU8(cursor + bytes.length, 0);
    cursor += bytes.length + 1;
  });
}

function writeListSizes(ctx: Preview1Context, items: string[], countPtr: number, sizePtr: number): void {
  const size = items.reduce((n, s) => n + encodeUtf8(s).length + 1, 0);
  ctx.mem.setU32(countPtr, items.length);
  ctx.mem.setU32(sizePtr, size);
}

const args = (ctx: Preview1Context): string[] => ctx.iface('wasi:cli/environment').getArguments();
const environ = (ctx: Preview1Context): string[] =>
  (ctx.iface('wasi:cli/environment').getEnvironment() as [string, string][]).map(([k, v]) => `${k}=${v}`);

/** Reads a clock through the 0.2 layer, in nanoseconds. CPU-time clocks do not exist there. */
function readClock(ctx: Preview1Context, id: number, what: 'now' | 'resolution'): bigint {
  switch (id) {
    case Clockid.realtime:
      return datetimeToNs(ctx.iface('wasi:clocks/wall-clock')[what]() as Datetime02);
    case Clockid.monotonic:
      return BigInt(ctx.iface('wasi:clocks/monotonic-clock')[what]());
    case Clockid.processCputime:
    case Clockid.threadCputime:
      return fail(Errno.badf); // Wasmtime: no CPU-time clocks in WASI 0.2
    default:
      return fail(Errno.inval);
  }
}

/** random_get asks the 0.2 layer for at most this many bytes per call. */
export const RANDOM_CHUNK = 64 * 1024;

export function processFunctions(ctx: Preview1Context): Preview1Functions {
  return {
    args_get: (argv: number, buf: number) => writeStringList(ctx, args(ctx), argv, buf),
    args_sizes_get: (countPtr: number, sizePtr: number) => writeListSizes(ctx, args(ctx), countPtr, sizePtr),
    environ_get: (env: number, buf: number) => writeStringList(ctx, environ(ctx), env, buf),
    environ_sizes_get: (countPtr: number, sizePtr: number) => writeListSizes(ctx, environ(ctx), countPtr, sizePtr),

    clock_res_get: (id: number, out: number) => ctx.mem.setU64(out, readClock(ctx, id, 'resolution')),
    clock_time_get: (id: number, _precision: bigint, out: number) => {
      if (id === Clockid.monotonic) {
        // The usual call (a guest timing itself): the gated now() checks `time` on every call
        // (one bit of the engine's bitset), and the bigint it returns is written as it is.
        const now: unknown = ctx.iface('wasi:clocks/monotonic-clock').now();
        ctx.mem.setU64(out, typeof now === 'bigint' ? now : BigInt(now as number));
        return;
      }
      ctx.mem.setU64(out, readClock(ctx, id, 'now'));
    },

    random_get: (buf: number, len: number) => {
      // Bounds first: a length beyond the guest's memory traps before anything is asked of
      // the platform. Then RANDOM_CHUNK bytes at a time, straight into guest memory, so the
      // host never holds more than one piece (SPEC section 5, docs/limits.md).
      len >>>= 0;
      ctx.mem.requireRange(buf, len);
      const random = ctx.iface('wasi:random/random');
      for (let done = 0; done < len;) {
        const want = Math.min(RANDOM_CHUNK, len - done);
        const chunk = random.getRandomBytes(BigInt(want)) as Uint8Array;
        // get-random-bytes returns fewer bytes than asked only by bug: refuse rather than spin.
        if (chunk.length === 0) fail(Errno.io);
        const n = Math.min(chunk.length, want);
        ctx.mem.write(buf + done, chunk.subarray(0, n));
        done += n;
      }
    },

    // No such thing in WASI 0.2 (Wasmtime does nothing either).
    sched_yield: () => {},

    proc_exit: (code: number): never => {
      code >>>= 0;
      const exit = ctx.wasi['wasi:cli/exit'];
      // exit-with-code keeps the exact code (exit(result) only knows 0 and 1).
      if (typeof exit?.exitWithCode === 'function') exit.exitWithCode(code);
      else ctx.options.onExit?.(code);
      // If the 0.2 layer returned instead of ending the guest, end it here.
      throw new Preview1Exit(code);
    },

    proc_raise: (_sig: number) => Errno.notsup,
  };
}

/**
 * poll_oneoff on wasi:io/poll. Clock subscriptions become monotonic-clock pollables (so a
 * sleep needs `time`, like any clock use); stdio subscriptions use the streams' pollables;
 * regular files are always ready (as they are for the OS). Semantics follow Wasmtime.
 */
import { Clockid, Errno, Eventrwflags, Eventtype, Size, Subclockflags } from './constants.js';
import { fail } from './errno.js';
import type { Preview1Context, Preview1Functions } from './context.js';
import { datetimeToNs, type Datetime02, type Pollable02 } from './wasi02.js';
import { currentPosition } from './fd-table.js';
import { disposeInner } from '../gate/resource.js';

interface Subscription {
  userdata: bigint;
  type: number;
  /** The 0.2 pollable, or undefined when the subscription is ready at once. */
  pollable?: Pollable02;
  /** For fd_read on files: bytes left to read. */
  nbytes: bigint;
}

function clockPollable(ctx: Preview1Context, id: number, timeout: bigint, flags: number): Pollable02 {
  const mono = () => ctx.iface('wasi:clocks/monotonic-clock');
  const absolute = (flags & Subclockflags.abstime) !== 0;
  switch (id) {
    case Clockid.monotonic:
      return absolute ? mono().subscribeInstant(timeout) : mono().subscribeDuration(timeout);
    case Clockid.realtime: {
      if (!absolute) return mono().subscribeDuration(timeout);
      // An absolute wall-clock deadline becomes the duration left until it.
      const now = datetimeToNs(ctx.iface('wasi:clocks/wall-clock').now() as Datetime02);
      return mono().subscribeDuration(timeout > now ? timeout - now : 0n);
    }
    default:
      return fail(Errno.inval);
  }
}

function readSubscription(ctx: Preview1Context, base: number): Subscription {
  const userdata = ctx.mem.u64(base);
  const type = ctx.mem.u8(base + 8);
  if (type === Eventtype.clock) {
    const id = ctx.mem.u32(base + 16);
    const timeout = ctx.mem.u64(base + 24);
    const flags = ctx.mem.u16(base + 40);
    return { userdata, type, pollable: clockPollable(ctx, id, timeout, flags), nbytes: 0n };
  }
  if (type !== Eventtype.fdRead && type !== Eventtype.fdWrite) fail(Errno.inval);
  const entry = ctx.fds.get(ctx.mem.u32(base + 16));
  if (type === Eventtype.fdRead) {
    if (entry.kind === 'stdin') return { userdata, type, pollable: ctx.stdin().subscribe(), nbytes: 1n };
    if (entry.kind === 'file') {
      const size = BigInt(entry.desc.stat().size);
      const at = currentPosition(entry);
      return { userdata, type, nbytes: size > at ? size - at : 0n };
    }
  } else {
    if (entry.kind === 'stdout') return { userdata, type, pollable: ctx.stdout().subscribe(), nbytes: 1n };
    if (entry.kind === 'stderr') return { userdata, type, pollable: ctx.stderr().subscribe(), nbytes: 1n };
    if (entry.kind === 'file') return { userdata, type, nbytes: 1n };
  }
  return fail(Errno.badf); // directories and sockets cannot be polled (Wasmtime)
}

/**
 * Subscriptions one poll_oneoff may name (SPEC section 5: host memory a guest sizes is bounded
 * per call). Each is a host object and a clock one a host pollable; zeroed guest memory is a
 * valid list of clock subscriptions, so without a bound the count alone made the host allocate
 * about 20 bytes per byte of guest memory. Past it: EINVAL before anything is read (Linux's
 * poll is EINVAL past RLIMIT_NOFILE too). Preview1 here has no sockets: real programs poll a
 * few stdio descriptors and clocks.
 */
export const POLL_MAX_SUBSCRIPTIONS = 4096;

export function pollFunctions(ctx: Preview1Context): Preview1Functions {
  return {
    poll_oneoff: (inPtr: number, outPtr: number, count: number, neventsPtr: number) => {
      count >>>= 0;
      if (count === 0) fail(Errno.inval); // waiting forever is not supported (Wasmtime)
      if (count > POLL_MAX_SUBSCRIPTIONS) fail(Errno.inval);
      const subs: Subscription[] = [];
      try {
        for (let i = 0; i < count; i++) subs.push(readSubscription(ctx, inPtr + i * Size.subscription));
        const ready = new Set<number>();
        subs.forEach((s, i) => {
          if (!s.pollable) ready.add(i);
        });
        const waiting = subs.map((s, i) => [s, i] as const).filter(([s]) => s.pollable);
        if (ready.size > 0) {
          // Something is ready now: report what else is ready without blocking.
          for (const [s, i] of waiting) if (s.pollable!.ready()) ready.add(i);
        } else {
          const list = waiting.map(([s]) => s.pollable!);
          const hit = ctx.iface('wasi:io/poll').poll(list) as ArrayLike<number>;
          for (let k = 0; k < hit.length; k++) ready.add(waiting[hit[k]!]![1]);
        }
        let n = 0;
        for (const i of [...ready].sort((a, b) => a - b)) {
          const s = subs[i]!;
          const ev = outPtr + n * Size.event;
          ctx.mem.bytes(ev, Size.event).fill(0);
          ctx.mem.setU64(ev, s.userdata);
          ctx.mem.setU16(ev + 8, Errno.success);
          ctx.mem.setU8(ev + 10, s.type);
          if (s.type !== Eventtype.clock) {
            ctx.mem.setU64(ev + 16, s.nbytes);
            if (s.type === Eventtype.fdRead && !s.pollable && s.nbytes === 0n) ctx.mem.setU16(ev + 24, Eventrwflags.hangup);
          }
          n++;
        }
        ctx.mem.setU32(neventsPtr, n);
      } finally {
        for (const s of subs) disposeInner(s.pollable);
      }
    },
  };
}

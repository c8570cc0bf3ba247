/**
 * The Node platform for the gate: preview2-shim's implementations, with per-guest
 * filesystems (`createFilesystem({ preopens })`, host paths resolved against the process
 * cwd) and per-guest socket namespaces. The shim's process-wide cli/exit/stdio are never used.
 */
import { resolve } from 'node:path';
import * as shim from '@bytecodealliance/preview2-shim';
import type { WasiPlatform } from '../gate/types.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const s = shim as any;

export const nodePlatform: WasiPlatform = {
  io: { error: s.io.error, streams: s.io.streams, poll: s.io.poll },
  random: { random: s.random.random, insecure: s.random.insecure, insecureSeed: s.random.insecureSeed },
  clocks: { monotonicClock: s.clocks.monotonicClock, wallClock: s.clocks.wallClock },
  createSockets: () => s.sockets.createSockets({ enableNetwork: true }),
  http: { types: s.http.types, outgoingHandler: s.http.outgoingHandler, incomingHandler: s.http.incomingHandler },
  createFilesystem(preopens) {
    const abs: Record<string, string> = {};
    for (const [guest, host] of Object.entries(preopens)) abs[guest] = resolve(host);
    return s.filesystem.createFilesystem({ preopens: abs });
  },
  readyPollable() {
    // A zero-duration clock subscription is ready at once (the shim has no public constructor).
    return s.clocks.monotonicClock.subscribeDuration(0n);
  },
};

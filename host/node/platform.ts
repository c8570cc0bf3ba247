/**
 * The Node platform for the gate: preview2-shim's implementations, with per-guest
 * filesystems (`createFilesystem({ preopens })`, host paths resolved against the process
 * cwd; set-times done by set-times.ts, to the nanosecond) and per-guest socket namespaces.
 * The shim's process-wide cli/exit/stdio are never used.
 */
import { resolve } from 'node:path';
import * as shim from '@bytecodealliance/preview2-shim';
import type { WasiPlatform } from '../gate/types.js';
import { createTimeSetter, resolveInside } from './set-times.js';
import { nodeHttpTypes, nodeOutgoingHandler } from './http.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const s = shim as any;

/** utimensat(2) via the optional addon (ns exact), else fs.utimes (us); see set-times.ts. */
const timeSetter = process.platform === 'win32' ? null : createTimeSetter();

export const nodePlatform: WasiPlatform = {
  io: { error: s.io.error, streams: s.io.streams, poll: s.io.poll },
  random: { random: s.random.random, insecure: s.random.insecure, insecureSeed: s.random.insecureSeed },
  clocks: { monotonicClock: s.clocks.monotonicClock, wallClock: s.clocks.wallClock },
  createSockets: () => s.sockets.createSockets({ enableNetwork: true }),
  // molt-wasm's own outgoing HTTP (pinned to the checked addresses; host/node/http.ts).
  http: { types: nodeHttpTypes, outgoingHandler: nodeOutgoingHandler, incomingHandler: s.http.incomingHandler },
  createFilesystem(preopens) {
    const abs: Record<string, string> = {};
    for (const [guest, host] of Object.entries(preopens)) abs[guest] = resolve(host);
    const fs = s.filesystem.createFilesystem({ preopens: abs });
    if (timeSetter === null) return fs;
    return {
      ...fs,
      setTimes(preopen: string, path: string, atime, mtime, followSymlinks: boolean): void {
        const base = Object.hasOwn(abs, preopen) ? abs[preopen] : undefined;
        if (base === undefined) throw 'bad-descriptor';
        // Fully resolved inside the preopen, so the call itself never follows a link.
        timeSetter.set(resolveInside(base, path, followSymlinks), atime, mtime, false);
      },
    };
  },
  readyPollable() {
    // A zero-duration clock subscription is ready at once (the shim has no public constructor).
    return s.clocks.monotonicClock.subscribeDuration(0n);
  },
};

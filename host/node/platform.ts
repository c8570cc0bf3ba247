/**
 * The Node platform for the gate: preview2-shim's implementations of io, random, clocks,
 * sockets and HTTP; the filesystem is molt-wasm's own (host/gate/fs/ on fs-backend.ts: real
 * descriptors, synchronous, resolved beneath held handles; host paths of preopens resolved
 * against the process cwd). The shim's process-wide cli/exit/stdio are never used.
 */
import * as shim from '@bytecodealliance/preview2-shim';
import { DEFAULT_MAX_OPEN_FILES } from '../gate/fs/backend.js';
import type { WasiPlatform } from '../gate/types.js';
import { NodeFsBackend } from './fs-backend.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const s = shim as any;

export const nodePlatform: WasiPlatform = {
  io: { error: s.io.error, streams: s.io.streams, poll: s.io.poll },
  random: { random: s.random.random, insecure: s.random.insecure, insecureSeed: s.random.insecureSeed },
  clocks: { monotonicClock: s.clocks.monotonicClock, wallClock: s.clocks.wallClock },
  createSockets: () => s.sockets.createSockets({ enableNetwork: true }),
  http: { types: s.http.types, outgoingHandler: s.http.outgoingHandler, incomingHandler: s.http.incomingHandler },
  createFilesystemBackend(options) {
    return new NodeFsBackend({
      maxOpenFiles: options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES,
      ledger: options.ledger,
    });
  },
  readyPollable() {
    // A zero-duration clock subscription is ready at once (the shim has no public constructor).
    return s.clocks.monotonicClock.subscribeDuration(0n);
  },
};

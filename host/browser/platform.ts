/**
 * The browser platform for the gate (the counterpart of host/node/platform.ts): preview2-shim's
 * browser build (`dist/browser`, picked by the package's `default` export condition when
 * bundled for the browser). Everything a guest touches synchronously stays synchronous, so no
 * JSPI is needed for console, env, files, clocks' `now`, random or denials:
 *
 * - filesystem: molt-wasm's own (host/gate/fs/, the same code as in Node) over the app's
 *   MemoryFs tree through memory-backend.ts (synchronous);
 * - sockets: the shim's browser sockets, which answer every call `not-supported`; the gate
 *   answers `access-denied` first when `net` is not granted;
 * - HTTP: the shim's `fetch`-based outgoing handler behind the gate's authority check. Waiting
 *   for the response (`pollable.block`) returns a Promise: that part needs JSPI (see README);
 * - clocks: `subscribe-*` pollables are timers: blocking on one needs JSPI too.
 *
 * Browser only: never import this from Node (the shim's Node build has a different
 * filesystem API).
 */
import * as clocks from '@bytecodealliance/preview2-shim/clocks';
import * as http from '@bytecodealliance/preview2-shim/http';
import * as io from '@bytecodealliance/preview2-shim/io';
import * as random from '@bytecodealliance/preview2-shim/random';
import * as sockets from '@bytecodealliance/preview2-shim/sockets';
import { DEFAULT_MAX_OPEN_FILES } from '../gate/fs/backend.js';
import type { WasiPlatform } from '../gate/types.js';
import { MemoryFsBackend } from './memory-backend.js';
import { MemoryFs } from './memory-fs.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const c = clocks as any;
const h = http as any;
const i = io as any;
const r = random as any;
const s = sockets as any;

/** One guest's platform: its filesystem is `fs` (preopen host paths are paths in that tree). */
export function createBrowserPlatform(fs: MemoryFs = new MemoryFs()): WasiPlatform {
  return {
    io: { error: i.error, streams: i.streams, poll: i.poll },
    random: { random: r.random, insecure: r.insecure, insecureSeed: r.insecureSeed },
    clocks: { monotonicClock: c.monotonicClock, wallClock: c.wallClock },
    createSockets: () => ({
      instanceNetwork: s.instanceNetwork,
      network: s.network,
      ipNameLookup: s.ipNameLookup,
      tcpCreateSocket: s.tcpCreateSocket,
      tcp: s.tcp,
      udpCreateSocket: s.udpCreateSocket,
      udp: s.udp,
    }),
    http: { types: h.types, outgoingHandler: h.outgoingHandler },
    createFilesystemBackend(options) {
      return new MemoryFsBackend(fs, options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES);
    },
    readyPollable() {
      // A zero-duration subscription is ready at once (the shim has no public constructor).
      return c.monotonicClock.subscribeDuration(0n);
    },
  };
}

/** True where the engine has JSPI (Chromium 137+; Firefox/Safari: not by default, 2025). */
export function hasJspi(): boolean {
  return typeof (WebAssembly as unknown as { Suspending?: unknown }).Suspending === 'function';
}

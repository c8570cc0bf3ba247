/**
 * The Node platform for a preview1 core module that cannot wait on anything: one that does
 * not import `poll_oneoff` (see `coreModuleNeedsPolling`). Such a guest reaches only the
 * synchronous parts of the platform (clocks' `now`/`resolution`, random bytes, the stream
 * and error classes the gate's stdio and file streams extend, the filesystem backend), so it
 * runs without preview2-shim, whose import starts an I/O worker thread and loads its
 * sockets and HTTP modules: most of what a preview1 hello paid at start-up beyond node:wasi.
 *
 * What the guest cannot reach here has no implementation: pollables (only `poll_oneoff`
 * waits on them; preview1 has no other way to subscribe), sockets and HTTP (preview1 has no
 * network; its sock_* functions never reach the platform). The gate still builds those
 * interfaces, so they exist, empty, and a call into one would fail loudly.
 *
 * Everything here behaves like preview2-shim 0.26.1's Node implementation (clocks.js,
 * random.js, io's error class), which components and waiting core modules keep using
 * (host/node/platform.ts).
 */
import { DEFAULT_MAX_OPEN_FILES } from '../gate/fs/backend.js';
import type { WasiImports, WasiPlatform } from '../gate/types.js';
import { readInterface } from '../manifest/wasm/imports.js';
import { lazyCrypto } from './builtins.js';
import { NodeFsBackend } from './fs-backend.js';

/** True when a core module can wait (imports `poll_oneoff`) and so needs the shim's pollables. */
export function coreModuleNeedsPolling(bytes: Uint8Array): boolean {
  return readInterface(bytes).imports.some((i) => i.name === 'poll_oneoff');
}

function unreachable(what: string): never {
  throw new Error(`molt-wasm: internal error: ${what} is not available to a preview1 guest that does not import poll_oneoff`);
}

/** wasi:io/error's resource (the shim's: an Error carrying the error-code as `payload`). */
class IoError extends Error {
  readonly payload: unknown;
  constructor(payload: unknown) {
    super(String(payload));
    this.payload = payload;
  }
  toDebugString(): string {
    return this.message;
  }
}

/**
 * An interface this platform does not implement, typed as the one it stands for: every member
 * named but not given throws the internal error above when called, so a guest that somehow
 * reached one fails loudly instead of calling `undefined`.
 */
function unavailable<T>(what: string, given: object = {}): T {
  return new Proxy(given, {
    get(target, key) {
      if (key in target) return Reflect.get(target, key);
      if (typeof key === 'symbol') return undefined;
      return () => unreachable(`${what}#${key}`);
    },
  }) as T;
}

/**
 * Base classes for the gate's stream classes; every method the guest calls is the gate's own
 * (its subclasses override them all), so the bases carry none.
 */
class InputStreamBase {}
class OutputStreamBase {}
type Streams = WasiImports['wasi:io/streams'];
const InputStream = InputStreamBase as unknown as Streams['InputStream'];
const OutputStream = OutputStreamBase as unknown as Streams['OutputStream'];

function u64(): bigint {
  return new BigUint64Array(lazyCrypto().randomBytes(8).buffer)[0]!;
}
const getRandomBytes = (len: bigint): Uint8Array => lazyCrypto().randomBytes(Number(len));
let insecureSeedValue: [bigint, bigint] | undefined;

const noSubscriptions = {
  subscribeInstant: () => unreachable('a clock pollable'),
  subscribeDuration: () => unreachable('a clock pollable'),
};

export const nodeCorePlatform: WasiPlatform = {
  io: {
    error: unavailable<WasiImports['wasi:io/error']>('wasi:io/error', { Error: IoError }),
    streams: { InputStream, OutputStream },
    poll: unavailable<WasiImports['wasi:io/poll']>('wasi:io/poll'),
  },
  random: {
    random: { getRandomBytes, getRandomU64: u64 },
    insecure: { getInsecureRandomBytes: getRandomBytes, getInsecureRandomU64: u64 },
    insecureSeed: { insecureSeed: () => (insecureSeedValue ??= [u64(), u64()]) },
  },
  clocks: {
    monotonicClock: { resolution: () => 1n, now: () => process.hrtime.bigint(), ...noSubscriptions },
    wallClock: {
      resolution: () => ({ seconds: 0n, nanoseconds: 1e6 }),
      now: () => {
        const ms = Date.now();
        return { seconds: BigInt(Math.floor(ms / 1e3)), nanoseconds: (ms % 1e3) * 1e6 };
      },
    },
  },
  createSockets: () => ({
    instanceNetwork: unavailable('wasi:sockets/instance-network'),
    network: unavailable('wasi:sockets/network'),
    ipNameLookup: unavailable('wasi:sockets/ip-name-lookup'),
    tcpCreateSocket: unavailable('wasi:sockets/tcp-create-socket'),
    tcp: unavailable('wasi:sockets/tcp'),
    udpCreateSocket: unavailable('wasi:sockets/udp-create-socket'),
    udp: unavailable('wasi:sockets/udp'),
  }),
  http: { types: unavailable('wasi:http/types'), outgoingHandler: unavailable('wasi:http/outgoing-handler') },
  createFilesystemBackend(options) {
    return new NodeFsBackend({ maxOpenFiles: options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES });
  },
  readyPollable: () => unreachable('a pollable'),
};

/**
 * What a platform (Node, browser) hands the gate, and what a guest's I/O looks like.
 * The gate never touches a platform API directly. Platform-neutral.
 */

import type { FsBackend, NewTimestamp } from './fs/backend.js';

import type { CheckedDestination } from './http.js';
import type { FutureIncomingResponse, OutgoingRequest, Pollable, RequestOptions, WasiImports } from './wasi.js';

/**
 * The WASI 0.2 import object a guest gets (host/gate/wasi.ts: typed from preview2-shim's
 * interface typings), keyed by unversioned interface name with camelCase members.
 */
export type WasiImportObject = WasiImports;
export type { WasiImports };

/** The part of the import object one gate module builds (`wasi:sockets/*`, `wasi:http/*`, ...). */
export type WasiImportsPart<K extends keyof WasiImports> = Pick<WasiImports, K>;

/** The platform's outgoing HTTP: WASI's `handle`, told what the gate checked (host/gate/http.ts). */
export interface PlatformOutgoingHandler {
  handle(request: OutgoingRequest, options: RequestOptions | undefined, to?: CheckedDestination): FutureIncomingResponse;
}

/**
 * What one guest may hold of the platform's HTTP (host/gate/http.ts makes one per guest and
 * hands it to the platform's `outgoing-request` constructor, so every request knows its
 * guest). The platform asks it before it holds body bytes or opens a connection, and tells it
 * when a connection is gone; the gate closes what is left when the guest ends.
 */
export interface HttpGuestScope {
  /** Takes `bytes` of the guest's budget for request bodies held before `handle`; false past it. */
  reserve(bytes: number): boolean;
  /** Gives back bytes taken with `reserve` (the body was sent). */
  release(bytes: number): void;
  /** An outgoing exchange opens, closed by `close` if the guest ends first; undefined past the bound. Call the result when it ends. */
  open(close: () => void): (() => void) | undefined;
}

/** The platform's `wasi:sockets/*`, keyed like preview2-shim's `createSockets()` result. */
export interface PlatformSockets {
  readonly instanceNetwork: WasiImports['wasi:sockets/instance-network'];
  readonly network: WasiImports['wasi:sockets/network'];
  readonly ipNameLookup: WasiImports['wasi:sockets/ip-name-lookup'];
  readonly tcpCreateSocket: WasiImports['wasi:sockets/tcp-create-socket'];
  readonly tcp: WasiImports['wasi:sockets/tcp'];
  readonly udpCreateSocket: WasiImports['wasi:sockets/udp-create-socket'];
  readonly udp: WasiImports['wasi:sockets/udp'];
}

/** The ungated WASI 0.2 implementations a platform supplies (preview2-shim's, in Node). */
export interface WasiPlatform {
  readonly io: {
    readonly error: WasiImports['wasi:io/error'];
    readonly streams: WasiImports['wasi:io/streams'];
    readonly poll: WasiImports['wasi:io/poll'];
  };
  readonly random: {
    readonly random: WasiImports['wasi:random/random'];
    readonly insecure: WasiImports['wasi:random/insecure'];
    readonly insecureSeed: WasiImports['wasi:random/insecure-seed'];
  };
  readonly clocks: {
    readonly monotonicClock: WasiImports['wasi:clocks/monotonic-clock'];
    readonly wallClock: WasiImports['wasi:clocks/wall-clock'];
  };
  /** `wasi:sockets/*`, keyed like preview2-shim's `createSockets()` result. Per guest. */
  createSockets(): PlatformSockets;
  readonly http: {
    readonly types: WasiImports['wasi:http/types'];
    readonly outgoingHandler: PlatformOutgoingHandler;
    readonly incomingHandler?: WasiImports['wasi:http/incoming-handler'];
  };
  /**
   * The filesystem primitives for one guest (host/gate/fs/backend.ts): a new backend per
   * guest, owning every host handle that guest opens. molt-wasm's own `wasi:filesystem`
   * (host/gate/fs/) resolves paths and checks the policy on top; the platform only makes
   * "one name in a held directory" race-free.
   */
  createFilesystemBackend(options: FsBackendOptions): FsBackend<unknown>;
  /** A pollable that is already ready (for streams that never block, like the guest's stdout). */
  readyPollable(): Pollable;
}

export type { NewTimestamp };

/** What a guest's filesystem backend is created with. */
export interface FsBackendOptions {
  /** Host handles the guest may hold at once. Default DEFAULT_MAX_OPEN_FILES (256). */
  readonly maxOpenFiles?: number;
}

/**
 * Where a guest's stdout/stderr bytes go. Called synchronously with each write, with at most
 * 64 KiB (STREAM_CHUNK) at a time. It may keep the bytes but must not write into them (a zero
 * fill hands the same zero piece over repeatedly).
 */
export type OutputSink = (bytes: Uint8Array) => void;

/** A guest's own I/O: never shared with the host process or another guest. */
export interface GuestIo {
  /** `wasi:cli/environment#get-arguments` (ungated). Default `[]`. */
  readonly args?: readonly string[];
  /** The environment before filtering by the `env` grant. Default `{}` (nothing). */
  readonly env?: Readonly<Record<string, string>>;
  /** What `initial-cwd` reports when fs.read allows it. Default undefined (none). */
  readonly cwd?: string | undefined;
  /** Default: discard. */
  readonly stdout?: OutputSink;
  /** Default: discard. */
  readonly stderr?: OutputSink;
  /**
   * The guest's whole stdin, or a function producing it on the first read (so a CLI reads
   * its own stdin only if the guest asks). Default empty (immediate end of stream).
   */
  readonly stdin?: Uint8Array | (() => Uint8Array);
}

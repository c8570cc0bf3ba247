/**
 * What a platform (Node, browser) hands the gate, and what a guest's I/O looks like.
 * The gate never touches a platform API directly. Platform-neutral.
 */

import type { FsBackend, NewTimestamp } from './fs/backend.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * One WASI interface's JS members, camelCase, exactly as preview2-shim exposes them
 * (`{ getEnvironment, getArguments, initialCwd }`). Untyped on purpose: jco's bindings
 * call these by name and the shim's own typings are per interface.
 */
export type WasiInterface = Record<string, any>;

/** A WASI 0.2 import object keyed by unversioned interface name (`wasi:cli/environment`). */
export type WasiImportObject = Record<string, WasiInterface>;

/** The ungated WASI 0.2 implementations a platform supplies (preview2-shim's, in Node). */
export interface WasiPlatform {
  readonly io: { readonly error: WasiInterface; readonly streams: WasiInterface; readonly poll: WasiInterface };
  readonly random: { readonly random: WasiInterface; readonly insecure: WasiInterface; readonly insecureSeed: WasiInterface };
  readonly clocks: { readonly monotonicClock: WasiInterface; readonly wallClock: WasiInterface };
  /** `wasi:sockets/*`, keyed like preview2-shim's `createSockets()` result. Per guest. */
  createSockets(): {
    readonly instanceNetwork: WasiInterface;
    readonly network: WasiInterface;
    readonly ipNameLookup: WasiInterface;
    readonly tcpCreateSocket: WasiInterface;
    readonly tcp: WasiInterface;
    readonly udpCreateSocket: WasiInterface;
    readonly udp: WasiInterface;
  };
  readonly http: { readonly types: WasiInterface; readonly outgoingHandler: WasiInterface; readonly incomingHandler?: WasiInterface };
  /**
   * The filesystem primitives for one guest (host/gate/fs/backend.ts): a new backend per
   * guest, owning every host handle that guest opens. molt-wasm's own `wasi:filesystem`
   * (host/gate/fs/) resolves paths and checks the policy on top; the platform only makes
   * "one name in a held directory" race-free.
   */
  createFilesystemBackend(options: FsBackendOptions): FsBackend<unknown>;
  /** A pollable that is already ready (for streams that never block, like the guest's stdout). */
  readyPollable(): object;
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

/**
 * What a platform (Node, browser) hands the gate, and what a guest's I/O looks like.
 * The gate never touches a platform API directly. Platform-neutral.
 */

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
   * An isolated filesystem for one guest: guest preopen name -> host directory. Its
   * `types.Descriptor` must be confined to its preopens (no `..`, absolute paths or symlinks
   * leading out); the gate adds the policy checks (read/write, scopes) on top.
   */
  createFilesystem(preopens: Readonly<Record<string, string>>): {
    readonly types: WasiInterface;
    readonly preopens: { getDirectories(): Array<[any, string]> };
    /**
     * Optional: set-times done by the platform instead of the descriptor's own `set-times`
     * (preview2-shim's loses precision and mixes units). `preopen` is a guest name given to
     * `createFilesystem`; `path` is `/`-separated below it (`''` is the preopen itself),
     * normalised, with no `..`; the gate has checked fs.write on it. The platform resolves it
     * inside that preopen (following the final symlink only when `followSymlinks`). Throws a
     * `wasi:filesystem` error-code.
     */
    setTimes?(
      preopen: string,
      path: string,
      atime: NewTimestamp,
      mtime: NewTimestamp,
      followSymlinks: boolean,
    ): void;
  };
  /** A pollable that is already ready (for streams that never block, like the guest's stdout). */
  readyPollable(): object;
}

/** `wasi:filesystem/types#new-timestamp`. */
export type NewTimestamp =
  | { readonly tag: 'no-change' }
  | { readonly tag: 'now' }
  | { readonly tag: 'timestamp'; readonly val: { readonly seconds: bigint; readonly nanoseconds: number } };

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
  readonly cwd?: string;
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

/**
 * The WASI 0.2 boundary's types, from ONE source: preview2-shim's interface typings
 * (`@bytecodealliance/preview2-shim/interfaces/*`, generated from the WASI WIT by jco). The gate's
 * import object is `WasiImports`; a gated interface that lacks a function, or a gated resource
 * class that lacks a method of its WIT resource, does not compile. What the typings lack is
 * below too (`exit-with-code`, molt-wasm's own `read-into`, `molt:capabilities`), in this file
 * only. Types only: nothing here exists at run time.
 */
import type * as cliEnvironment from '@bytecodealliance/preview2-shim/interfaces/wasi-cli-environment';
import type * as cliExit from '@bytecodealliance/preview2-shim/interfaces/wasi-cli-exit';
import type * as cliStderr from '@bytecodealliance/preview2-shim/interfaces/wasi-cli-stderr';
import type * as cliStdin from '@bytecodealliance/preview2-shim/interfaces/wasi-cli-stdin';
import type * as cliStdout from '@bytecodealliance/preview2-shim/interfaces/wasi-cli-stdout';
import type * as cliTerminalInput from '@bytecodealliance/preview2-shim/interfaces/wasi-cli-terminal-input';
import type * as cliTerminalOutput from '@bytecodealliance/preview2-shim/interfaces/wasi-cli-terminal-output';
import type * as cliTerminalStderr from '@bytecodealliance/preview2-shim/interfaces/wasi-cli-terminal-stderr';
import type * as cliTerminalStdin from '@bytecodealliance/preview2-shim/interfaces/wasi-cli-terminal-stdin';
import type * as cliTerminalStdout from '@bytecodealliance/preview2-shim/interfaces/wasi-cli-terminal-stdout';
import type * as clocksMonotonicClock from '@bytecodealliance/preview2-shim/interfaces/wasi-clocks-monotonic-clock';
import type * as clocksWallClock from '@bytecodealliance/preview2-shim/interfaces/wasi-clocks-wall-clock';
import type * as filesystemPreopens from '@bytecodealliance/preview2-shim/interfaces/wasi-filesystem-preopens';
import type * as filesystemTypes from '@bytecodealliance/preview2-shim/interfaces/wasi-filesystem-types';
import type * as httpIncomingHandler from '@bytecodealliance/preview2-shim/interfaces/wasi-http-incoming-handler';
import type * as httpOutgoingHandler from '@bytecodealliance/preview2-shim/interfaces/wasi-http-outgoing-handler';
import type * as httpTypes from '@bytecodealliance/preview2-shim/interfaces/wasi-http-types';
import type * as ioError from '@bytecodealliance/preview2-shim/interfaces/wasi-io-error';
import type * as ioPoll from '@bytecodealliance/preview2-shim/interfaces/wasi-io-poll';
import type * as ioStreams from '@bytecodealliance/preview2-shim/interfaces/wasi-io-streams';
import type * as randomInsecureSeed from '@bytecodealliance/preview2-shim/interfaces/wasi-random-insecure-seed';
import type * as randomInsecure from '@bytecodealliance/preview2-shim/interfaces/wasi-random-insecure';
import type * as randomRandom from '@bytecodealliance/preview2-shim/interfaces/wasi-random-random';
import type * as socketsInstanceNetwork from '@bytecodealliance/preview2-shim/interfaces/wasi-sockets-instance-network';
import type * as socketsIpNameLookup from '@bytecodealliance/preview2-shim/interfaces/wasi-sockets-ip-name-lookup';
import type * as socketsNetwork from '@bytecodealliance/preview2-shim/interfaces/wasi-sockets-network';
import type * as socketsTcpCreateSocket from '@bytecodealliance/preview2-shim/interfaces/wasi-sockets-tcp-create-socket';
import type * as socketsTcp from '@bytecodealliance/preview2-shim/interfaces/wasi-sockets-tcp';
import type * as socketsUdpCreateSocket from '@bytecodealliance/preview2-shim/interfaces/wasi-sockets-udp-create-socket';
import type * as socketsUdp from '@bytecodealliance/preview2-shim/interfaces/wasi-sockets-udp';
import type { CheckResult } from '../policy/types.js';

/**
 * A WIT resource as an import object member: any class (jco checks arguments and results with
 * `instanceof` against the class the import object holds, so the gate's own classes stand
 * there) whose instances have every method of the resource, plus the resource's static
 * functions, and the WIT constructor when the resource has one (otherwise the constructor is
 * the implementation's own business).
 */
export type ResourceClass<C> = C extends new (...args: infer A) => infer I
  ? (new (...args: A) => I) & Omit<C, 'prototype'> // a WIT constructor: the class must take its arguments
  : C extends { readonly prototype: infer I }
    ? (abstract new (...args: never) => I) & Omit<C, 'prototype'> // no WIT constructor
    : never;

/** One WASI interface as an import object member: its functions as typed, its resources as ResourceClass. */
export type Implementation<M> = {
  readonly [K in keyof M]: M[K] extends (...args: never) => unknown ? M[K] : ResourceClass<M[K]>;
};

/** `molt:capabilities/capabilities` (wit/molt-capabilities.wit), which no shim types. */
export interface MoltCapabilities {
  check(name: string): CheckResult;
  checkId(id: number): CheckResult;
  /** Throws the check-result string (jco lowers it into `err`). */
  require(name: string): void;
  granted(): string[];
}

/** `exit-with-code` (WASI 0.2 `@unstable(feature = cli-exit-with-code)`), which the typings leave out. */
export interface ExitWithCode {
  exitWithCode(code: number): void;
}

/**
 * The WASI 0.2 import object a guest gets, keyed by unversioned interface name with camelCase
 * members (preview2-shim's `getImportObject()` shape), plus `molt:capabilities`.
 */
export interface WasiImports {
  readonly 'wasi:cli/environment': Implementation<typeof cliEnvironment>;
  readonly 'wasi:cli/exit': Implementation<typeof cliExit> & ExitWithCode;
  readonly 'wasi:cli/stderr': Implementation<typeof cliStderr>;
  readonly 'wasi:cli/stdin': Implementation<typeof cliStdin>;
  readonly 'wasi:cli/stdout': Implementation<typeof cliStdout>;
  readonly 'wasi:cli/terminal-input': Implementation<typeof cliTerminalInput>;
  readonly 'wasi:cli/terminal-output': Implementation<typeof cliTerminalOutput>;
  readonly 'wasi:cli/terminal-stderr': Implementation<typeof cliTerminalStderr>;
  readonly 'wasi:cli/terminal-stdin': Implementation<typeof cliTerminalStdin>;
  readonly 'wasi:cli/terminal-stdout': Implementation<typeof cliTerminalStdout>;
  readonly 'wasi:clocks/monotonic-clock': Implementation<typeof clocksMonotonicClock>;
  readonly 'wasi:clocks/wall-clock': Implementation<typeof clocksWallClock>;
  readonly 'wasi:filesystem/preopens': Implementation<typeof filesystemPreopens>;
  readonly 'wasi:filesystem/types': Implementation<typeof filesystemTypes>;
  /** Only when the platform serves incoming requests. */
  readonly 'wasi:http/incoming-handler'?: Implementation<typeof httpIncomingHandler>;
  readonly 'wasi:http/outgoing-handler': Implementation<typeof httpOutgoingHandler>;
  readonly 'wasi:http/types': Implementation<typeof httpTypes>;
  readonly 'wasi:io/error': Implementation<typeof ioError>;
  readonly 'wasi:io/poll': Implementation<typeof ioPoll>;
  readonly 'wasi:io/streams': Implementation<typeof ioStreams>;
  readonly 'wasi:random/insecure-seed': Implementation<typeof randomInsecureSeed>;
  readonly 'wasi:random/insecure': Implementation<typeof randomInsecure>;
  readonly 'wasi:random/random': Implementation<typeof randomRandom>;
  readonly 'wasi:sockets/instance-network': Implementation<typeof socketsInstanceNetwork>;
  readonly 'wasi:sockets/ip-name-lookup': Implementation<typeof socketsIpNameLookup>;
  readonly 'wasi:sockets/network': Implementation<typeof socketsNetwork>;
  readonly 'wasi:sockets/tcp-create-socket': Implementation<typeof socketsTcpCreateSocket>;
  readonly 'wasi:sockets/tcp': Implementation<typeof socketsTcp>;
  readonly 'wasi:sockets/udp-create-socket': Implementation<typeof socketsUdpCreateSocket>;
  readonly 'wasi:sockets/udp': Implementation<typeof socketsUdp>;
  readonly 'molt:capabilities/capabilities': MoltCapabilities;
}

/** The WASI interface names of the import object. */
export type WasiInterfaceName = keyof WasiImports;

// The WIT types the gate and preview1 name (one place; everything else uses them from here).
export type Pollable = ioPoll.Pollable;
export type InputStream = ioStreams.InputStream;
export type OutputStream = ioStreams.OutputStream;
export type StreamError = import('@bytecodealliance/preview2-shim/interfaces/wasi-io-streams').StreamError;
export type IoError = ioError.Error;
export type Datetime = import('@bytecodealliance/preview2-shim/interfaces/wasi-clocks-wall-clock').Datetime;
export type WasiDescriptor = filesystemTypes.Descriptor;
export type DirectoryEntryStream = filesystemTypes.DirectoryEntryStream;
export type {
  Advice,
  DescriptorFlags,
  DescriptorStat,
  DescriptorType,
  DirectoryEntry,
  ErrorCode as FilesystemErrorCode,
  MetadataHashValue,
  NewTimestamp,
  OpenFlags,
  PathFlags,
} from '@bytecodealliance/preview2-shim/interfaces/wasi-filesystem-types';
export type {
  IpAddress,
  IpAddressFamily,
  IpSocketAddress,
  ErrorCode as SocketsErrorCode,
} from '@bytecodealliance/preview2-shim/interfaces/wasi-sockets-network';
export type Network = socketsNetwork.Network;
export type TcpSocket = socketsTcp.TcpSocket;
export type UdpSocket = socketsUdp.UdpSocket;
export type IncomingDatagramStream = socketsUdp.IncomingDatagramStream;
export type OutgoingDatagramStream = socketsUdp.OutgoingDatagramStream;
export type { OutgoingDatagram, IncomingDatagram } from '@bytecodealliance/preview2-shim/interfaces/wasi-sockets-udp';
export type ResolveAddressStream = socketsIpNameLookup.ResolveAddressStream;
export type OutgoingRequest = httpTypes.OutgoingRequest;
export type RequestOptions = httpTypes.RequestOptions;
export type FutureIncomingResponse = httpTypes.FutureIncomingResponse;
export type {
  ErrorCode as HttpErrorCode,
  Method,
  Scheme,
  Fields,
  IncomingResponse,
  IncomingBody,
  FutureTrailers,
  Trailers,
  Result,
} from '@bytecodealliance/preview2-shim/interfaces/wasi-http-types';

// What the typings lack on the shim's own resource classes: jco makes every resource
// disposable (`[Symbol.dispose]`, the resource's drop), and molt-wasm's filesystem adds
// `readInto`. Merged into the shim's declarations (optional: an implementation may lack them).
declare module '@bytecodealliance/preview2-shim/interfaces/wasi-filesystem-types' {
  interface Descriptor {
    [Symbol.dispose]?(): void;
    /** molt-wasm's own (host/gate/fs/filesystem.ts), not WASI: see ReadInto. */
    readInto?(target: Uint8Array, offset: bigint): number;
  }
  interface DirectoryEntryStream {
    [Symbol.dispose]?(): void;
  }
}
declare module '@bytecodealliance/preview2-shim/interfaces/wasi-io-streams' {
  interface InputStream {
    [Symbol.dispose]?(): void;
  }
  interface OutputStream {
    [Symbol.dispose]?(): void;
  }
}
declare module '@bytecodealliance/preview2-shim/interfaces/wasi-sockets-tcp' {
  interface TcpSocket {
    [Symbol.dispose]?(): void;
  }
}
declare module '@bytecodealliance/preview2-shim/interfaces/wasi-sockets-udp' {
  interface UdpSocket {
    [Symbol.dispose]?(): void;
  }
  interface IncomingDatagramStream {
    [Symbol.dispose]?(): void;
  }
  interface OutgoingDatagramStream {
    [Symbol.dispose]?(): void;
  }
}
declare module '@bytecodealliance/preview2-shim/interfaces/wasi-sockets-ip-name-lookup' {
  interface ResolveAddressStream {
    [Symbol.dispose]?(): void;
  }
}
declare module '@bytecodealliance/preview2-shim/interfaces/wasi-io-poll' {
  interface Pollable {
    [Symbol.dispose]?(): void;
  }
}

/**
 * molt-wasm's own descriptor method (host/gate/fs/filesystem.ts), not WASI: `read` into the
 * caller's buffer (a view of guest memory), so preview1's `fd_read` copies once.
 */
export interface ReadInto {
  readInto(target: Uint8Array, offset: bigint): number;
}

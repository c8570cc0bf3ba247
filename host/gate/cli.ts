/**
 * `wasi:cli/*` for one guest: environment, exit, stdio and terminals. Nothing here is the
 * shim's process-wide state; every value comes from the guest's own GuestIo.
 * Platform-neutral.
 */
import { CapId, type Gate } from './gate.js';
import { GuestExit } from './exit.js';
import { STREAM_CHUNK, STREAM_READ_MAX, STREAM_WRITE_PERMIT, capLength, requireWithin } from './host-limits.js';
import type { GuestIo, WasiImportsPart, WasiPlatform } from './types.js';
import type { InputStream, OutputStream, Pollable } from './wasi.js';

const EMPTY = new Uint8Array(0);

/**
 * The platform's stream class as a base: only for `instanceof` (jco's checks). Typed as an
 * empty object on purpose, so each subclass here must itself have every method of the WIT
 * resource (a method it forgot is a compile error, not a silent fall-back to the base's).
 */
type StreamBase = new () => object;

/**
 * The guest's stdout/stderr: a subclass of the platform's OutputStream, because jco's
 * bindings check resources with `instanceof` and the shim's classes hold #private fields
 * (a lookalike object would be refused). Every method is overridden, so the base's private
 * state is never touched. Each write re-checks console.write: revocation is immediate.
 *
 * Host memory per call is bounded (host-limits.ts): `check-write` permits STREAM_WRITE_PERMIT
 * bytes and a `write`/`write-zeroes` past it traps (the WIT's contract); blocking writes and
 * zero fills reach the sink in pieces of at most STREAM_CHUNK; `splice` moves at most
 * STREAM_READ_MAX bytes per call.
 */
function makeOutputStreamClass(
  Base: StreamBase,
  gate: Gate,
  platform: WasiPlatform,
): new (iface: string, sink: ((b: Uint8Array) => void) | undefined) => OutputStream {
  return class GuestOutputStream extends Base {
    readonly #iface: string;
    readonly #sink: ((b: Uint8Array) => void) | undefined;
    constructor(iface: string, sink: ((b: Uint8Array) => void) | undefined) {
      super();
      this.#iface = iface;
      this.#sink = sink;
    }
    /** `buf` in pieces of at most STREAM_CHUNK, after one console.write check. */
    #emit(buf: Uint8Array, func: string): void {
      gate.requireId(CapId.console, this.#iface, func);
      if (this.#sink === undefined) return;
      // Copy: the bytes are a view into guest memory that the next call may overwrite.
      for (let at = 0; at < buf.length; at += STREAM_CHUNK) this.#sink(buf.slice(at, at + STREAM_CHUNK));
    }
    /**
     * `len` zero bytes, STREAM_CHUNK at a time: never one buffer of the guest's size. One zero
     * piece per call is handed over again and again (a sink that keeps what it is given keeps
     * one piece, not `len` bytes); a sink must not write into the bytes it receives.
     */
    #emitZeroes(len: bigint, func: string): void {
      gate.requireId(CapId.console, this.#iface, func);
      if (this.#sink === undefined || len === 0n) return;
      const zeroes = new Uint8Array(capLength(len, STREAM_CHUNK));
      for (let left = len; left > 0n;) {
        const n = capLength(left, STREAM_CHUNK);
        this.#sink(n === zeroes.length ? zeroes : zeroes.subarray(0, n));
        left -= BigInt(n);
      }
    }
    checkWrite(): bigint {
      return BigInt(STREAM_WRITE_PERMIT);
    }
    write(buf: Uint8Array): void {
      requireWithin(BigInt(buf.length), STREAM_WRITE_PERMIT, 'wasi:io/streams#output-stream.write');
      this.#emit(buf, 'output-stream.write');
    }
    blockingWriteAndFlush(buf: Uint8Array): void {
      // The bytes are already a copy of guest memory (jco lifted them): bounded by it.
      this.#emit(buf, 'output-stream.blocking-write-and-flush');
    }
    flush(): void {}
    blockingFlush(): void {}
    writeZeroes(len: bigint): void {
      requireWithin(len, STREAM_WRITE_PERMIT, 'wasi:io/streams#output-stream.write-zeroes');
      this.#emitZeroes(len, 'output-stream.write-zeroes');
    }
    blockingWriteZeroesAndFlush(len: bigint): void {
      this.#emitZeroes(len, 'output-stream.blocking-write-zeroes-and-flush');
    }
    splice(src: InputStream, len: bigint): bigint {
      return this.#splice(src, len, false);
    }
    blockingSplice(src: InputStream, len: bigint): bigint {
      return this.#splice(src, len, true);
    }
    /** At most STREAM_READ_MAX bytes (splice returns how many it moved); checked before reading. */
    #splice(src: InputStream, len: bigint, blocking: boolean): bigint {
      const func = blocking ? 'output-stream.blocking-splice' : 'output-stream.splice';
      gate.requireId(CapId.console, this.#iface, func);
      const n = BigInt(capLength(len, STREAM_READ_MAX));
      const bytes = blocking ? src.blockingRead(n) : src.read(n);
      this.#emit(bytes, func);
      return BigInt(bytes.length);
    }
    subscribe(): Pollable {
      return platform.readyPollable();
    }
    [Symbol.dispose](): void {}
  };
}

/**
 * The guest's stdin: a subclass of the platform's InputStream over a fixed byte buffer. A read
 * returns at most STREAM_READ_MAX bytes (the WIT allows fewer than asked); skip copies nothing.
 */
function makeInputStreamClass(Base: StreamBase, platform: WasiPlatform): new (data: Uint8Array | (() => Uint8Array)) => InputStream {
  return class GuestInputStream extends Base {
    #source: (() => Uint8Array) | undefined;
    #data: Uint8Array = EMPTY;
    constructor(data: Uint8Array | (() => Uint8Array)) {
      super();
      if (typeof data === 'function') this.#source = data;
      else this.#data = data;
    }
    /** The next at most `max` bytes (a view), consumed; `closed` at the end. */
    #take(len: bigint, max: number): Uint8Array {
      if (this.#source !== undefined) {
        this.#data = this.#source();
        this.#source = undefined;
      }
      if (this.#data.length === 0) throw { tag: 'closed' };
      const n = Math.min(capLength(len, max), this.#data.length);
      const out = this.#data.subarray(0, n);
      this.#data = this.#data.subarray(n);
      return out;
    }
    read(len: bigint): Uint8Array {
      return this.#take(len, STREAM_READ_MAX).slice();
    }
    blockingRead(len: bigint): Uint8Array {
      return this.read(len);
    }
    skip(len: bigint): bigint {
      return BigInt(this.#take(len, Number.MAX_SAFE_INTEGER).length);
    }
    blockingSkip(len: bigint): bigint {
      return this.skip(len);
    }
    subscribe(): Pollable {
      return platform.readyPollable();
    }
    [Symbol.dispose](): void {}
  };
}

/** Builds the ten `wasi:cli/*` interfaces for one guest. */
/** The interfaces this module builds. */
type CliImports = WasiImportsPart<
  | 'wasi:cli/environment'
  | 'wasi:cli/exit'
  | 'wasi:cli/stdout'
  | 'wasi:cli/stderr'
  | 'wasi:cli/stdin'
  | 'wasi:cli/terminal-input'
  | 'wasi:cli/terminal-output'
  | 'wasi:cli/terminal-stdin'
  | 'wasi:cli/terminal-stdout'
  | 'wasi:cli/terminal-stderr'
>;

export function createGatedCli(gate: Gate, io: GuestIo, platform: WasiPlatform): CliImports {
  const streams = platform.io.streams;
  const GuestOutput = makeOutputStreamClass(streams.OutputStream as unknown as StreamBase, gate, platform);
  const GuestInput = makeInputStreamClass(streams.InputStream as unknown as StreamBase, platform);
  const args = [...(io.args ?? [])];
  const env = Object.entries(io.env ?? {});
  let stdout: OutputStream | undefined;
  let stderr: OutputStream | undefined;
  let stdin: InputStream | undefined;

  class TerminalInput {}
  class TerminalOutput {}

  return {
    'wasi:cli/environment': {
      getEnvironment(): Array<[string, string]> {
        // SPEC section 5: not granted at all reads as an empty environment (the denial is
        // audited), never a trap: programs read their environment at start-up, and "no
        // variables" is what Wasmtime and Deno's --ignore-env give too. Granted: only the
        // names it allows.
        if (!gate.allowsId(CapId.env, 'wasi:cli/environment', 'get-environment')) return [];
        return env.filter(([name]) => gate.allows('env', { kind: 'env', name }, 'wasi:cli/environment', 'get-environment'));
      },
      getArguments(): string[] {
        return args;
      },
      initialCwd(): string | undefined {
        if (io.cwd === undefined) return undefined;
        return gate.allows('fs.read', { kind: 'path', path: io.cwd }, 'wasi:cli/environment', 'initial-cwd') ? io.cwd : undefined;
      },
    },
    'wasi:cli/exit': {
      exit(status: { tag: 'ok' | 'err' }): never {
        throw new GuestExit(status.tag === 'err' ? 1 : 0);
      },
      exitWithCode(code: number): never {
        throw new GuestExit(code);
      },
    },
    'wasi:cli/stdout': {
      getStdout(): OutputStream {
        gate.requireId(CapId.console, 'wasi:cli/stdout', 'get-stdout');
        return (stdout ??= new GuestOutput('wasi:io/streams', io.stdout));
      },
    },
    'wasi:cli/stderr': {
      getStderr(): OutputStream {
        gate.requireId(CapId.console, 'wasi:cli/stderr', 'get-stderr');
        return (stderr ??= new GuestOutput('wasi:io/streams', io.stderr));
      },
    },
    'wasi:cli/stdin': {
      getStdin(): InputStream {
        return (stdin ??= new GuestInput(io.stdin ?? EMPTY));
      },
    },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': {
      // The guest's stdin is a buffer, never a terminal.
      getTerminalStdin(): undefined {
        return undefined;
      },
    },
    'wasi:cli/terminal-stdout': {
      getTerminalStdout(): undefined {
        gate.requireId(CapId.console, 'wasi:cli/terminal-stdout', 'get-terminal-stdout');
        return undefined;
      },
    },
    'wasi:cli/terminal-stderr': {
      getTerminalStderr(): undefined {
        gate.requireId(CapId.console, 'wasi:cli/terminal-stderr', 'get-terminal-stderr');
        return undefined;
      },
    },
  };
}

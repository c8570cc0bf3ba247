/**
 * `wasi:cli/*` for one guest: environment, exit, stdio and terminals. Nothing here is the
 * shim's process-wide state; every value comes from the guest's own GuestIo.
 * Platform-neutral.
 */
import { CapId, type Gate } from './gate.js';
import { GuestExit } from './exit.js';
import type { GuestIo, WasiImportObject, WasiInterface, WasiPlatform } from './types.js';

const EMPTY = new Uint8Array(0);

type StreamClass = new () => WasiInterface;

/**
 * The guest's stdout/stderr: a subclass of the platform's OutputStream, because jco's
 * bindings check resources with `instanceof` and the shim's classes hold #private fields
 * (a lookalike object would be refused). Every method is overridden, so the base's private
 * state is never touched. Each write re-checks console.write: revocation is immediate.
 */
function makeOutputStreamClass(
  Base: StreamClass,
  gate: Gate,
  platform: WasiPlatform,
): new (iface: string, sink: ((b: Uint8Array) => void) | undefined) => WasiInterface {
  return class GuestOutputStream extends Base {
    readonly #iface: string;
    readonly #sink: ((b: Uint8Array) => void) | undefined;
    constructor(iface: string, sink: ((b: Uint8Array) => void) | undefined) {
      super();
      this.#iface = iface;
      this.#sink = sink;
    }
    #emit(buf: Uint8Array, func: string): void {
      gate.requireId(CapId.console, this.#iface, func);
      // Copy: the bytes are a view into guest memory that the next call may overwrite.
      if (this.#sink !== undefined && buf.length > 0) this.#sink(buf.slice());
    }
    checkWrite(): bigint {
      return 1n << 20n;
    }
    write(buf: Uint8Array): void {
      this.#emit(buf, 'output-stream.write');
    }
    blockingWriteAndFlush(buf: Uint8Array): void {
      this.#emit(buf, 'output-stream.blocking-write-and-flush');
    }
    flush(): void {}
    blockingFlush(): void {}
    writeZeroes(len: bigint): void {
      this.#emit(new Uint8Array(Number(len)), 'output-stream.write-zeroes');
    }
    blockingWriteZeroesAndFlush(len: bigint): void {
      this.#emit(new Uint8Array(Number(len)), 'output-stream.blocking-write-zeroes-and-flush');
    }
    splice(src: WasiInterface, len: bigint): bigint {
      const bytes = src.read(len) as Uint8Array;
      this.#emit(bytes, 'output-stream.splice');
      return BigInt(bytes.length);
    }
    blockingSplice(src: WasiInterface, len: bigint): bigint {
      const bytes = src.blockingRead(len) as Uint8Array;
      this.#emit(bytes, 'output-stream.blocking-splice');
      return BigInt(bytes.length);
    }
    subscribe(): object {
      return platform.readyPollable();
    }
    [Symbol.dispose](): void {}
  };
}

/** The guest's stdin: a subclass of the platform's InputStream over a fixed byte buffer. */
function makeInputStreamClass(
  Base: StreamClass,
  platform: WasiPlatform,
): new (data: Uint8Array | (() => Uint8Array)) => WasiInterface {
  return class GuestInputStream extends Base {
    #source: (() => Uint8Array) | undefined;
    #data: Uint8Array = EMPTY;
    constructor(data: Uint8Array | (() => Uint8Array)) {
      super();
      if (typeof data === 'function') this.#source = data;
      else this.#data = data;
    }
    read(len: bigint): Uint8Array {
      if (this.#source !== undefined) {
        this.#data = this.#source();
        this.#source = undefined;
      }
      if (this.#data.length === 0) throw { tag: 'closed' };
      const n = Math.min(Number(len), this.#data.length);
      const out = this.#data.slice(0, n);
      this.#data = this.#data.subarray(n);
      return out;
    }
    blockingRead(len: bigint): Uint8Array {
      return this.read(len);
    }
    skip(len: bigint): bigint {
      return BigInt(this.read(len).length);
    }
    blockingSkip(len: bigint): bigint {
      return this.skip(len);
    }
    subscribe(): object {
      return platform.readyPollable();
    }
    [Symbol.dispose](): void {}
  };
}

/** Builds the ten `wasi:cli/*` interfaces for one guest. */
export function createGatedCli(gate: Gate, io: GuestIo, platform: WasiPlatform): WasiImportObject {
  const streams = platform.io.streams;
  const OutputStream = makeOutputStreamClass(streams.OutputStream as StreamClass, gate, platform);
  const InputStream = makeInputStreamClass(streams.InputStream as StreamClass, platform);
  const args = [...(io.args ?? [])];
  const env = Object.entries(io.env ?? {});
  let stdout: WasiInterface | undefined;
  let stderr: WasiInterface | undefined;
  let stdin: WasiInterface | undefined;

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
        return env.filter(([name]) =>
          gate.allows('env', { kind: 'env', name }, 'wasi:cli/environment', 'get-environment'),
        );
      },
      getArguments(): string[] {
        return args;
      },
      initialCwd(): string | undefined {
        if (io.cwd === undefined) return undefined;
        return gate.allows('fs.read', { kind: 'path', path: io.cwd }, 'wasi:cli/environment', 'initial-cwd')
          ? io.cwd
          : undefined;
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
      getStdout(): WasiInterface {
        gate.requireId(CapId.console, 'wasi:cli/stdout', 'get-stdout');
        return (stdout ??= new OutputStream('wasi:io/streams', io.stdout));
      },
    },
    'wasi:cli/stderr': {
      getStderr(): WasiInterface {
        gate.requireId(CapId.console, 'wasi:cli/stderr', 'get-stderr');
        return (stderr ??= new OutputStream('wasi:io/streams', io.stderr));
      },
    },
    'wasi:cli/stdin': {
      getStdin(): WasiInterface {
        return (stdin ??= new InputStream(io.stdin ?? EMPTY));
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

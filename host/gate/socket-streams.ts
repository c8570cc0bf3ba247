/**
 * A TCP connection's streams as the guest sees them (finish-connect, accept): the platform's
 * streams held by composition, with `splice` and `blocking-splice` done here.
 *
 * Why: preview2-shim's `splice`/`blocking-splice` send its I/O worker the SOURCE stream's
 * private id. Every other stream a guest holds is molt-wasm's own (stdin, files, HTTP bodies,
 * subclasses of the shim's class for jco's `instanceof`, with no id), and the shim answers
 * that error with `console.trace` and `process.exit(1)`: a guest granted `net` for one
 * address ended the whole host process (every other guest, the embedding application) with
 * `out.blocking-splice(stdin, n)`, an ordinary way to pipe stdin to a socket. Here a splice
 * is a read of at most STREAM_READ_MAX bytes through the source's own `read` (its checks and
 * bounds), then a write of them, so the platform never sees a stream it did not make.
 * Platform-neutral.
 */
import { capLength, STREAM_READ_MAX } from './host-limits.js';
import { disposeInner } from './resource.js';
import type { WasiPlatform } from './types.js';
import type { InputStream, OutputStream, Pollable } from './wasi.js';

/** `blocking-write-and-flush` takes at most this many bytes per call (WASI 0.2 streams). */
const BLOCKING_WRITE_MAX = 4096;

/** The platform's stream class as a base: only for `instanceof` (jco's checks). */
type StreamBase = new () => object;

export interface SocketStreamClasses {
  /** The guest's view of a connection's streams. */
  wrap(pair: [InputStream, OutputStream]): [InputStream, OutputStream];
}

export function createSocketStreamClasses(platform: WasiPlatform): SocketStreamClasses {
  const BaseInput = platform.io.streams.InputStream as unknown as StreamBase;
  const BaseOutput = platform.io.streams.OutputStream as unknown as StreamBase;

  class SocketInputStream extends BaseInput {
    readonly #inner: InputStream;
    constructor(inner: InputStream) {
      super();
      this.#inner = inner;
    }
    read(len: bigint): Uint8Array {
      return this.#inner.read(len);
    }
    blockingRead(len: bigint): Uint8Array {
      return this.#inner.blockingRead(len);
    }
    skip(len: bigint): bigint {
      return this.#inner.skip(len);
    }
    blockingSkip(len: bigint): bigint {
      return this.#inner.blockingSkip(len);
    }
    subscribe(): Pollable {
      return this.#inner.subscribe();
    }
    [Symbol.dispose](): void {
      disposeInner(this.#inner);
    }
  }

  class SocketOutputStream extends BaseOutput {
    readonly #inner: OutputStream;
    constructor(inner: OutputStream) {
      super();
      this.#inner = inner;
    }
    checkWrite(): bigint {
      return this.#inner.checkWrite();
    }
    write(contents: Uint8Array): void {
      this.#inner.write(contents);
    }
    blockingWriteAndFlush(contents: Uint8Array): void {
      this.#inner.blockingWriteAndFlush(contents);
    }
    flush(): void {
      this.#inner.flush();
    }
    blockingFlush(): void {
      this.#inner.blockingFlush();
    }
    writeZeroes(len: bigint): void {
      this.#inner.writeZeroes(len);
    }
    blockingWriteZeroesAndFlush(len: bigint): void {
      this.#inner.blockingWriteZeroesAndFlush(len);
    }
    /** As much as the connection takes now (check-write), at most STREAM_READ_MAX; never blocks. */
    splice(src: InputStream, len: bigint): bigint {
      const room = this.#inner.checkWrite();
      const n = capLength(len < room ? len : room, STREAM_READ_MAX);
      if (n === 0) return 0n;
      const bytes = src.read(BigInt(n));
      if (bytes.length > 0) this.#inner.write(bytes);
      return BigInt(bytes.length);
    }
    /** Waits for the source, then writes and flushes what it gave (at most STREAM_READ_MAX). */
    blockingSplice(src: InputStream, len: bigint): bigint {
      const bytes = src.blockingRead(BigInt(capLength(len, STREAM_READ_MAX)));
      for (let at = 0; at < bytes.length; at += BLOCKING_WRITE_MAX) {
        this.#inner.blockingWriteAndFlush(bytes.subarray(at, at + BLOCKING_WRITE_MAX));
      }
      return BigInt(bytes.length);
    }
    subscribe(): Pollable {
      return this.#inner.subscribe();
    }
    [Symbol.dispose](): void {
      disposeInner(this.#inner);
    }
  }

  return {
    wrap([input, output]) {
      return [new SocketInputStream(input) as unknown as InputStream, new SocketOutputStream(output) as unknown as OutputStream];
    },
  };
}

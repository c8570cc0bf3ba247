/**
 * A TCP connection's streams as the guest sees them (finish-connect, accept): the platform's
 * streams held by composition, every length the guest passes bounded here, and `splice` and
 * `blocking-splice` done here.
 *
 * Why: preview2-shim's `splice`/`blocking-splice` send its I/O worker the SOURCE stream's
 * private id. Every other stream a guest holds is molt-wasm's own (stdin, files, HTTP bodies,
 * subclasses of the shim's class for jco's `instanceof`, with no id), and the shim answers
 * that error with `console.trace` and `process.exit(1)`: a guest granted `net` for one
 * address ended the whole host process (every other guest, the embedding application) with
 * `out.blocking-splice(stdin, n)`, an ordinary way to pipe stdin to a socket. Here a splice
 * is a read of at most STREAM_READ_MAX bytes through the source's own `read` (its checks and
 * bounds), then a write of them, so the platform never sees a stream it did not make.
 *
 * The same shim answered other guest-chosen lengths with an allocation of that length in its
 * I/O worker (`skip(n)`, `write-zeroes(n)`: up to a GiB per call, which the zero-fill bound of
 * files and stdout, docs/limits.md, never reached), or with the same process.exit (a `write`
 * past `check-write`, a `blocking-write-and-flush` past 4096 bytes, a length over a GiB).
 * Here: reads and skips return at most STREAM_READ_MAX (the WIT allows fewer than asked); a
 * write or zero fill past `check-write`, or a blocking zero fill past 4096, traps as the WIT
 * says (HostLimitTrap, the guest's instance ends, never the host); a blocking write of more
 * than 4096 bytes (already in guest memory) is sent in 4096-byte pieces.
 * Platform-neutral.
 */
import { capLength, HostLimitTrap, STREAM_READ_MAX } from './host-limits.js';
import { disposeInner } from './resource.js';
import type { WasiPlatform } from './types.js';
import type { InputStream, OutputStream, Pollable } from './wasi.js';

/** `blocking-write-and-flush` and `blocking-write-zeroes-and-flush` take at most this many bytes per call (WASI 0.2 streams). */
const BLOCKING_WRITE_MAX = 4096;
const IFACE = 'wasi:io/streams#output-stream.';

/** A length past what the WIT permits: a trap (the guest's instance ends), never the platform's process.exit. */
function requirePermitted(len: bigint, permit: bigint, func: string): void {
  if (len > permit) throw new HostLimitTrap(IFACE + func, len, Number(permit));
}

/** preview2-shim's TCP `skip` answers the skipped bytes themselves, not their count (a u64 in the WIT). */
function skipped(r: bigint | Uint8Array): bigint {
  return typeof r === 'bigint' ? r : BigInt(r.length);
}

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
      return this.#inner.read(BigInt(capLength(len, STREAM_READ_MAX)));
    }
    blockingRead(len: bigint): Uint8Array {
      return this.#inner.blockingRead(BigInt(capLength(len, STREAM_READ_MAX)));
    }
    skip(len: bigint): bigint {
      return skipped(this.#inner.skip(BigInt(capLength(len, STREAM_READ_MAX))));
    }
    blockingSkip(len: bigint): bigint {
      return skipped(this.#inner.blockingSkip(BigInt(capLength(len, STREAM_READ_MAX))));
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
    /**
     * What the last `check-write` permitted, less what was written since: never more than the
     * platform permits now (its buffer only drains meanwhile), so a write within it needs no
     * second question to the platform's I/O worker; past it the platform is asked again.
     */
    #permit = 0n;
    constructor(inner: OutputStream) {
      super();
      this.#inner = inner;
    }
    checkWrite(): bigint {
      return (this.#permit = this.#inner.checkWrite());
    }
    /** Throws the WIT's trap when `len` is past what `check-write` permits; else counts it as written. */
    #spend(len: bigint, func: string): void {
      if (len > this.#permit) requirePermitted(len, this.checkWrite(), func);
      this.#permit -= len;
    }
    write(contents: Uint8Array): void {
      this.#spend(BigInt(contents.length), 'write');
      this.#inner.write(contents);
    }
    blockingWriteAndFlush(contents: Uint8Array): void {
      for (let at = 0; at < contents.length; at += BLOCKING_WRITE_MAX) {
        this.#inner.blockingWriteAndFlush(contents.subarray(at, at + BLOCKING_WRITE_MAX));
      }
    }
    flush(): void {
      this.#inner.flush();
    }
    blockingFlush(): void {
      this.#inner.blockingFlush();
    }
    writeZeroes(len: bigint): void {
      this.#spend(len, 'write-zeroes');
      this.#inner.writeZeroes(len);
    }
    blockingWriteZeroesAndFlush(len: bigint): void {
      requirePermitted(len, BigInt(BLOCKING_WRITE_MAX), 'blocking-write-zeroes-and-flush');
      this.#inner.blockingWriteZeroesAndFlush(len);
    }
    /** As much as the connection takes now (check-write), at most STREAM_READ_MAX; never blocks. */
    splice(src: InputStream, len: bigint): bigint {
      const room = this.checkWrite();
      const n = capLength(len < room ? len : room, STREAM_READ_MAX);
      if (n === 0) return 0n;
      const bytes = src.read(BigInt(n));
      if (bytes.length > 0) this.write(bytes);
      return BigInt(bytes.length);
    }
    /** Waits for the source, then writes and flushes what it gave (at most STREAM_READ_MAX). */
    blockingSplice(src: InputStream, len: bigint): bigint {
      const bytes = src.blockingRead(BigInt(capLength(len, STREAM_READ_MAX)));
      this.blockingWriteAndFlush(bytes);
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

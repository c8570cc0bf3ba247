/**
 * File streams (`read-via-stream`, `write-via-stream`, `append-via-stream`): synchronous on
 * the calling thread, each call checked live against the policy at the path the file is at
 * now (revocation and renames count at the next call), and bounded: a read or a zero fill
 * never makes the host allocate more than FS_MAX_IO_BYTES, whatever length the guest asks
 * for. They subclass the platform's stream classes so jco's `instanceof` checks accept them.
 * Platform-neutral.
 */
import type { WasiPlatform } from '../types.js';
import type { InputStream, IoError, OutputStream, Pollable } from '../wasi.js';
import type { OpenFile } from './open-files.js';

/** The most one read, check-write budget or zero-fill chunk may cost the host (docs/limits.md). */
export const FS_MAX_IO_BYTES = 1 << 20;
const ZEROES = new Uint8Array(64 * 1024);

/**
 * The platform's stream class as a base: only for `instanceof` (jco's checks). Typed as an
 * empty object on purpose, so each subclass here must itself have every method of the WIT
 * resource (one it forgot is a compile error, not a silent fall-back to the base's).
 */
type StreamBase = new () => object;
/** The platform's `wasi:io/error` class: the shim's takes the error's payload. */
type ErrorClass = new (payload: string) => IoError;

export interface FileStreamClasses {
  readonly InputStream: new (file: OpenFile<unknown>, offset: bigint) => InputStream;
  readonly OutputStream: new (file: OpenFile<unknown>, offset: bigint | 'append') => OutputStream;
  /** The `wasi:io/error` resource for a failed operation, carrying its error-code. */
  ioError(code: string): IoError;
}

/** A thrown error-code string, as a stream error; anything else (a trap) passes through. */
function streamError(e: unknown, ioError: (code: string) => IoError): unknown {
  return typeof e === 'string' ? { tag: 'last-operation-failed', val: ioError(e) } : e;
}

/**
 * The live policy check streams make on every call: the gate's answer for `cap` at `path`
 * (filesystem.ts passes its `allows`, which remembers `ok` answers for one policy generation).
 */
export type StreamCheck = (cap: 'fs.read' | 'fs.write', path: string, func: string) => boolean;

export function createFileStreamClasses(allows: StreamCheck, platform: WasiPlatform): FileStreamClasses {
  const BaseInput = platform.io.streams.InputStream as unknown as StreamBase;
  const BaseOutput = platform.io.streams.OutputStream as unknown as StreamBase;
  const PlatformIoError = platform.io.error.Error as unknown as ErrorClass;
  const ioError = (code: string): IoError => new PlatformIoError(code);

  class FileInputStream extends BaseInput {
    #file: OpenFile<unknown> | null;
    #offset: bigint;
    constructor(file: OpenFile<unknown>, offset: bigint) {
      super();
      this.#file = file;
      this.#offset = offset;
      file.retain();
    }
    read(len: bigint): Uint8Array {
      const file = this.#file;
      if (file === null) throw { tag: 'closed' };
      if (!allows('fs.read', file.path, 'input-stream.read')) {
        throw { tag: 'last-operation-failed', val: ioError('access') };
      }
      const n = len > BigInt(FS_MAX_IO_BYTES) ? FS_MAX_IO_BYTES : Number(len);
      if (n === 0) return new Uint8Array(0);
      let bytes: Uint8Array;
      try {
        bytes = file.table.backend.read(file.handle, n, this.#offset);
      } catch (e) {
        throw streamError(e, ioError);
      }
      if (bytes.length === 0) throw { tag: 'closed' };
      this.#offset += BigInt(bytes.length);
      return bytes;
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
    subscribe(): Pollable {
      return platform.readyPollable();
    }
    [Symbol.dispose](): void {
      this.#file?.release();
      this.#file = null;
    }
  }

  class FileOutputStream extends BaseOutput {
    #file: OpenFile<unknown> | null;
    #offset: bigint | 'append';
    constructor(file: OpenFile<unknown>, offset: bigint | 'append') {
      super();
      this.#file = file;
      this.#offset = offset;
      file.retain();
    }
    #writable(func: string): OpenFile<unknown> {
      const file = this.#file;
      if (file === null) throw { tag: 'closed' };
      if (!allows('fs.write', file.path, func)) {
        throw { tag: 'last-operation-failed', val: ioError('access') };
      }
      return file;
    }
    checkWrite(): bigint {
      if (this.#file === null) throw { tag: 'closed' };
      return BigInt(FS_MAX_IO_BYTES);
    }
    write(buf: Uint8Array): void {
      this.#writeChunk(buf, 'output-stream.write');
    }
    blockingWriteAndFlush(buf: Uint8Array): void {
      this.write(buf);
    }
    flush(): void {
      if (this.#file === null) throw { tag: 'closed' };
    }
    blockingFlush(): void {
      this.flush();
    }
    writeZeroes(len: bigint): void {
      // The check-write contract: no more than its budget per call; never a guest-sized buffer.
      if (len > BigInt(FS_MAX_IO_BYTES)) throw { tag: 'last-operation-failed', val: ioError('invalid') };
      let left = Number(len);
      while (left > 0) {
        const n = Math.min(left, ZEROES.length);
        this.#writeChunk(ZEROES.subarray(0, n), 'output-stream.write-zeroes');
        left -= n;
      }
    }
    #writeChunk(chunk: Uint8Array, func: string): void {
      const file = this.#writable(func);
      try {
        const n = file.table.backend.write(file.handle, chunk, this.#offset);
        if (this.#offset !== 'append') this.#offset += BigInt(n);
      } catch (e) {
        throw streamError(e, ioError);
      }
    }
    blockingWriteZeroesAndFlush(len: bigint): void {
      this.writeZeroes(len);
    }
    splice(src: InputStream, len: bigint): bigint {
      const bytes = src.read(len > BigInt(FS_MAX_IO_BYTES) ? BigInt(FS_MAX_IO_BYTES) : len);
      this.write(bytes);
      return BigInt(bytes.length);
    }
    blockingSplice(src: InputStream, len: bigint): bigint {
      const bytes = src.blockingRead(len > BigInt(FS_MAX_IO_BYTES) ? BigInt(FS_MAX_IO_BYTES) : len);
      this.write(bytes);
      return BigInt(bytes.length);
    }
    subscribe(): Pollable {
      return platform.readyPollable();
    }
    [Symbol.dispose](): void {
      this.#file?.release();
      this.#file = null;
    }
  }

  return { InputStream: FileInputStream, OutputStream: FileOutputStream, ioError };
}

/**
 * Typed access to the guest's linear memory. The memory's ArrayBuffer is replaced whenever
 * the guest grows it, so every access re-reads `memory.buffer`; the DataView over it is kept
 * until the buffer changes.
 * Out-of-bounds or misaligned pointers trap (witx: "the function shall trap"), as Wasmtime does.
 */
import { Errno } from './constants.js';
import { fail } from './errno.js';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

export class GuestMemory {
  #memory: WebAssembly.Memory | undefined;

  bind(memory: WebAssembly.Memory): void {
    this.#memory = memory;
  }

  #buffer(): ArrayBuffer {
    if (!this.#memory) {
      throw new Error('preview1: guest memory is not bound (call bindMemory after instantiation)');
    }
    return this.#memory.buffer;
  }

  #check(ptr: number, len: number, align = 1): ArrayBuffer {
    const buffer = this.#buffer();
    if (ptr < 0 || len < 0 || ptr + len > buffer.byteLength) {
      throw new WebAssembly.RuntimeError(`wasi: pointer ${ptr}+${len} out of bounds`);
    }
    if (ptr % align !== 0) {
      throw new WebAssembly.RuntimeError(`wasi: pointer ${ptr} not aligned to ${align}`);
    }
    return buffer;
  }

  /** One view per buffer: growth replaces the buffer, and with it this view. */
  #dataView: DataView | undefined;

  #view(ptr: number, len: number, align = 1): DataView {
    const buffer = this.#check(ptr >>> 0, len, align);
    if (this.#dataView?.buffer !== buffer) this.#dataView = new DataView(buffer);
    return this.#dataView;
  }

  u8(ptr: number): number {
    return this.#view(ptr, 1).getUint8(ptr >>> 0);
  }
  u16(ptr: number): number {
    return this.#view(ptr, 2, 2).getUint16(ptr >>> 0, true);
  }
  u32(ptr: number): number {
    return this.#view(ptr, 4, 4).getUint32(ptr >>> 0, true);
  }
  u64(ptr: number): bigint {
    return this.#view(ptr, 8, 8).getBigUint64(ptr >>> 0, true);
  }
  setU8(ptr: number, v: number): void {
    this.#view(ptr, 1).setUint8(ptr >>> 0, v);
  }
  setU16(ptr: number, v: number): void {
    this.#view(ptr, 2, 2).setUint16(ptr >>> 0, v, true);
  }
  setU32(ptr: number, v: number): void {
    this.#view(ptr, 4, 4).setUint32(ptr >>> 0, v >>> 0, true);
  }
  setU64(ptr: number, v: bigint | number): void {
    this.#view(ptr, 8, 8).setBigUint64(ptr >>> 0, BigInt.asUintN(64, BigInt(v)), true);
  }

  /** A live view of guest bytes (valid until the guest next grows its memory). */
  bytes(ptr: number, len: number): Uint8Array {
    ptr >>>= 0;
    len >>>= 0;
    return new Uint8Array(this.#check(ptr, len), ptr, len);
  }

  /** A copy of guest bytes, safe to hand to the 0.2 layer. */
  copyOut(ptr: number, len: number): Uint8Array {
    return this.bytes(ptr, len).slice();
  }

  write(ptr: number, data: Uint8Array): void {
    this.bytes(ptr, data.length).set(data);
  }

  /** A UTF-8 string argument; invalid UTF-8 is EILSEQ (Wasmtime). */
  string(ptr: number, len: number): string {
    try {
      return utf8Decoder.decode(this.bytes(ptr, len));
    } catch (e) {
      if (e instanceof TypeError) fail(Errno.ilseq);
      throw e;
    }
  }

  /** The memory's current size in bytes. */
  size(): number {
    return this.#buffer().byteLength;
  }

  /** Traps (like any out-of-bounds pointer) unless `ptr..ptr+len` is inside the memory. */
  requireRange(ptr: number, len: number): void {
    this.#check(ptr >>> 0, len >>> 0);
  }

  /**
   * An iovec/ciovec array (`{ buf: u32, buf_len: u32 }[]`), read lazily. The array, then every
   * buffer, is bounds-checked when this is called, before any is handed out: an out-of-bounds
   * iovec traps before the call does any I/O, and a huge `count` costs no host list.
   */
  iovecs(ptr: number, count: number): Iterable<{ ptr: number; len: number }> {
    ptr >>>= 0;
    count >>>= 0;
    this.#check(ptr, count * 8, 4);
    const at = (i: number) => ({ ptr: this.u32(ptr + i * 8), len: this.u32(ptr + i * 8 + 4) });
    for (let i = 0; i < count; i++) {
      const v = at(i);
      this.#check(v.ptr, v.len);
    }
    return {
      *[Symbol.iterator]() {
        for (let i = 0; i < count; i++) yield at(i);
      },
    };
  }
}

export function encodeUtf8(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

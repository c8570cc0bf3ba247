/**
 * Typed access to the guest's linear memory. Growing a memory replaces its ArrayBuffer (the
 * old one is detached: its length becomes 0), so the buffer and the views over it are kept
 * only while they are current: a detached buffer, or an access beyond the kept buffer's end
 * (a shared memory's buffer is never detached, only outgrown), reads `memory.buffer` again
 * before deciding. No view is made per access.
 * Out-of-bounds or misaligned pointers trap (witx: "the function shall trap"), as Wasmtime does.
 */
import { Errno } from './constants.js';
import { fail } from './errno.js';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();
const EMPTY = new ArrayBuffer(0);
const TWO_32 = 0x1_0000_0000;

export class GuestMemory {
  #memory: WebAssembly.Memory | undefined;
  /** The buffer last read from the memory, and views over it (EMPTY until bound). */
  #ab: ArrayBufferLike = EMPTY;
  #dv = new DataView(EMPTY);
  #u8 = new Uint8Array(EMPTY);

  bind(memory: WebAssembly.Memory): void {
    this.#memory = memory;
    this.#ab = EMPTY;
  }

  /** Reads the memory's current buffer and makes the views over it. */
  #refresh(): ArrayBufferLike {
    if (!this.#memory) {
      throw new Error('preview1: guest memory is not bound (call bindMemory after instantiation)');
    }
    const ab = this.#memory.buffer;
    if (ab !== this.#ab) {
      this.#ab = ab;
      this.#dv = new DataView(ab);
      this.#u8 = new Uint8Array(ab);
    }
    return ab;
  }

  /** Traps unless `ptr..ptr+len` is inside the memory and `ptr` is aligned; makes the views current. */
  #check(ptr: number, len: number, align = 1): void {
    const end = ptr + len;
    let size = this.#ab.byteLength;
    // A detached buffer (size 0) or an outgrown one: ask the memory before refusing.
    if (size === 0 || end > size) size = this.#refresh().byteLength;
    if (ptr < 0 || len < 0 || end > size) {
      throw new WebAssembly.RuntimeError(`wasi: pointer ${ptr}+${len} out of bounds`);
    }
    if (ptr % align !== 0) {
      throw new WebAssembly.RuntimeError(`wasi: pointer ${ptr} not aligned to ${align}`);
    }
  }

  u8(ptr: number): number {
    ptr >>>= 0;
    this.#check(ptr, 1);
    return this.#dv.getUint8(ptr);
  }
  u16(ptr: number): number {
    ptr >>>= 0;
    this.#check(ptr, 2, 2);
    return this.#dv.getUint16(ptr, true);
  }
  u32(ptr: number): number {
    ptr >>>= 0;
    this.#check(ptr, 4, 4);
    return this.#dv.getUint32(ptr, true);
  }
  u64(ptr: number): bigint {
    ptr >>>= 0;
    this.#check(ptr, 8, 8);
    return this.#dv.getBigUint64(ptr, true);
  }
  setU8(ptr: number, v: number): void {
    ptr >>>= 0;
    this.#check(ptr, 1);
    this.#dv.setUint8(ptr, v);
  }
  setU16(ptr: number, v: number): void {
    ptr >>>= 0;
    this.#check(ptr, 2, 2);
    this.#dv.setUint16(ptr, v, true);
  }
  setU32(ptr: number, v: number): void {
    ptr >>>= 0;
    this.#check(ptr, 4, 4);
    this.#dv.setUint32(ptr, v >>> 0, true);
  }
  /** A u64, wrapped modulo 2^64; a safe non-negative integer number is written without a BigInt. */
  setU64(ptr: number, v: bigint | number): void {
    ptr >>>= 0;
    this.#check(ptr, 8, 8);
    if (typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER && Number.isInteger(v)) {
      this.#dv.setUint32(ptr, v % TWO_32, true);
      this.#dv.setUint32(ptr + 4, Math.floor(v / TWO_32), true);
    } else {
      // setBigUint64 itself wraps modulo 2^64 (ToBigUint64).
      this.#dv.setBigUint64(ptr, typeof v === 'bigint' ? v : BigInt(v), true);
    }
  }

  /** Writes `len` zero bytes at `ptr`. */
  zero(ptr: number, len: number): void {
    ptr >>>= 0;
    len >>>= 0;
    this.#check(ptr, len);
    this.#u8.fill(0, ptr, ptr + len);
  }

  /** A live view of guest bytes (valid until the guest next grows its memory). */
  bytes(ptr: number, len: number): Uint8Array {
    ptr >>>= 0;
    len >>>= 0;
    this.#check(ptr, len);
    return this.#u8.subarray(ptr, ptr + len);
  }

  /**
   * The whole memory as bytes, after checking `ptr..ptr+len` is inside it: for a callee that
   * takes (array, offset, length) and so needs no view of its own per call.
   */
  whole(ptr: number, len: number): Uint8Array {
    this.#check(ptr >>> 0, len >>> 0);
    return this.#u8;
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
    return this.#refresh().byteLength;
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

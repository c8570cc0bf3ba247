/**
 * A bounds-checked cursor over untrusted wasm bytes. Every read checks against the end it was
 * given before touching memory or allocating, and every failure is a WasmFormatError carrying
 * the byte offset, never a RangeError. Pure: no `node:` or DOM imports.
 */
import { WasmFormatError } from '../../errors.js';

// fatal: a name that is not valid UTF-8 is a format error, not a string with U+FFFD in it.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class ByteReader {
  pos: number;

  /** Reads `bytes[start, end)`; `end` is clamped to the buffer so a caller cannot overshoot. */
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number = bytes.length,
  ) {
    this.pos = start;
    if (end > bytes.length) this.end = bytes.length;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  byte(what: string): number {
    if (this.pos >= this.end) throw new WasmFormatError(`unexpected end of data reading ${what}`, this.pos);
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128 of at most 32 bits (5 bytes; the 5th may use only its low 4 bits). */
  u32(what: string): number {
    const start = this.pos;
    let result = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.lebByte(what, start);
      if (i === 4 && (b & 0xf0) !== 0) {
        throw new WasmFormatError(`LEB128 ${what} overflows 32 bits`, start);
      }
      // Multiplication, not <<, so bit 31 does not make the result negative.
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return result;
    }
    throw new WasmFormatError(`LEB128 ${what} is longer than 5 bytes`, start);
  }

  /** Signed LEB128 of at most 33 bits (component `valtype`, core block types). */
  s33(what: string): number {
    const start = this.pos;
    let result = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.lebByte(what, start);
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) {
        const bits = 7 * (i + 1);
        if (b & 0x40) result -= 2 ** bits;
        return result;
      }
    }
    throw new WasmFormatError(`LEB128 ${what} overflows 33 bits`, start);
  }

  /** The next byte of the LEB128 number that began at `start`. */
  private lebByte(what: string, start: number): number {
    if (this.pos >= this.end) {
      throw new WasmFormatError(`LEB128 ${what} runs off the end of the data`, start);
    }
    return this.bytes[this.pos++]!;
  }

  /** Checks `n` bytes are left before anything is sized by `n`. */
  take(n: number, what: string): Uint8Array {
    if (n > this.end - this.pos) {
      throw new WasmFormatError(`${what} of ${n} bytes runs past the end (only ${Math.max(0, this.end - this.pos)} left)`, this.pos);
    }
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(n: number, what: string): void {
    this.take(n, what);
  }

  /** A wasm `name`: u32 length then that many bytes of UTF-8. */
  name(what: string): string {
    const lenAt = this.pos;
    const len = this.u32(`${what} length`);
    if (len > this.end - this.pos) {
      throw new WasmFormatError(`${what} length ${len} runs past the end of its section (only ${this.end - this.pos} bytes left)`, lenAt);
    }
    const at = this.pos;
    const raw = this.take(len, what);
    try {
      return utf8.decode(raw);
    } catch {
      throw new WasmFormatError(`${what} is not valid UTF-8`, at);
    }
  }
}

/** Unsigned LEB128 encoding of a u32. */
export function encodeU32(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new WasmFormatError(`a section or name of ${value} bytes is too large for wasm (the limit is 4 GiB)`);
  }
  const out: number[] = [];
  let v = value;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return Uint8Array.from(out);
}

/**
 * `--max-memory` / GuestOptions.maxMemoryBytes: every linear memory a core module defines or
 * imports gets a maximum no larger than the limit, written into the module's bytes before it
 * is compiled. The engine then refuses growth past it on its own (memory.grow returns -1),
 * so a guest can never make the host allocate more than the limit per memory, and nothing
 * at run time has to watch it. A module whose initial size is already over the limit is
 * refused (GuestMemoryLimitError) instead of silently clamped: clamping the minimum would
 * change what the program sees. Pure: no `node:` imports.
 */
import { GuestMemoryLimitError, WasmFormatError } from '../errors.js';
import { ByteReader, encodeU32 } from '../manifest/wasm/reader.js';
import { listSections, readBinaryKind } from '../manifest/wasm/sections.js';

export const WASM_PAGE_BYTES = 65536;

const IMPORT_SECTION = 2;
const MEMORY_SECTION = 5;
const LIMIT_HAS_MAX = 0x01;
const LIMIT_MEMORY64 = 0x04;
/** The custom-page-sizes proposal: pages are not 64 KiB, so the arithmetic below would be wrong. */
const LIMIT_PAGE_SIZE = 0x08;

/** Validates a byte limit from an option (a non-negative safe integer). */
export function checkMemoryLimit(maxBytes: number): number {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new RangeError(`maxMemoryBytes must be a non-negative integer number of bytes, got ${maxBytes}`);
  }
  return maxBytes;
}

function u64(r: ByteReader, what: string): bigint {
  let result = 0n;
  for (let i = 0; i < 10; i++) {
    const b = r.byte(what);
    result |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) return result;
  }
  throw new WasmFormatError(`LEB128 ${what} is longer than 10 bytes`, r.pos);
}

function encodeU64(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}

/**
 * Reads one memory type's limits at `r` and returns its re-encoding with the maximum capped.
 * `where` names the memory in the refusal.
 */
function capLimits(r: ByteReader, limitPages: bigint, maxBytes: number, where: string): number[] {
  const at = r.pos;
  const flags = r.byte('memory limits flags');
  if (flags & LIMIT_PAGE_SIZE || flags > 0x0f) {
    throw new WasmFormatError(`${where}: memory limits flags 0x${flags.toString(16)} are not supported with a memory limit`, at);
  }
  const wide = (flags & LIMIT_MEMORY64) !== 0;
  const read = (what: string): bigint => (wide ? u64(r, what) : BigInt(r.u32(what)));
  const min = read('memory minimum');
  const max = flags & LIMIT_HAS_MAX ? read('memory maximum') : undefined;
  if (min > limitPages) {
    throw new GuestMemoryLimitError(
      `${where} starts at ${min * BigInt(WASM_PAGE_BYTES)} bytes (${min} pages), over the memory limit of ${maxBytes} bytes`,
    );
  }
  const capped = max === undefined || max > limitPages ? limitPages : max;
  // Same width and sharing as before; only the has-max bit is forced on.
  return [flags | LIMIT_HAS_MAX, ...encodeU64(min), ...encodeU64(capped)];
}

/** Skips a value type, including the typed function references' `(ref null? ht)` forms. */
function skipValType(r: ByteReader): void {
  const t = r.byte('value type');
  if (t === 0x63 || t === 0x64) r.s33('heap type');
}

function rewriteImports(bytes: Uint8Array, start: number, end: number, limitPages: bigint, maxBytes: number): number[] {
  const r = new ByteReader(bytes, start, end);
  const out: number[] = [];
  const count = r.u32('import count');
  out.push(...encodeU32(count));
  for (let i = 0; i < count; i++) {
    const entryStart = r.pos;
    const module = r.name('import module name');
    const field = r.name('import field name');
    const kindAt = r.pos;
    const kind = r.byte('import kind');
    if (kind === 0x02) {
      out.push(...bytes.subarray(entryStart, r.pos));
      out.push(...capLimits(r, limitPages, maxBytes, `the imported memory ${module}#${field}`));
      continue;
    }
    if (kind === 0x00) r.u32('type index');
    else if (kind === 0x01) {
      skipValType(r);
      const flags = r.byte('table limits flags');
      const wide = (flags & LIMIT_MEMORY64) !== 0;
      (wide ? () => u64(r, 'table minimum') : () => r.u32('table minimum'))();
      if (flags & LIMIT_HAS_MAX) (wide ? () => u64(r, 'table maximum') : () => r.u32('table maximum'))();
    } else if (kind === 0x03) {
      skipValType(r);
      r.byte('global mutability');
    } else if (kind === 0x04) {
      r.byte('tag attribute');
      r.u32('tag type index');
    } else throw new WasmFormatError(`unknown import kind 0x${kind.toString(16)}`, kindAt);
    out.push(...bytes.subarray(entryStart, r.pos));
  }
  if (!r.atEnd) throw new WasmFormatError('the import section has bytes after its last entry', r.pos);
  return out;
}

function rewriteMemories(bytes: Uint8Array, start: number, end: number, limitPages: bigint, maxBytes: number): number[] {
  const r = new ByteReader(bytes, start, end);
  const count = r.u32('memory count');
  const out: number[] = [...encodeU32(count)];
  for (let i = 0; i < count; i++) out.push(...capLimits(r, limitPages, maxBytes, `memory ${i}`));
  if (!r.atEnd) throw new WasmFormatError('the memory section has bytes after its last entry', r.pos);
  return out;
}

/**
 * The core module `bytes` with every memory's maximum at most `maxBytes` (rounded down to
 * whole 64 KiB pages). Throws GuestMemoryLimitError when a memory's initial size is over it,
 * WasmFormatError for a malformed import or memory section. Other sections are copied as is.
 */
export function limitMemories(bytes: Uint8Array, maxBytes: number): Uint8Array {
  checkMemoryLimit(maxBytes);
  if (readBinaryKind(bytes) !== 'core') {
    throw new WasmFormatError('limitMemories takes a core module; a component is limited through its core modules');
  }
  const limitPages = BigInt(Math.floor(maxBytes / WASM_PAGE_BYTES));
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const s of listSections(bytes)) {
    if (s.id !== IMPORT_SECTION && s.id !== MEMORY_SECTION) {
      parts.push(bytes.subarray(s.start, s.end));
      continue;
    }
    const content =
      s.id === IMPORT_SECTION
        ? rewriteImports(bytes, s.contentStart, s.end, limitPages, maxBytes)
        : rewriteMemories(bytes, s.contentStart, s.end, limitPages, maxBytes);
    parts.push(Uint8Array.of(s.id), encodeU32(content.length), Uint8Array.from(content));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

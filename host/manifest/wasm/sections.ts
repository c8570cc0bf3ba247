/**
 * The top-level section walker for core modules and components (SPEC section 4): lists
 * sections, reads and strips `molt:*` custom sections, appends new ones. Untrusted input:
 * every length is checked against the buffer before use, every failure is a WasmFormatError
 * with the byte offset. Pure: no `node:` or DOM imports.
 */
import { WasmFormatError } from '../../errors.js';
import { ByteReader, encodeU32 } from './reader.js';

export type BinaryKind = 'core' | 'component';

const MAGIC = [0x00, 0x61, 0x73, 0x6d] as const;
const CORE_VERSION = [0x01, 0x00, 0x00, 0x00] as const;
// Component model: version 0x0d (pre-standard), layer 1.
const COMPONENT_VERSION = [0x0d, 0x00, 0x01, 0x00] as const;
const HEADER_SIZE = 8;

/** Highest section id each kind defines (core: 13 = tag; component: 12 = value). */
const MAX_SECTION_ID: Record<BinaryKind, number> = { core: 13, component: 12 };

export const MOLT_SECTION_PREFIX = 'molt:';

export interface WasmSection {
  /** Section id; 0 is a custom section. */
  readonly id: number;
  /** Offset of the id byte: the section occupies `[start, end)`. */
  readonly start: number;
  /** Offset of the first content byte (after the size). */
  readonly contentStart: number;
  readonly end: number;
  /** Custom sections only: the section's name. */
  readonly name?: string;
  /** Custom sections only: offset of the first payload byte (after the name). */
  readonly payloadStart?: number;
}

function hex(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function matches(bytes: Uint8Array, at: number, expected: readonly number[]): boolean {
  return expected.every((b, i) => bytes[at + i] === b);
}

/** Core module or component, from the 8-byte header; anything else is a WasmFormatError. */
export function readBinaryKind(bytes: Uint8Array): BinaryKind {
  if (bytes.length === 0) throw new WasmFormatError('not a wasm binary: the input is empty', 0);
  const prefix = bytes.subarray(0, Math.min(4, bytes.length));
  if (!matches(prefix, 0, MAGIC.slice(0, prefix.length))) {
    throw new WasmFormatError(`not a wasm binary: it starts with ${hex(prefix)}, expected the magic 00 61 73 6d ("\\0asm")`, 0);
  }
  if (bytes.length < HEADER_SIZE) {
    throw new WasmFormatError(`truncated wasm header: ${bytes.length} bytes, a wasm binary starts with 8`, bytes.length);
  }
  if (matches(bytes, 4, CORE_VERSION)) return 'core';
  if (matches(bytes, 4, COMPONENT_VERSION)) return 'component';
  throw new WasmFormatError(
    `unsupported wasm version/layer ${hex(bytes.subarray(4, 8))}: expected 01 00 00 00 (core module) or 0d 00 01 00 (component)`,
    4,
  );
}

/** Every top-level section in order. Validates framing and custom-section names, not contents. */
export function listSections(bytes: Uint8Array): WasmSection[] {
  const kind = readBinaryKind(bytes);
  const sections: WasmSection[] = [];
  const r = new ByteReader(bytes, HEADER_SIZE);
  while (!r.atEnd) {
    const start = r.pos;
    const id = r.byte('section id');
    if (id > MAX_SECTION_ID[kind]) {
      throw new WasmFormatError(`unknown section id ${id} in a ${kind === 'core' ? 'core module' : 'component'}`, start);
    }
    const sizeAt = r.pos;
    const size = r.u32(`size of section ${sections.length} (id ${id})`);
    const contentStart = r.pos;
    if (size > bytes.length - contentStart) {
      throw new WasmFormatError(
        `section ${sections.length} (id ${id}) declares ${size} bytes but only ${bytes.length - contentStart} remain`,
        sizeAt,
      );
    }
    const end = contentStart + size;
    if (id === 0) {
      const inner = new ByteReader(bytes, contentStart, end);
      const name = inner.name(`custom section ${sections.length} name`);
      sections.push({ id, start, contentStart, end, name, payloadStart: inner.pos });
    } else {
      sections.push({ id, start, contentStart, end });
    }
    r.pos = end;
  }
  return sections;
}

/** The payload of every custom section called `name`, in order (copies, safe to keep). */
export function readCustomSections(bytes: Uint8Array, name: string): Uint8Array[] {
  return listSections(bytes)
    .filter((s) => s.id === 0 && s.name === name)
    .map((s) => bytes.slice(s.payloadStart, s.end));
}

function isMoltSection(s: WasmSection): boolean {
  return s.id === 0 && s.name !== undefined && s.name.startsWith(MOLT_SECTION_PREFIX);
}

/** The binary with every custom section whose name starts with `molt:` removed; order kept. */
export function withoutMoltSections(bytes: Uint8Array): Uint8Array {
  const kept = listSections(bytes).filter((s) => !isMoltSection(s));
  const size = kept.reduce((n, s) => n + (s.end - s.start), HEADER_SIZE);
  const out = new Uint8Array(size);
  out.set(bytes.subarray(0, HEADER_SIZE), 0);
  let at = HEADER_SIZE;
  for (const s of kept) {
    out.set(bytes.subarray(s.start, s.end), at);
    at += s.end - s.start;
  }
  return out;
}

/** Encodes one custom section (id, size, name, payload). */
export function encodeCustomSection(name: string, payload: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const nameLen = encodeU32(nameBytes.length);
  const contentSize = nameLen.length + nameBytes.length + payload.length;
  const size = encodeU32(contentSize);
  const out = new Uint8Array(1 + size.length + contentSize);
  let at = 0;
  out[at++] = 0;
  out.set(size, at);
  at += size.length;
  out.set(nameLen, at);
  at += nameLen.length;
  out.set(nameBytes, at);
  at += nameBytes.length;
  out.set(payload, at);
  return out;
}

/** The binary with a custom section appended at the end (valid for modules and components). */
export function appendCustomSection(bytes: Uint8Array, name: string, payload: Uint8Array): Uint8Array {
  listSections(bytes); // refuse to extend something that is not well-framed wasm
  const section = encodeCustomSection(name, payload);
  const out = new Uint8Array(bytes.length + section.length);
  out.set(bytes, 0);
  out.set(section, bytes.length);
  return out;
}

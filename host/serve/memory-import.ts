/**
 * For `molt-wasm serve`'s pooled linear memories (memory-pool.ts): a core module that DEFINES
 * its one linear memory is rewritten to IMPORT a memory of exactly the same type instead, so
 * that a serving worker can hand each fresh instance a memory it has zeroed, rather than V8
 * reserving, faulting in and unmapping a new one per request. Nothing else changes: the
 * memory keeps index 0 (the module imports no other memory), its exports, data segments
 * (applied at every instantiation, into the supplied memory) and limits are the same.
 *
 * Only the plain case is rewritten: one defined memory, no imported memory, 32-bit, not
 * shared, 64 KiB pages, and no import already under the pool's namespace. Anything else is
 * left as it is (and gets a fresh memory per instance, as before). Pure: no `node:` imports.
 */
import { WasmFormatError } from '../errors.js';
import { listImports } from '../manifest/wasm/imports.js';
import { ByteReader, encodeU32 } from '../manifest/wasm/reader.js';
import { listSections, readBinaryKind, type WasmSection } from '../manifest/wasm/sections.js';

/** The import the rewritten module asks for its memory under (never a name a guest's module can already import: checked). */
export const POOL_NAMESPACE = 'molt-wasm:serve-memory-pool';
export const POOL_FIELD = 'memory';

const TYPE_SECTION = 1;
const IMPORT_SECTION = 2;
const MEMORY_SECTION = 5;
const LIMIT_HAS_MAX = 0x01;

/** The memory's type as declared: what the pool must create for it. */
export interface PooledMemoryType {
  readonly initial: number;
  readonly maximum?: number;
}

export interface MemoryImportRewrite {
  readonly bytes: Uint8Array;
  readonly memory: PooledMemoryType;
}

/** The one memory of a memory section, when it is the plain kind the pool handles. */
function readPlainMemory(bytes: Uint8Array, s: WasmSection): PooledMemoryType | undefined {
  const r = new ByteReader(bytes, s.contentStart, s.end);
  if (r.u32('memory count') !== 1) return undefined;
  const flags = r.byte('memory limits flags');
  // Shared (0x02), 64-bit (0x04), custom page sizes (0x08): not pooled.
  if (flags !== 0x00 && flags !== LIMIT_HAS_MAX) return undefined;
  const initial = r.u32('memory minimum');
  const maximum = flags & LIMIT_HAS_MAX ? r.u32('memory maximum') : undefined;
  if (!r.atEnd) throw new WasmFormatError('the memory section has bytes after its last entry', r.pos);
  return maximum === undefined ? { initial } : { initial, maximum };
}

function encodeName(s: string): number[] {
  const b = new TextEncoder().encode(s);
  return [...encodeU32(b.length), ...b];
}

/**
 * `bytes` with its defined memory turned into the import POOL_NAMESPACE#POOL_FIELD of the same
 * type, and that type; undefined when the module is not the plain case (then use it as is).
 */
export function importDefinedMemory(bytes: Uint8Array): MemoryImportRewrite | undefined {
  if (readBinaryKind(bytes) !== 'core') throw new WasmFormatError('importDefinedMemory takes a core module');
  const sections = listSections(bytes);
  const memorySection = sections.find((s) => s.id === MEMORY_SECTION);
  if (memorySection === undefined) return undefined;
  const memory = readPlainMemory(bytes, memorySection);
  if (memory === undefined) return undefined;
  const imports = listImports(bytes);
  if (imports.some((i) => i.kind === 'memory' || i.module === POOL_NAMESPACE)) return undefined;
  const importSection = sections.find((s) => s.id === IMPORT_SECTION);

  const entry = [...encodeName(POOL_NAMESPACE), ...encodeName(POOL_FIELD), 0x02];
  entry.push(memory.maximum === undefined ? 0x00 : LIMIT_HAS_MAX, ...encodeU32(memory.initial));
  if (memory.maximum !== undefined) entry.push(...encodeU32(memory.maximum));
  // The old entries follow the count unchanged; the pool's import goes last (imported
  // functions, tables and globals keep their indices: only memories are renumbered, and
  // there was none imported).
  let oldEntries: Uint8Array = new Uint8Array(0);
  if (importSection !== undefined) {
    const r = new ByteReader(bytes, importSection.contentStart, importSection.end);
    r.u32('import count');
    oldEntries = bytes.subarray(r.pos, importSection.end);
  }
  const content = Uint8Array.from([...encodeU32(imports.length + 1), ...oldEntries, ...entry]);
  const newImportSection = Uint8Array.from([IMPORT_SECTION, ...encodeU32(content.length), ...content]);

  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  let placed = false;
  for (const s of sections) {
    if (s.id === MEMORY_SECTION) continue;
    if (s.id === IMPORT_SECTION) {
      parts.push(newImportSection);
      placed = true;
      continue;
    }
    // No import section before: it goes before the first known section that follows imports.
    if (!placed && s.id !== 0 && s.id !== TYPE_SECTION) {
      parts.push(newImportSection);
      placed = true;
    }
    parts.push(bytes.subarray(s.start, s.end));
  }
  if (!placed) parts.push(newImportSection);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return { bytes: out, memory };
}

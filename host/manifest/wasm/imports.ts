/**
 * Top-level imports and exports of a core module or a component, read straight from the
 * binary. Components: only the outer import (id 10) and export (id 11) sections count: those
 * are what the host must supply; nested components and core modules are the guest's business.
 * Pure: no `node:` or DOM imports.
 */
import { WasmFormatError } from '../../errors.js';
import { ByteReader } from './reader.js';
import { listSections, readBinaryKind, type BinaryKind } from './sections.js';

export type CoreExternKind = 'func' | 'table' | 'memory' | 'global' | 'tag';
export type ComponentExternKind = 'module' | 'func' | 'value' | 'type' | 'component' | 'instance';
export type ExternKind = CoreExternKind | ComponentExternKind;

export interface ImportEntry {
  /** Core modules: the import's module (`wasi_snapshot_preview1`). Components: null. */
  readonly module: string | null;
  /** Core: the field (`fd_write`). Component: the full name (`wasi:cli/environment@0.2.3`). */
  readonly name: string;
  readonly kind: ExternKind;
}

export interface ExportEntry {
  readonly name: string;
  readonly kind: ExternKind;
}

export interface BinaryInterface {
  readonly kind: BinaryKind;
  readonly imports: ImportEntry[];
  readonly exports: ExportEntry[];
}

const CORE_IMPORT_SECTION = 2;
const CORE_EXPORT_SECTION = 7;
const COMPONENT_IMPORT_SECTION = 10;
const COMPONENT_EXPORT_SECTION = 11;

const CORE_EXTERN: readonly CoreExternKind[] = ['func', 'table', 'memory', 'global', 'tag'];

// ---- core modules ----

/** A reference or value type; GC-proposal `(ref null? ht)` carries a heap type after it. */
function skipValType(r: ByteReader): void {
  const t = r.byte('value type');
  if (t === 0x63 || t === 0x64) r.s33('heap type');
}

/** Limits: flags, min, optional max. Bit 2 of the flags (memory64) makes them u64. */
function skipLimits(r: ByteReader): void {
  const at = r.pos;
  const flags = r.byte('limits flags');
  if (flags > 0x07) throw new WasmFormatError(`unknown limits flags 0x${flags.toString(16)}`, at);
  const wide = (flags & 0x04) !== 0;
  const skipNum = (what: string): void => (wide ? skipU64(r, what) : void r.u32(what));
  skipNum('limits minimum');
  if (flags & 0x01) skipNum('limits maximum');
}

function skipU64(r: ByteReader, what: string): void {
  const start = r.pos;
  for (let i = 0; i < 10; i++) {
    if ((r.byte(what) & 0x80) === 0) return;
  }
  throw new WasmFormatError(`LEB128 ${what} overflows 64 bits`, start);
}

function coreImportDesc(r: ByteReader): CoreExternKind {
  const at = r.pos;
  const tag = r.byte('import kind');
  switch (tag) {
    case 0x00:
      r.u32('function type index');
      return 'func';
    case 0x01:
      skipValType(r);
      skipLimits(r);
      return 'table';
    case 0x02:
      skipLimits(r);
      return 'memory';
    case 0x03:
      skipValType(r);
      r.byte('global mutability');
      return 'global';
    case 0x04:
      r.byte('tag attribute');
      r.u32('tag type index');
      return 'tag';
    default:
      throw new WasmFormatError(`unknown core import kind 0x${tag.toString(16)}`, at);
  }
}

function readCoreImports(r: ByteReader): ImportEntry[] {
  const count = r.u32('import count');
  const out: ImportEntry[] = [];
  // No preallocation by `count`: the loop stops at the first read past the section's end.
  for (let i = 0; i < count; i++) {
    const module = r.name(`import ${i} module name`);
    const name = r.name(`import ${i} field name`);
    out.push({ module, name, kind: coreImportDesc(r) });
  }
  return out;
}

function readCoreExports(r: ByteReader): ExportEntry[] {
  const count = r.u32('export count');
  const out: ExportEntry[] = [];
  for (let i = 0; i < count; i++) {
    const name = r.name(`export ${i} name`);
    const at = r.pos;
    const tag = r.byte('export kind');
    const kind = CORE_EXTERN[tag];
    if (kind === undefined) throw new WasmFormatError(`unknown core export kind 0x${tag.toString(16)}`, at);
    r.u32('export index');
    out.push({ name, kind });
  }
  return out;
}

// ---- components ----

/**
 * `importname'` / `exportname'`: a prefix byte then the name. 0x00 is current; 0x01 was used
 * for interface names (`wasi:cli/environment@0.2.3`) by older toolchains, same layout.
 */
function componentExternName(r: ByteReader, what: string): string {
  const at = r.pos;
  const prefix = r.byte(`${what} prefix`);
  if (prefix !== 0x00 && prefix !== 0x01) {
    throw new WasmFormatError(`unknown ${what} encoding 0x${prefix.toString(16)} (expected 0x00 or 0x01)`, at);
  }
  return r.name(what);
}

function componentExternDesc(r: ByteReader): ComponentExternKind {
  const at = r.pos;
  const tag = r.byte('extern kind');
  switch (tag) {
    case 0x00: {
      const sub = r.byte('core sort');
      if (sub !== 0x11) throw new WasmFormatError(`expected core module (0x11) after 0x00, found 0x${sub.toString(16)}`, at + 1);
      r.u32('core type index');
      return 'module';
    }
    case 0x01:
      r.u32('function type index');
      return 'func';
    case 0x02: {
      const bound = r.byte('value bound');
      if (bound === 0x00) r.u32('value index');
      else if (bound === 0x01) r.s33('value type');
      else throw new WasmFormatError(`unknown value bound 0x${bound.toString(16)}`, at + 1);
      return 'value';
    }
    case 0x03: {
      const bound = r.byte('type bound');
      if (bound === 0x00) r.u32('type index');
      else if (bound !== 0x01) throw new WasmFormatError(`unknown type bound 0x${bound.toString(16)}`, at + 1);
      return 'type';
    }
    case 0x04:
      r.u32('component type index');
      return 'component';
    case 0x05:
      r.u32('instance type index');
      return 'instance';
    default:
      throw new WasmFormatError(`unknown component extern kind 0x${tag.toString(16)}`, at);
  }
}

const COMPONENT_SORT: Record<number, ComponentExternKind> = {
  0x01: 'func',
  0x02: 'value',
  0x03: 'type',
  0x04: 'component',
  0x05: 'instance',
};

function componentSort(r: ByteReader): ExternKind {
  const at = r.pos;
  const sort = r.byte('export sort');
  if (sort === 0x00) {
    const core = r.byte('core sort');
    if (core === 0x11) return 'module';
    const kind = CORE_EXTERN[core];
    if (kind === undefined) throw new WasmFormatError(`unknown core sort 0x${core.toString(16)}`, at + 1);
    return kind;
  }
  const kind = COMPONENT_SORT[sort];
  if (kind === undefined) throw new WasmFormatError(`unknown export sort 0x${sort.toString(16)}`, at);
  return kind;
}

function readComponentImports(r: ByteReader): ImportEntry[] {
  const count = r.u32('import count');
  const out: ImportEntry[] = [];
  for (let i = 0; i < count; i++) {
    const name = componentExternName(r, `import ${i} name`);
    out.push({ module: null, name, kind: componentExternDesc(r) });
  }
  return out;
}

function readComponentExports(r: ByteReader): ExportEntry[] {
  const count = r.u32('export count');
  const out: ExportEntry[] = [];
  for (let i = 0; i < count; i++) {
    const name = componentExternName(r, `export ${i} name`);
    const kind = componentSort(r);
    r.u32('export index');
    const at = r.pos;
    const hasType = r.byte('export type flag');
    if (hasType === 0x01) componentExternDesc(r);
    else if (hasType !== 0x00) throw new WasmFormatError(`unknown export type flag 0x${hasType.toString(16)}`, at);
    out.push({ name, kind });
  }
  return out;
}

function readEntries<T>(bytes: Uint8Array, sectionId: number, read: (r: ByteReader) => T[], what: string): T[] {
  const out: T[] = [];
  for (const s of listSections(bytes)) {
    if (s.id !== sectionId) continue;
    const r = new ByteReader(bytes, s.contentStart, s.end);
    out.push(...read(r));
    if (!r.atEnd) {
      throw new WasmFormatError(`${what} section has ${s.end - r.pos} unexpected bytes after its entries`, r.pos);
    }
  }
  return out;
}

/** Top-level imports, in binary order. Components may have many import sections. */
export function listImports(bytes: Uint8Array): ImportEntry[] {
  return readBinaryKind(bytes) === 'core'
    ? readEntries(bytes, CORE_IMPORT_SECTION, readCoreImports, 'import')
    : readEntries(bytes, COMPONENT_IMPORT_SECTION, readComponentImports, 'import');
}

/** Top-level exports, in binary order. */
export function listExports(bytes: Uint8Array): ExportEntry[] {
  return readBinaryKind(bytes) === 'core'
    ? readEntries(bytes, CORE_EXPORT_SECTION, readCoreExports, 'export')
    : readEntries(bytes, COMPONENT_EXPORT_SECTION, readComponentExports, 'export');
}

export function readInterface(bytes: Uint8Array): BinaryInterface {
  return { kind: readBinaryKind(bytes), imports: listImports(bytes), exports: listExports(bytes) };
}

/** How an import is named in tables and warnings: `wasi:cli/stdout@0.2.3` or `wasi_snapshot_preview1#fd_write`. */
export function importLabel(entry: ImportEntry): string {
  return entry.module === null ? entry.name : `${entry.module}#${entry.name}`;
}

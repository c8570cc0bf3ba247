import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { componentWit } from '../../scripts/lib/componentize.js';
import { WasmFormatError } from '../../host/errors.js';
import {
  appendCustomSection,
  listSections,
  readBinaryKind,
  readCustomSections,
  withoutMoltSections,
} from '../../host/manifest/wasm/sections.js';
import { adaptedComponent, preview1Module } from './helpers.js';

const CORE = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const COMPONENT = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
const bin = (...parts: number[][]): Uint8Array => Uint8Array.from(parts.flat());
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

interface Broken {
  what: string;
  bytes: Uint8Array;
  offset: number;
  message: RegExp;
}

const BROKEN: Broken[] = [
  { what: 'empty input', bytes: bin([]), offset: 0, message: /input is empty/ },
  {
    what: 'an ELF file',
    bytes: bin([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]),
    offset: 0,
    message: /not a wasm binary: it starts with 7f 45 4c 46/,
  },
  { what: 'text', bytes: utf8('hello world'), offset: 0, message: /not a wasm binary/ },
  { what: 'magic cut short', bytes: bin([0x00, 0x61, 0x73]), offset: 3, message: /truncated wasm header: 3 bytes/ },
  { what: 'version cut short', bytes: bin([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00]), offset: 6, message: /truncated wasm header/ },
  {
    what: 'unknown version',
    bytes: bin([0x00, 0x61, 0x73, 0x6d, 0x02, 0, 0, 0]),
    offset: 4,
    message: /unsupported wasm version\/layer 02 00 00 00/,
  },
  { what: 'section id without size', bytes: bin(CORE, [0x01]), offset: 9, message: /LEB128 size of section 0 \(id 1\) runs off the end/ },
  { what: 'size LEB runs off the end', bytes: bin(CORE, [0x01, 0x80, 0x80]), offset: 9, message: /runs off the end/ },
  { what: 'size LEB overflows u32', bytes: bin(CORE, [0x01, 0xff, 0xff, 0xff, 0xff, 0x7f]), offset: 9, message: /overflows 32 bits/ },
  { what: 'size LEB with 6 bytes', bytes: bin(CORE, [0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), offset: 9, message: /overflows 32 bits/ },
  {
    what: 'huge section size',
    bytes: bin(CORE, [0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]),
    offset: 9,
    message: /declares 4294967295 bytes but only 1 remain/,
  },
  { what: 'section past the end', bytes: bin(CORE, [0x01, 0x05, 0x00, 0x00]), offset: 9, message: /declares 5 bytes but only 2 remain/ },
  {
    what: 'second section past the end',
    bytes: bin(CORE, [0x01, 0x00, 0x03, 0x02, 0x00]),
    offset: 11,
    message: /section 1 \(id 3\) declares 2 bytes but only 1 remain/,
  },
  {
    what: 'custom name length past its section',
    bytes: bin(CORE, [0x00, 0x03, 0x0a, 0x61, 0x62], [0x01, 0x00]),
    offset: 10,
    message: /name length 10 runs past the end of its section \(only 2 bytes left\)/,
  },
  {
    what: 'custom section with no name',
    bytes: bin(CORE, [0x00, 0x00]),
    offset: 10,
    message: /custom section 0 name length runs off the end/,
  },
  { what: 'custom name not UTF-8', bytes: bin(CORE, [0x00, 0x03, 0x02, 0xff, 0xfe]), offset: 11, message: /not valid UTF-8/ },
  { what: 'unknown core section id', bytes: bin(CORE, [0x0e, 0x00]), offset: 8, message: /unknown section id 14 in a core module/ },
  { what: 'unknown component section id', bytes: bin(COMPONENT, [0x0d, 0x00]), offset: 8, message: /unknown section id 13 in a component/ },
];

for (const b of BROKEN) {
  test(`listSections rejects ${b.what} with WasmFormatError at byte ${b.offset}`, () => {
    assert.throws(
      () => listSections(b.bytes),
      (err: unknown) => {
        assert.ok(err instanceof WasmFormatError, `expected WasmFormatError, got ${String(err)}`);
        assert.equal(err.offset, b.offset);
        assert.match(err.message, b.message);
        assert.match(err.message, new RegExp(`\\(at byte ${b.offset}\\)$`));
        assert.equal(err.exitCode, 65);
        return true;
      },
    );
  });
}

test('every operation rejects broken input the same way', () => {
  const bad = bin(CORE, [0x01, 0x05, 0x00]);
  for (const op of [
    () => readCustomSections(bad, 'x'),
    () => withoutMoltSections(bad),
    () => appendCustomSection(bad, 'x', new Uint8Array()),
  ]) {
    assert.throws(op, WasmFormatError);
  }
});

test('readBinaryKind tells core modules from components', async () => {
  assert.equal(readBinaryKind(await preview1Module()), 'core');
  assert.equal(readBinaryKind(await adaptedComponent()), 'component');
  assert.equal(readBinaryKind(bin(COMPONENT)), 'component');
});

test('listSections frames a real core module and a real component end to end', async () => {
  for (const bytes of [await preview1Module(), await adaptedComponent()]) {
    const sections = listSections(bytes);
    assert.ok(sections.length > 2);
    let at = 8;
    for (const s of sections) {
      assert.equal(s.start, at, 'sections are contiguous');
      at = s.end;
    }
    assert.equal(at, bytes.length);
  }
});

test('append then read a custom section; core module stays valid', async () => {
  const core = await preview1Module();
  const payload = utf8('{"hello":"wörld"}');
  const out = appendCustomSection(core, 'molt:test', payload);
  assert.equal(readBinaryKind(out), 'core');
  assert.deepEqual(readCustomSections(out, 'molt:test'), [payload]);
  assert.deepEqual(readCustomSections(out, 'other'), []);
  assert.ok(WebAssembly.validate(new Uint8Array(out)));
});

test('a component with an appended section still decodes with jco (wasm-tools)', async () => {
  const comp = await adaptedComponent();
  const out = appendCustomSection(comp, 'molt:capabilities', utf8('{}'));
  assert.equal(readBinaryKind(out), 'component');
  assert.equal(await componentWit(out), await componentWit(comp));
  assert.deepEqual(readCustomSections(out, 'molt:capabilities'), [utf8('{}')]);
});

test('a large payload gets a multi-byte size and round-trips', async () => {
  const core = await preview1Module();
  const payload = new Uint8Array(70_000).map((_, i) => i % 251);
  const out = appendCustomSection(core, 'big', payload);
  assert.deepEqual(readCustomSections(out, 'big'), [payload]);
  assert.ok(WebAssembly.validate(new Uint8Array(out)));
});

test('withoutMoltSections removes every molt:* custom section and nothing else', async () => {
  const core = await preview1Module();
  let out = appendCustomSection(core, 'molt:capabilities', utf8('a'));
  out = appendCustomSection(out, 'keep-me', utf8('b'));
  out = appendCustomSection(out, 'molt:provenance', utf8('c'));
  out = appendCustomSection(out, 'moltx', utf8('d'));
  out = appendCustomSection(out, 'molt:capabilities', utf8('e'));
  const stripped = withoutMoltSections(out);
  const names = listSections(stripped)
    .filter((s) => s.id === 0)
    .map((s) => s.name);
  assert.deepEqual(names, ['keep-me', 'moltx']);
  assert.deepEqual(withoutMoltSections(core), core);
  // Stripping the molt sections of an appended binary gives back the original prefix bytes.
  assert.deepEqual(withoutMoltSections(appendCustomSection(core, 'molt:x', utf8('z'))), core);
});

test('property: arbitrary bytes after a header give sections or a WasmFormatError, nothing else', () => {
  fc.assert(
    fc.property(fc.boolean(), fc.uint8Array({ maxLength: 64 }), (component, tail) => {
      const bytes = bin(component ? COMPONENT : CORE, Array.from(tail));
      try {
        const sections = listSections(bytes);
        for (const s of sections) assert.ok(s.end <= bytes.length);
      } catch (err) {
        assert.ok(err instanceof WasmFormatError, `unexpected ${String(err)}`);
        assert.ok(err.offset !== undefined && err.offset >= 0 && err.offset <= bytes.length);
      }
    }),
    { numRuns: 2000 },
  );
});

test('property: a real component with one byte changed or cut short never escapes as a non-WasmFormatError', async () => {
  const comp = await adaptedComponent();
  fc.assert(
    fc.property(fc.nat(comp.length - 1), fc.integer({ min: 0, max: 255 }), fc.boolean(), (at, value, cut) => {
      const bytes = cut ? comp.slice(0, at) : comp.slice();
      if (!cut) bytes[at] = value;
      try {
        listSections(bytes);
      } catch (err) {
        assert.ok(err instanceof WasmFormatError, `unexpected ${String(err)}`);
      }
    }),
    { numRuns: 500 },
  );
});

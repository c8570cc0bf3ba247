import { test } from 'node:test';
import assert from 'node:assert/strict';
import { componentWit } from '../../scripts/lib/componentize.js';
import { WasmFormatError } from '../../host/errors.js';
import { importLabel, listExports, listImports, readInterface } from '../../host/manifest/wasm/imports.js';
import { listSections } from '../../host/manifest/wasm/sections.js';
import { adaptedComponent, preview1Module, wat } from './helpers.js';

test('core module imports and exports come out in binary order with their kinds', async () => {
  const bytes = await wat(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
    (import "env" "mem" (memory 1 2))
    (import "env" "tbl" (table 3 funcref))
    (import "env" "g" (global (mut i32)))
    (func (export "run"))
    (global (export "answer") i32 (i32.const 42)))`);
  const iface = readInterface(bytes);
  assert.equal(iface.kind, 'core');
  assert.deepEqual(iface.imports, [
    { module: 'wasi_snapshot_preview1', name: 'fd_write', kind: 'func' },
    { module: 'env', name: 'mem', kind: 'memory' },
    { module: 'env', name: 'tbl', kind: 'table' },
    { module: 'env', name: 'g', kind: 'global' },
  ]);
  assert.deepEqual(iface.exports, [
    { name: 'run', kind: 'func' },
    { name: 'answer', kind: 'global' },
  ]);
  assert.equal(importLabel(iface.imports[0]!), 'wasi_snapshot_preview1#fd_write');
});

test('component imports and exports match what jco (wasm-tools) prints for the same binary', async () => {
  const comp = await adaptedComponent();
  const wit = await componentWit(comp);
  const expectImports = [...wit.matchAll(/^\s*import (\S+);$/gm)].map((m) => m[1]);
  const expectExports = [...wit.matchAll(/^\s*export (\S+);$/gm)].map((m) => m[1]);
  assert.ok(expectImports.length >= 5, wit);
  const imports = listImports(comp);
  assert.deepEqual(
    imports.map((i) => i.name),
    expectImports,
  );
  assert.ok(imports.every((i) => i.module === null && i.kind === 'instance'));
  assert.deepEqual(
    listExports(comp).map((e) => e.name),
    expectExports,
  );
  assert.ok(imports.some((i) => /^wasi:clocks\/wall-clock@0\.2\.\d+$/.test(i.name)));
});

test('a component import section cut inside a name is a WasmFormatError with the offset', async () => {
  const comp = await adaptedComponent();
  // Find the first import section (id 10) and shrink its declared size so the name runs out.
  const p = listSections(comp).find((s) => s.id === 10)!.start;
  // Layout: id, size (1 byte here), count, prefix 0x00, name length, name...
  assert.ok(comp[p + 1]! < 0x80);
  const broken = comp.slice();
  broken[p + 1] = 6; // count + prefix + name length + 3 bytes of the name
  // Shift the rest so framing stays valid: drop the bytes the new size excludes.
  const oldEnd = p + 2 + comp[p + 1]!;
  const framed = new Uint8Array([...broken.subarray(0, p + 2 + 6), ...broken.subarray(oldEnd)]);
  assert.throws(
    () => listImports(framed),
    (err: unknown) =>
      err instanceof WasmFormatError &&
      err.offset === p + 4 &&
      /import 0 name length \d+ runs past the end of its section/.test(err.message),
  );
});

test('an unknown component import name prefix byte is reported', async () => {
  const comp = await adaptedComponent();
  const section = listSections(comp).find((s) => s.id === 10);
  assert.ok(section, 'no import section');
  const q = section.contentStart;
  assert.ok(comp[q]! < 0x80, 'the import count is one byte');
  const broken = comp.slice();
  broken[q + 1] = 0x07; // the prefix byte after the count
  assert.throws(
    () => listImports(broken),
    (err: unknown) => err instanceof WasmFormatError && err.offset === q + 1 && /encoding 0x7/.test(err.message),
  );
});

test('a preview1 core module lists its WASI imports', async () => {
  const names = listImports(await preview1Module()).map(importLabel);
  assert.deepEqual(names, ['wasi_snapshot_preview1#fd_write', 'wasi_snapshot_preview1#clock_time_get', 'wasi_snapshot_preview1#args_get']);
});

test('an import count larger than the section is an error, not a huge allocation', async () => {
  const CORE = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const bytes = Uint8Array.from([...CORE, 0x02, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f]);
  assert.throws(
    () => listImports(bytes),
    (err: unknown) => err instanceof WasmFormatError && err.offset === 15,
  );
});

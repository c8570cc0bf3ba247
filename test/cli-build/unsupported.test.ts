// Components this host cannot run are refused before they start (exit 65) with a message that
// says why (SPEC section 8), never reported as a guest trap: a WASI 0.3 component, a component
// whose bindings need JSPI where the platform lacks it, and a long list of unsupplied imports
// shown as the first few and a count.
import { runMolt, type CliRun } from '../cli-run.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreToComponent, watToCore } from '../../scripts/lib/componentize.js';
import { UnknownImportError, UnsupportedComponentError } from '../../host/errors.js';
import { bindingsNeedJspi, platformHasJspi, refuseWasi03, refuseWithoutJspi } from '../../host/run/supported.js';

let dir = '';

const P3 = 'wasi:cli@0.3.0-rc-2025-09-16';
const P3_WIT = `package ${P3} {
  interface environment { get-environment: func() -> list<tuple<string, string>>; }
  interface run { run: async func() -> result; }
}
`;

/** Imports wasi:cli/environment@0.3.0-rc and exports wasi:cli/run@0.3.0-rc (async-lifted). */
async function wasi03Component(): Promise<Uint8Array> {
  const wat = `(module
    (import "wasi:cli/environment@0.3.0-rc-2025-09-16" "get-environment" (func (param i32)))
    (memory (export "memory") 1)
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
    (func (export "[async-lift]wasi:cli/run@0.3.0-rc-2025-09-16#run") (result i32) i32.const 0)
    (func (export "[callback][async-lift]wasi:cli/run@0.3.0-rc-2025-09-16#run") (param i32 i32 i32) (result i32) i32.const 0))`;
  const world = `world p3 {\n  import ${P3.replace('@', '/environment@')};\n  export ${P3.replace('@', '/run@')};\n}\n`;
  return coreToComponent(await watToCore(wat), world, P3_WIT);
}

/** A WASI 0.2 command that also exports an async-lifted function: jco binds it with JSPI. */
async function asyncExportComponent(): Promise<Uint8Array> {
  const wat = `(module
    (memory (export "memory") 1)
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
    (func (export "wasi:cli/run@0.2.12#run") (result i32) i32.const 0)
    (func (export "[async-lift]local:jspi/work#go") (result i32) i32.const 0)
    (func (export "[callback][async-lift]local:jspi/work#go") (param i32 i32 i32) (result i32) i32.const 0))`;
  const world = `world a {\n  export wasi:cli/run@0.2.12;\n  export local:jspi/work;\n}\n`;
  return coreToComponent(await watToCore(wat), world, 'package local:jspi {\n  interface work { go: async func(); }\n}\n');
}

/** Imports eight interfaces no host supplies. */
async function manyUnknownImports(): Promise<Uint8Array> {
  const names = Array.from({ length: 8 }, (_, i) => `i${i}`);
  const wit = `package local:many {\n${names.map((n) => `  interface ${n} { f: func(); }`).join('\n')}\n}\n`;
  const wat = `(module
    ${names.map((n) => `(import "local:many/${n}" "f" (func))`).join('\n    ')}
    (func (export "wasi:cli/run@0.2.12#run") (result i32) i32.const 0))`;
  const world = `world m {\n${names.map((n) => `  import local:many/${n};`).join('\n')}\n  export wasi:cli/run@0.2.12;\n}\n`;
  return coreToComponent(await watToCore(wat), world, wit);
}

function molt(...args: string[]): CliRun {
  return runMolt(args, { cwd: dir, cacheDir: join(dir, 'cache') });
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'molt-unsupported-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a WASI 0.3 component is refused before it starts: exit 65, "WASI 0.3 is not supported yet"', async () => {
  const bytes = await wasi03Component();
  assert.throws(
    () => refuseWasi03(bytes),
    (e: unknown) => e instanceof UnsupportedComponentError && e.reason === 'wasi-0.3',
  );
  const app = join(dir, 'p3.wasm');
  writeFileSync(app, bytes);
  const r = molt('run', app);
  assert.equal(r.code, 65, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    'molt-wasm: this component targets WASI 0.3, which is not supported yet (molt-wasm runs WASI 0.2 components and preview1 modules): ' +
      `it uses wasi:cli/environment@0.3.0-rc-2025-09-16, wasi:cli/run@0.3.0-rc-2025-09-16\n`,
  );
  assert.doesNotMatch(r.stderr, /trapped/);
});

test('a WASI 0.2 component is not taken for 0.3', async () => {
  const bytes = await asyncExportComponent();
  assert.doesNotThrow(() => refuseWasi03(bytes));
});

test('bindings that need JSPI are refused where the platform lacks it, naming the platform', () => {
  const js = 'x = WebAssembly.promising(exports1["[async-lift]local:jspi/work#go"]);';
  assert.equal(bindingsNeedJspi(js), true);
  // jco's runtime mentions WebAssembly.Suspending in every output, and tries promising on
  // cabi_realloc with a fallback: only promising of an async-lifted export counts.
  assert.equal(bindingsNeedJspi('if (f.manuallyAsync) new WebAssembly.Suspending(f);'), false);
  assert.equal(bindingsNeedJspi('try { realloc0Async = WebAssembly.promising(exports1.cabi_realloc); } catch (err) {}'), false);
  assert.throws(
    () => refuseWithoutJspi(js, 'Node v0-test', false),
    (e: unknown) => e instanceof UnsupportedComponentError && e.reason === 'jspi' && /JSPI.*Node v0-test does not have/.test(e.message),
  );
  assert.doesNotThrow(() => refuseWithoutJspi(js, 'Node v0-test', true));
});

test('run: a component that needs JSPI gets exit 65 saying so on this Node (or runs where JSPI exists)', async () => {
  const app = join(dir, 'async.wasm');
  writeFileSync(app, await asyncExportComponent());
  const r = molt('run', app);
  if (platformHasJspi()) {
    assert.doesNotMatch(r.stderr, /needs JSPI/, r.stderr);
  } else {
    assert.equal(r.code, 65, r.stderr);
    assert.equal(
      r.stderr,
      `molt-wasm: this component needs JSPI (WebAssembly.Suspending and WebAssembly.promising: it uses component-model async), which Node ${process.version} does not have\n`,
    );
  }
});

test('unsupplied imports: the first five and a count, one line', async () => {
  const e = new UnknownImportError(Array.from({ length: 117 }, (_, i) => `local:x/i${i}`));
  assert.equal(
    e.message,
    'the guest imports what this host does not supply: local:x/i0, local:x/i1, local:x/i2, local:x/i3, local:x/i4 and 112 more',
  );
  assert.equal(e.imports.length, 117);
  const app = join(dir, 'many.wasm');
  writeFileSync(app, await manyUnknownImports());
  const r = molt('run', app);
  assert.equal(r.code, 65, r.stderr);
  assert.match(r.stderr, /^molt-wasm: the guest imports what this host does not supply: local:many\/i0, .*local:many\/i4 and 3 more\n$/);
});

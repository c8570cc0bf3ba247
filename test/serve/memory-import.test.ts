/**
 * host/serve/memory-import.ts: a core module's one defined memory becomes an import of the
 * same type, and nothing else changes (same exports, same data, same behaviour with the
 * memory supplied); anything but the plain case is left alone (undefined).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { POOL_FIELD, POOL_NAMESPACE, importDefinedMemory } from '../../host/serve/memory-import.js';
import { watToCore } from '../../scripts/lib/componentize.js';

const PLAIN = `(module
  (import "env" "f" (func $f (result i32)))
  (memory (export "memory") 2 5)
  (data (i32.const 16) "hi")
  (func (export "get") (param i32) (result i32) (i32.add (i32.load8_u (local.get 0)) (call $f))))`;

describe('importDefinedMemory', () => {
  it('turns the defined memory into an import of the same type; data and exports unchanged', async () => {
    const bytes = await watToCore(PLAIN);
    const out = importDefinedMemory(bytes);
    assert.ok(out);
    assert.deepEqual(out.memory, { initial: 2, maximum: 5 });
    const m = new WebAssembly.Module(out.bytes as Uint8Array<ArrayBuffer>);
    assert.deepEqual(
      WebAssembly.Module.imports(m).map((i) => [i.module, i.name, i.kind]),
      [
        ['env', 'f', 'function'],
        [POOL_NAMESPACE, POOL_FIELD, 'memory'],
      ],
    );
    assert.deepEqual(WebAssembly.Module.exports(m), WebAssembly.Module.exports(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>)));
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 5 });
    const i = new WebAssembly.Instance(m, { env: { f: () => 1 }, [POOL_NAMESPACE]: { [POOL_FIELD]: memory } });
    assert.equal(i.exports['memory'], memory);
    assert.equal((i.exports['get'] as (a: number) => number)(16), 'h'.charCodeAt(0) + 1);
    // A memory of another type does not link: the pool must supply exactly the declared one.
    assert.throws(
      () =>
        new WebAssembly.Instance(m, { env: { f: () => 1 }, [POOL_NAMESPACE]: { [POOL_FIELD]: new WebAssembly.Memory({ initial: 2 }) } }),
      WebAssembly.LinkError,
    );
  });

  it('adds an import section to a module without one', async () => {
    const out = importDefinedMemory(await watToCore('(module (memory 1) (func (export "f")))'));
    assert.ok(out);
    assert.deepEqual(out.memory, { initial: 1 });
    const m = new WebAssembly.Module(out.bytes as Uint8Array<ArrayBuffer>);
    assert.deepEqual(WebAssembly.Module.imports(m), [{ module: POOL_NAMESPACE, name: POOL_FIELD, kind: 'memory' }]);
  });

  for (const [what, wat] of [
    ['no memory', '(module (func (export "f")))'],
    ['an imported memory', '(module (import "env" "m" (memory 1)))'],
    ['an import already under the pool namespace', `(module (import "${POOL_NAMESPACE}" "x" (func)) (memory 1))`],
    ['a shared memory', '(module (memory 1 1 shared))'],
  ] as const) {
    it(`leaves a module with ${what} alone`, async () => {
      const wabtFeatures = what === 'a shared memory';
      const bytes = wabtFeatures ? sharedMemoryModule() : await watToCore(wat);
      assert.equal(importDefinedMemory(bytes), undefined);
    });
  }
});

/** (module (memory 1 1 shared)), by hand: wabt's parser here has threads off. */
function sharedMemoryModule(): Uint8Array {
  return Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 4, 1, 0x03, 1, 1]);
}

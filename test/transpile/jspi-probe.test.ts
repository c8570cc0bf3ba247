/**
 * The JSPI-probe step (host/transpile/jspi-probe.ts) over jco-transpile's output: every probe
 * of these guests is rewritten, the rewritten probe gives its variable the same value as the
 * generated one whether `WebAssembly.promising` is absent, present or throwing (and, absent,
 * without taking the catch: the throw it saves is what cost a fresh instance ~4.5 ms), an
 * unknown shape is left as generated, and the transpile cache serves the rewritten glue.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transpileBytes } from '@bytecodealliance/jco-transpile';
import { getTranspiled } from '../../host/node/transpile-cache.js';
import { guardJspiProbe } from '../../host/transpile/jspi-probe.js';
import { buildComponent, tempDir } from '../node-host/helpers.js';
import * as guests from '../node-host/guests/guests.js';
import { buildWatProxy } from '../serve/build.js';

async function generatedJs(component: Uint8Array): Promise<string> {
  const r = await transpileBytes(component, { name: 'component', instantiation: { tag: 'async' } });
  return new TextDecoder().decode(r.files['component.js']);
}

/** The generated probes: `try { reallocNAsync = WebAssembly.promising(X); } catch(err) { ... }`. */
const GENERATED = /try \{\n\s*(realloc\d+Async) = WebAssembly\.promising\(([^)\n]*)\);\n\s*\} catch\(err\) \{\n[^}]*\}/g;

function blockOf(code: string, name: string): string {
  const start = code.lastIndexOf('try {', code.indexOf(`${name} = `));
  const end = code.indexOf('}', code.indexOf('catch(err)', start)) + 1;
  return code.slice(start, end);
}

interface Outcome {
  readonly value: unknown;
  /** How many times the realloc export was read: 2 means the catch ran. */
  readonly reads: number;
}

/**
 * Runs one probe block against a stand-in `WebAssembly` and exports object; the operand's
 * base identifier (`exports1`) is bound to a proxy that counts reads.
 */
/** What the stand-in exports object gives for every property: the "realloc export". */
const EXPORT = { marker: 'export' };

function evaluate(block: string, operand: string, promising: unknown): Outcome {
  const base = /^[A-Za-z_$][\w$]*/.exec(operand)![0];
  let reads = 0;
  const exportsObject = new Proxy(
    {},
    {
      get: () => {
        reads++;
        return EXPORT;
      },
    },
  );
  const fakeWasm = promising === undefined ? {} : { promising };
  const name = /(realloc\d+Async) = /.exec(block)![1]!;
  const f = new Function('WebAssembly', base, `let ${name};\n${block}\nreturn ${name};`) as (w: unknown, e: unknown) => unknown;
  return { value: f(fakeWasm, exportsObject), reads };
}

test('every JSPI probe of these guests is rewritten, and gives the same value as generated', async () => {
  const promised = { marker: 'promised' };
  for (const [name, bytes] of [
    ['hello', await buildComponent(guests.hello)],
    ['fsProbe', await buildComponent(guests.fsProbe)],
    ['serve proxy', readFileSync(await buildWatProxy())],
  ] as const) {
    const js = await generatedJs(bytes);
    const probes = [...js.matchAll(GENERATED)].map((m) => ({ name: m[1]!, operand: m[2]! }));
    assert.ok(probes.length > 0, `${name}: jco-transpile's glue probes JSPI`);
    const r = guardJspiProbe(js);
    assert.deepEqual(
      r.rewritten,
      probes.map((p) => p.name),
      name,
    );
    assert.equal(r.left, 0, name);
    assert.deepEqual(guardJspiProbe(r.code).rewritten, [], `${name}: a second pass finds nothing left to do`);
    for (const p of probes) {
      const before = blockOf(js, p.name);
      const after = blockOf(r.code, p.name);
      assert.notEqual(before, after);
      // No JSPI (Node 20): the plain export, and the rewritten probe never reaches the catch.
      const g0 = evaluate(before, p.operand, undefined);
      const l0 = evaluate(after, p.operand, undefined);
      assert.equal(g0.value, EXPORT);
      assert.equal(l0.value, g0.value, `${name} ${p.name}: no JSPI`);
      assert.deepEqual([g0.reads, l0.reads], [2, 1], `${name} ${p.name}: the generated probe throws, the rewritten one does not`);
      // JSPI: what promising returns.
      const jspi = (x: unknown): unknown => (x === undefined ? undefined : promised);
      const g1 = evaluate(before, p.operand, jspi);
      assert.equal(g1.value, promised);
      assert.equal(evaluate(after, p.operand, jspi).value, g1.value, `${name} ${p.name}: JSPI`);
      // JSPI that refuses the function: the plain export, through the catch in both.
      const refuse = (): never => {
        throw new TypeError('not a wasm function');
      };
      const g2 = evaluate(before, p.operand, refuse);
      const l2 = evaluate(after, p.operand, refuse);
      assert.equal(g2.value, EXPORT);
      assert.deepEqual(l2, g2, `${name} ${p.name}: JSPI that throws`);
    }
  }
});

test('fails closed: a probe of another shape is left as generated and counted', async () => {
  const js = await generatedJs(await buildComponent(guests.hello));
  const all = guardJspiProbe(js).rewritten;
  const name = all[0]!;
  const block = blockOf(js, name);
  // The catch assigns something else: not the shape whose equivalence is shown above.
  const odd = js.replace(block, block.replace(/catch\(err\) \{\n(\s*)(realloc\d+Async) = /, 'catch(err) {\n$1$2 = null && '));
  assert.notEqual(odd, js);
  const r = guardJspiProbe(odd);
  assert.deepEqual(r.rewritten, all.slice(1));
  assert.equal(r.left, 1);
  assert.ok(r.code.includes(blockOf(odd, name)), 'the odd probe is untouched');
});

test('the transpile cache serves the rewritten probe', async () => {
  const e = await getTranspiled(readFileSync(await buildWatProxy()), tempDir('molt-jspi-cache-'));
  const js = readFileSync(join(e.dir, 'component.js'), 'utf8');
  assert.equal([...js.matchAll(GENERATED)].length, 0, 'no probe left as generated');
  assert.match(js, /realloc\d+Async = typeof WebAssembly\.promising === 'function' \? WebAssembly\.promising\(/);
});

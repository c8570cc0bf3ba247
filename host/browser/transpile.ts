/**
 * Component -> JS in the browser, with jco's own transpiler (js-component-bindgen, itself a
 * component compiled to core wasm + JS): the same `generate()` that jco-transpile's
 * `transpileBytes` calls in Node, with the same options the Node loader uses (instantiation
 * `async`, no WASI shim mapping: the host supplies the gated import object). Heavy (about
 * 3.5 MB of wasm), so the browser host loads this module lazily, only when a component is run
 * and no prebuilt output was given. The bundle keeps the transpiler's `.core.wasm` files next
 * to this module (it fetches them relative to `import.meta.url`). The generated `component.js`
 * goes through leanImports and guardJspiProbe, as in Node.
 */
import { $init, generate } from '@bytecodealliance/jco-transpile/component';
import { WasmFormatError } from '../errors.js';
import { guardJspiProbe } from '../transpile/jspi-probe.js';
import { leanImports } from '../transpile/lean-imports.js';

/** What a transpiled component is: generated files by name, and its unversioned imports. */
export interface TranspiledComponent {
  /** `component.js`, `component.core.wasm`, ... (no `.d.ts`). */
  readonly files: Readonly<Record<string, Uint8Array>>;
  /** Unversioned interface names the component imports (`wasi:cli/stdout`). */
  readonly imports: readonly string[];
}

export type Transpiler = (component: Uint8Array) => Promise<TranspiledComponent>;

/** JSPI: the async WASI imports jco suspends on and the exports it makes return Promises. */
const JSPI_IMPORTS = [
  'wasi:io/poll#poll',
  'wasi:io/poll#[method]pollable.block',
  'wasi:io/streams#[method]input-stream.blocking-read',
  'wasi:io/streams#[method]input-stream.blocking-skip',
  'wasi:io/streams#[method]output-stream.blocking-flush',
  'wasi:io/streams#[method]output-stream.blocking-write-and-flush',
  'wasi:io/streams#[method]output-stream.blocking-write-zeroes-and-flush',
  'wasi:io/streams#[method]output-stream.blocking-splice',
];
const JSPI_EXPORTS = ['wasi:cli/run#run'];

export interface TranspileOptions {
  /**
   * Generate JSPI bindings (WebAssembly.Suspending/promising) so blocking WASI calls that the
   * browser can only answer with a Promise (HTTP responses, sleeps) really wait. Default false:
   * everything molt-wasm serves synchronously works without it.
   */
  readonly jspi?: boolean;
}

export async function transpileComponent(component: Uint8Array, options: TranspileOptions = {}): Promise<TranspiledComponent> {
  await $init;
  let out: { files: Array<[string, Uint8Array]>; imports: string[] };
  try {
    out = generate(component, {
      name: 'component',
      map: [],
      instantiation: { tag: 'async' },
      ...(options.jspi ? { asyncMode: { tag: 'jspi' as const, val: { imports: JSPI_IMPORTS, exports: JSPI_EXPORTS } } } : {}),
      noComponentErrorWrapping: true,
      noNodejsCompat: true,
      noTypescript: true,
      base64Cutoff: 5000,
    });
  } catch (e) {
    // The transpiler validates the component: a failure is bad input, not a host fault.
    throw new WasmFormatError(`not a valid component: ${e instanceof Error ? e.message : String(e)}`);
  }
  const files: Record<string, Uint8Array> = {};
  for (const [name, bytes] of out.files) if (!name.endsWith('.d.ts')) files[name] = bytes;
  // The same post-processing as the Node cache (host/transpile/lean-imports.ts): sync host
  // imports without jco's per-call async-task bookkeeping. JSPI output is left as generated
  // (the step does not touch a module whose imports are marked async). Then the JSPI probe
  // that does not throw (host/transpile/jspi-probe.ts): same value where JSPI exists.
  const js = files['component.js'];
  if (js !== undefined)
    files['component.js'] = new TextEncoder().encode(guardJspiProbe(leanImports(new TextDecoder().decode(js)).code).code);
  return { files, imports: out.imports };
}

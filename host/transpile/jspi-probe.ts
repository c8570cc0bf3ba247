/**
 * A JSPI probe that does not throw: a post-processing step over the JS that jco-transpile
 * 0.15.0 generates for a component (issue 17), applied after lean-imports.
 *
 * Why: the generated `instantiate()` finds out whether the platform has JSPI by calling it,
 * once per realloc, on every instantiation:
 *
 *     try {
 *       realloc0Async = WebAssembly.promising(exports1.cabi_realloc);
 *     } catch(err) {
 *       realloc0Async = exports1.cabi_realloc;
 *     }
 *
 * Node 20 has no `WebAssembly.promising`, so every instantiation throws a TypeError
 * ("WebAssembly.promising is not a function"), and to word that message V8 re-parses the
 * function the call sits in: the whole generated `instantiate()` (~270 KB of source). Measured
 * in a worker's loop of gate + instantiate + handle for the WAT proxy (test/serve/): this one
 * throw was ~4.5 of the ~9 ms an instantiation took, more than every class and closure the
 * bindings build. A server that makes a fresh instance per request paid it per request; every
 * `molt-wasm run` paid it once.
 *
 * What it does: each statement of exactly that shape becomes
 *
 *     try {
 *       realloc0Async = typeof WebAssembly.promising === 'function' ? WebAssembly.promising(exports1.cabi_realloc) : exports1.cabi_realloc;
 *     } catch(err) {
 *       realloc0Async = exports1.cabi_realloc;
 *     }
 *
 * which gives the variable the same value in every case: no `promising` -> the plain export
 * (as the catch did); `promising` present -> what it returns; `promising` present and throwing
 * -> the plain export, through the catch kept as generated. The argument is a property read
 * of a core instance's exports object (frozen data properties), so reading it in either branch
 * has no effect of its own. Any other use of `WebAssembly.promising` is left as generated
 * (listed in `left`); it only runs for components using component-model async, which need a
 * platform with JSPI anyway (host/run/supported.ts).
 *
 * The output depends on this module: JSPI_PROBE_ID is part of every transpile-cache key.
 */

/** Changes whenever the rewrite changes: part of the transpile cache key. */
export const JSPI_PROBE_ID = 'jspi-probe@1';

export interface JspiProbeResult {
  /** The rewritten module text (the input unchanged when nothing matched). */
  readonly code: string;
  /** The variables whose probe was rewritten (`realloc0Async`, ...). */
  readonly rewritten: readonly string[];
  /** Calls of `WebAssembly.promising(` left as generated (not the probe's exact shape). */
  readonly left: number;
}

/** A dotted or bracketed property read of an identifier: `exports1.cabi_realloc`, `exports0['3']`. */
const OPERAND = String.raw`[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\['[^'\\\n]*'\])*`;

/** The probe as 0.15.0 emits it; groups: indent of the body, variable, operand, indent of `}`. */
const PROBE = new RegExp(
  String.raw`try \{\n([ \t]*)(realloc\d+Async) = WebAssembly\.promising\((${OPERAND})\);\n([ \t]*)\} catch\(err\) \{\n[ \t]*\2 = \3;\n[ \t]*\}`,
  'g',
);

/** Rewrites the JSPI probes of a jco-transpile 0.15.0 `component.js` (see the module comment). Pure. */
export function guardJspiProbe(code: string): JspiProbeResult {
  const rewritten: string[] = [];
  const out = code.replace(PROBE, (whole: string, indent: string, name: string, operand: string, close: string) => {
    rewritten.push(name);
    const guarded = `typeof WebAssembly.promising === 'function' ? WebAssembly.promising(${operand}) : ${operand}`;
    return `try {\n${indent}${name} = ${guarded};\n${close}} catch(err) {\n${indent}${name} = ${operand};\n${close}}`;
  });
  const calls = out.match(/WebAssembly\.promising\(/g)?.length ?? 0;
  return { code: out, rewritten, left: calls - rewritten.length };
}

/**
 * Components this host cannot run are refused before they start, with a message that says
 * why (SPEC section 8), never reported as a guest trap: one that targets WASI 0.3, and one
 * whose bindings need JSPI where the platform lacks it. Platform-neutral.
 */
import { listFew, UnsupportedComponentError } from '../errors.js';
import { readInterface } from '../manifest/wasm/imports.js';

/** `wasi:cli/environment@0.3.0-rc-2025-09-16`, `wasi:http/types@0.3.0`: a WASI 0.3 interface. */
const WASI_03 = /^wasi:[^@]+@0\.3(\.|-|$)/;

/** Throws UnsupportedComponentError when the component imports or exports a WASI 0.3 interface. */
export function refuseWasi03(bytes: Uint8Array): void {
  const iface = readInterface(bytes);
  if (iface.kind !== 'component') return;
  const names = [...iface.imports.filter((i) => i.module === null).map((i) => i.name), ...iface.exports.map((e) => e.name)].filter((n) =>
    WASI_03.test(n),
  );
  if (names.length === 0) return;
  throw new UnsupportedComponentError(
    `this component targets WASI 0.3, which is not supported yet (molt-wasm runs WASI 0.2 components and preview1 modules): it uses ${listFew(names)}`,
    'wasi-0.3',
    names,
  );
}

/** True where the engine has JSPI (`WebAssembly.Suspending` and `WebAssembly.promising`). */
export function platformHasJspi(): boolean {
  const wa = WebAssembly as unknown as { Suspending?: unknown; promising?: unknown };
  return typeof wa.Suspending === 'function' && typeof wa.promising === 'function';
}

/**
 * jco's bindings wrap an async-lifted export (component-model async) in
 * `WebAssembly.promising(exportsN['[async-lift]…'])` unconditionally: the sign that
 * `generatedJs` needs JSPI to run. Every output also tries `WebAssembly.promising` on
 * `cabi_realloc` inside a try/catch, with a fallback: that one needs nothing.
 */
export function bindingsNeedJspi(generatedJs: string): boolean {
  return /WebAssembly\.promising\(\s*exports\d+\[\s*['"]\[async-lift\]/.test(generatedJs);
}

/** Throws UnsupportedComponentError when the bindings need JSPI and `hasJspi` is false. */
export function refuseWithoutJspi(generatedJs: string, platform: string, hasJspi = platformHasJspi()): void {
  if (hasJspi || !bindingsNeedJspi(generatedJs)) return;
  throw new UnsupportedComponentError(
    `this component needs JSPI (WebAssembly.Suspending and WebAssembly.promising: it uses component-model async), which ${platform} does not have`,
    'jspi',
  );
}

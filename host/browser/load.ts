/**
 * Turning guest bytes into something instantiable in the browser: a transpiled component
 * (transpiled here with the lazily loaded transpiler, or prebuilt at build time and handed
 * in) or a compiled preview1 core module. Refuses imports the host does not supply
 * (UnknownImportError, listing all of them) before anything runs, like host/node/load.ts.
 */
import { WasmFormatError } from '../errors.js';
import { readBinaryKind } from '../manifest/wasm/sections.js';
import {
  compileCoreModule,
  requireSuppliedImports,
  transpiledComponent,
  type GeneratedInstantiate,
  type LoadedComponent,
  type LoadedGuest,
} from '../run/loaded-guest.js';
import { refuseWithoutJspi } from '../run/supported.js';
import type { TranspiledComponent, Transpiler } from './transpile.js';

export type { LoadedComponent, LoadedCoreModule, LoadedGuest } from '../run/loaded-guest.js';

/** Bytes as given, or fetched from a URL. Fetch errors are WasmFormatError (bad input). */
export async function readGuestBytes(source: Uint8Array | ArrayBuffer | string | URL): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  let res: Response;
  try {
    res = await fetch(source);
  } catch (e) {
    throw new WasmFormatError(`cannot fetch ${String(source)}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new WasmFormatError(`cannot fetch ${String(source)}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * The generated ES module, imported from a Blob URL: it is code we just generated (or the
 * app shipped), never fetched from the guest's origin. Pages with a CSP need `blob:` in
 * script-src for this.
 */
async function importGenerated(source: Uint8Array): Promise<{ instantiate: GeneratedInstantiate }> {
  const url = URL.createObjectURL(new Blob([source as BlobPart], { type: 'text/javascript' }));
  try {
    return (await import(/* @vite-ignore */ url)) as { instantiate: GeneratedInstantiate };
  } finally {
    URL.revokeObjectURL(url);
  }
}

async function loadComponent(t: TranspiledComponent): Promise<LoadedComponent> {
  const js = t.files['component.js'];
  if (js === undefined) throw new WasmFormatError('transpiled output has no component.js');
  // Bindings that must suspend need JSPI: refused before they run where the engine lacks it.
  refuseWithoutJspi(new TextDecoder().decode(js), 'this browser');
  const mod = await importGenerated(js);
  return transpiledComponent(mod, t.imports, new Map(Object.entries(t.files)));
}

/**
 * Loads a component (from `prebuilt` when given, else through `transpile`) or a core module.
 * `supplied` holds the unversioned interfaces the host's import object has.
 */
export async function loadGuest(
  bytes: Uint8Array,
  supplied: ReadonlySet<string>,
  transpile: Transpiler,
  prebuilt?: TranspiledComponent,
): Promise<LoadedGuest> {
  if (readBinaryKind(bytes) === 'core') return compileCoreModule(bytes as BufferSource);
  return requireSuppliedImports(await loadComponent(prebuilt ?? (await transpile(bytes))), supplied);
}

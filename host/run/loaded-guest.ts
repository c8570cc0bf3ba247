/**
 * A guest made instantiable by a platform's loader (host/node/load.ts, host/browser/load.ts):
 * a transpiled component or a compiled preview1 core module. What does not depend on the
 * platform lives here: refusing imports the host does not supply (UnknownImportError, listing
 * all of them) before anything runs, and starting a core module. Platform-neutral.
 */
import { UnknownImportError, WasmFormatError } from '../errors.js';
import type { WasiImportObject } from '../gate/types.js';
import { createPreview1Imports, PREVIEW1_FUNCTION_NAMES } from '../preview1/index.js';

export interface LoadedComponent {
  readonly kind: 'component';
  /** Unversioned interfaces the component imports. */
  readonly imports: readonly string[];
  /** Instantiates with the given import object; resolves to the component's exports. */
  instantiate(imports: WasiImportObject): Promise<Record<string, unknown>>;
}

export interface LoadedCoreModule {
  readonly kind: 'core';
  readonly module: WebAssembly.Module;
}

export type LoadedGuest = LoadedComponent | LoadedCoreModule;

/** jco's generated `instantiate` (instantiation mode `async`). */
export type GeneratedInstantiate = (
  getCoreModule: (name: string) => Promise<WebAssembly.Module>,
  imports: WasiImportObject,
) => Promise<Record<string, unknown>>;

/**
 * A transpiled component: jco's generated module, the interfaces it imports, and its core
 * modules by file name. Each core module is compiled once, on first ask, after `rewrite`
 * (the Node host writes the memory limit into each one).
 */
export function transpiledComponent(
  generated: { readonly instantiate: GeneratedInstantiate },
  imports: readonly string[],
  coreModules: ReadonlyMap<string, Uint8Array>,
  rewrite: (bytes: Uint8Array) => Uint8Array = (b) => b,
): LoadedComponent {
  const compiled = new Map<string, Promise<WebAssembly.Module>>();
  const getCoreModule = (name: string): Promise<WebAssembly.Module> => {
    let m = compiled.get(name);
    if (m === undefined) {
      const bytes = coreModules.get(name);
      if (bytes === undefined) return Promise.reject(new WasmFormatError(`transpiled output has no ${name}`));
      m = WebAssembly.compile(rewrite(bytes) as BufferSource);
      compiled.set(name, m);
    }
    return m;
  };
  return { kind: 'component', imports, instantiate: (wasi) => generated.instantiate(getCoreModule, wasi) };
}

/** `component`, once every interface it imports is in `supplied` (else UnknownImportError). */
export function requireSuppliedImports(component: LoadedComponent, supplied: ReadonlySet<string>): LoadedComponent {
  const unknown = component.imports.filter((i) => !supplied.has(i));
  if (unknown.length > 0) throw new UnknownImportError(unknown);
  return component;
}

/**
 * Compiles a preview1 core module (invalid bytes are WasmFormatError) and refuses any import
 * but a function of wasi_snapshot_preview1 (UnknownImportError).
 */
export async function compileCoreModule(bytes: BufferSource): Promise<LoadedCoreModule> {
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(bytes);
  } catch (e) {
    throw new WasmFormatError(`not a valid core module: ${(e as Error).message}`);
  }
  const known = new Set<string>(PREVIEW1_FUNCTION_NAMES);
  const unknown = WebAssembly.Module.imports(module)
    .filter((i) => !(i.module === 'wasi_snapshot_preview1' && i.kind === 'function' && known.has(i.name)))
    .map((i) => `${i.module}#${i.name}`);
  if (unknown.length > 0) throw new UnknownImportError(unknown);
  return { kind: 'core', module };
}

/** Instantiates a core module on preview1 over `imports` and calls its `_start`. */
export async function startCoreModule(module: WebAssembly.Module, imports: WasiImportObject): Promise<void> {
  const p1 = createPreview1Imports(imports);
  const instance = await WebAssembly.instantiate(module, p1.imports);
  p1.bindMemory(instance);
  const start = instance.exports['_start'];
  if (typeof start !== 'function') throw new WasmFormatError('the module exports no _start function');
  (start as () => void)();
}

/**
 * Turning guest bytes into something instantiable: a transpiled component (cached, see
 * transpile-cache.ts) or a compiled preview1 core module. Refuses imports the host does not
 * supply (UnknownImportError, listing all of them) before anything runs.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MoltError, WasmFormatError } from '../errors.js';
import { readBinaryKind } from '../manifest/wasm/sections.js';
import type { WasiImportObject } from '../gate/types.js';
import {
  compileCoreModule,
  requireSuppliedImports,
  type LoadedComponent,
  type LoadedCoreModule,
  type LoadedGuest,
} from '../run/loaded-guest.js';
import { limitMemories } from './limits.js';
import { getTranspiled } from './transpile-cache.js';

/** Bounds applied to every core module before it is compiled (see limits.ts). */
export interface LoadLimits {
  readonly maxMemoryBytes?: number;
}

function limited(bytes: Uint8Array, limits: LoadLimits): Uint8Array {
  return limits.maxMemoryBytes === undefined ? bytes : limitMemories(bytes, limits.maxMemoryBytes);
}

/** jco's generated `instantiate` (instantiation mode `async`). */
type Instantiate = (
  getCoreModule: (name: string) => Promise<WebAssembly.Module>,
  imports: WasiImportObject,
  instantiateCore?: (m: WebAssembly.Module, i?: WebAssembly.Imports) => Promise<WebAssembly.Instance>,
) => Promise<Record<string, unknown>>;

export type { LoadedComponent, LoadedCoreModule, LoadedGuest } from '../run/loaded-guest.js';

/** Bytes as given, or read from a path. Read errors are WasmFormatError (bad input, 65). */
export async function readGuestBytes(bytesOrPath: Uint8Array | string): Promise<Uint8Array> {
  if (typeof bytesOrPath !== 'string') return bytesOrPath;
  try {
    return new Uint8Array(await readFile(bytesOrPath));
  } catch (e) {
    throw new WasmFormatError(`cannot read ${bytesOrPath}: ${(e as Error).message}`);
  }
}

async function loadComponent(bytes: Uint8Array, cacheDir: string | undefined, limits: LoadLimits): Promise<LoadedComponent> {
  const entry = await getTranspiled(bytes, cacheDir);
  const mod = (await import(pathToFileURL(join(entry.dir, 'component.js')).href)) as { instantiate: Instantiate };
  const modules = new Map<string, Promise<WebAssembly.Module>>();
  const getCoreModule = (name: string): Promise<WebAssembly.Module> => {
    let m = modules.get(name);
    if (m === undefined) {
      // Every core module jco produced passes here: the memory limit is written into each one.
      const verified = entry.coreModules.get(name);
      m =
        verified === undefined
          ? Promise.reject(new MoltError(`transpiled component asks for ${JSON.stringify(name)}, which its cache entry does not hold`))
          : WebAssembly.compile(limited(verified, limits) as Uint8Array<ArrayBuffer>);
      modules.set(name, m);
    }
    return m;
  };
  return {
    kind: 'component',
    imports: entry.imports,
    instantiate: (imports) => mod.instantiate(getCoreModule, imports),
  };
}

function loadCoreModule(bytes: Uint8Array, limits: LoadLimits): Promise<LoadedCoreModule> {
  const input = limited(bytes, limits);
  // No copy unless needed for the type: a copy of a 30 MB module costs ~20 ms.
  return compileCoreModule(input.buffer instanceof ArrayBuffer ? (input as Uint8Array<ArrayBuffer>) : new Uint8Array(input));
}

/**
 * Loads a component or a core module. `supplied` is the set of unversioned interface names
 * the host's import object has; a component importing anything else is refused.
 */
export async function loadGuest(
  bytes: Uint8Array,
  supplied: ReadonlySet<string>,
  cacheDir?: string,
  limits: LoadLimits = {},
): Promise<LoadedGuest> {
  const kind = readBinaryKind(bytes);
  if (kind === 'core') return loadCoreModule(bytes, limits);
  return requireSuppliedImports(await loadComponent(bytes, cacheDir, limits), supplied);
}

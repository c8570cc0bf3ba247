/**
 * Turning guest bytes into something instantiable: a transpiled component (cached, see
 * transpile-cache.ts) or a compiled preview1 core module. Refuses imports the host does not
 * supply (UnknownImportError, listing all of them) before anything runs.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WasmFormatError } from '../errors.js';
import { readBinaryKind } from '../manifest/wasm/sections.js';
import {
  compileCoreModule,
  requireSuppliedImports,
  transpiledComponent,
  type GeneratedInstantiate,
  type LoadedComponent,
  type LoadedCoreModule,
  type LoadedGuest,
} from '../run/loaded-guest.js';
import { refuseWithoutJspi } from '../run/supported.js';
import { lazyFsPromises } from './builtins.js';
import { importModule } from './import-module.js';
import { limitMemories } from './limits.js';
import { getTranspiled } from './transpile-cache.js';

/** Bounds applied to every core module before it is compiled (see limits.ts). */
export interface LoadLimits {
  readonly maxMemoryBytes?: number;
}

function limited(bytes: Uint8Array, limits: LoadLimits): Uint8Array {
  return limits.maxMemoryBytes === undefined ? bytes : limitMemories(bytes, limits.maxMemoryBytes);
}

export type { LoadedComponent, LoadedCoreModule, LoadedGuest } from '../run/loaded-guest.js';

/** Bytes as given, or read from a path. Read errors are WasmFormatError (bad input, 65). */
export async function readGuestBytes(bytesOrPath: Uint8Array | string): Promise<Uint8Array> {
  if (typeof bytesOrPath !== 'string') return bytesOrPath;
  try {
    return new Uint8Array(await lazyFsPromises().readFile(bytesOrPath));
  } catch (e) {
    throw new WasmFormatError(`cannot read ${bytesOrPath}: ${(e as Error).message}`);
  }
}

async function loadComponent(bytes: Uint8Array, cacheDir: string | undefined, limits: LoadLimits): Promise<LoadedComponent> {
  const entry = await getTranspiled(bytes, cacheDir);
  // Before anything is imported or run: a component whose bindings must suspend is refused
  // on a Node without JSPI, instead of failing inside the guest (SPEC section 8).
  refuseWithoutJspi(await lazyFsPromises().readFile(join(entry.dir, 'component.js'), 'utf8'), `Node ${process.version}`);
  const mod = (await importModule(pathToFileURL(join(entry.dir, 'component.js')).href)) as { instantiate: GeneratedInstantiate };
  // Every core module jco produced passes through `limited`: the memory limit is written into each one.
  return transpiledComponent(mod, entry.imports, entry.coreModules, (b) => limited(b, limits));
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

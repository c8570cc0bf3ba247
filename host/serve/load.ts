/**
 * Making a proxy component ready to serve, once, in the serving process: refused unless it
 * is a WASI 0.2 proxy (proxy.ts), transpiled through the verified cache, its imports held
 * against what the gated import object supplies, and its core modules compiled with the
 * memory limit written into each (host/node/limits.ts). Workers get the compiled modules
 * (a WebAssembly.Module crosses to a worker without being compiled again).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UnknownImportError } from '../errors.js';
import { createGatedWasi, disposeGatedWasi } from '../gate/index.js';
import { limitMemories } from '../node/limits.js';
import type { WasiPlatform } from '../gate/types.js';
import { getTranspiled } from '../node/transpile-cache.js';
import { PolicyEngine, emptyManifest } from '../policy/index.js';
import { refuseWasi03, refuseWithoutJspi } from '../run/supported.js';
import { importDefinedMemory, type PooledMemoryType } from './memory-import.js';
import { requireProxyComponent } from './proxy.js';

export interface PreparedProxy {
  readonly componentJs: string;
  readonly modules: Record<string, WebAssembly.Module>;
  /** Modules whose memory the serving worker supplies from its pool (empty when pooling is off). */
  readonly pooledMemories: Record<string, PooledMemoryType>;
  readonly handlerExport: string;
  /** The unversioned interfaces it imports (each one supplied by the gated import object). */
  readonly imports: readonly string[];
}

/** The unversioned interfaces a gated import object supplies (what a guest may import). */
function suppliedInterfaces(nodePlatform: WasiPlatform): Set<string> {
  const engine = new PolicyEngine();
  const subject = engine.createSubject(emptyManifest(), 'serve import check');
  const imports = createGatedWasi({ engine, subject, platform: nodePlatform });
  const names = new Set(Object.keys(imports));
  disposeGatedWasi(imports);
  engine.dropSubject(subject);
  return names;
}

/**
 * False when `MOLT_WASM_SERVE_MEMORY_POOL=0` (for measuring the pool against it) or when this
 * Node has JSPI: then every instance gets a new linear memory from V8, as before pooling.
 */
export function memoryPoolEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  // Under JSPI jco hands exports to WebAssembly.promising, which takes only a wasm function,
  // not the lease's wrapper (memory-pool.ts); a suspended call would also outlive its
  // request's handler. The pool is for the synchronous case only (Node 20 has no JSPI).
  const jspi = typeof (WebAssembly as { promising?: unknown }).promising === 'function';
  return env['MOLT_WASM_SERVE_MEMORY_POOL'] !== '0' && !jspi;
}

export async function prepareProxy(
  bytes: Uint8Array,
  label: string,
  options: { readonly cacheDir?: string | undefined; readonly maxMemoryBytes?: number | undefined; readonly poolMemories?: boolean },
): Promise<PreparedProxy> {
  const handlerExport = requireProxyComponent(bytes, label);
  refuseWasi03(bytes);
  const entry = await getTranspiled(bytes, options.cacheDir);
  const componentJs = join(entry.dir, 'component.js');
  refuseWithoutJspi(await readFile(componentJs, 'utf8'), `Node ${process.version}`);
  // The shim-backed platform is loaded only when serving (the CLI bundle shares this module
  // with commands that never need it: test/cli-build/startup-loading.test.ts).
  const { nodePlatform } = await import('../node/platform.js');
  const supplied = suppliedInterfaces(nodePlatform);
  const unknown = entry.imports.filter((i) => !supplied.has(i));
  if (unknown.length > 0) throw new UnknownImportError(unknown);
  const modules: Record<string, WebAssembly.Module> = {};
  const pooledMemories: Record<string, PooledMemoryType> = {};
  for (const [name, core] of entry.coreModules) {
    const limited = options.maxMemoryBytes === undefined ? core : limitMemories(core, options.maxMemoryBytes);
    // After the limit: the imported memory's type is the limited one, and the pool makes exactly that.
    const pooled = (options.poolMemories ?? memoryPoolEnabled()) ? importDefinedMemory(limited) : undefined;
    if (pooled !== undefined) pooledMemories[name] = pooled.memory;
    modules[name] = await WebAssembly.compile((pooled?.bytes ?? limited) as Uint8Array<ArrayBuffer>);
  }
  return { componentJs: pathToFileURL(componentJs).href, modules, pooledMemories, handlerExport, imports: entry.imports };
}

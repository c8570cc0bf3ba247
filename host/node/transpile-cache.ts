/**
 * Component -> JS (jco-transpile), cached on disk. Key: sha256(component bytes), the
 * jco-transpile version and the post-processing applied to its output (transpilerId()).
 * Location: `cacheDir` option, else env MOLT_WASM_CACHE_DIR, else
 * `$XDG_CACHE_HOME/molt-wasm`, else `~/.cache/molt-wasm`.
 *
 * An entry is a directory holding the generated files and `molt-entry.json` (sha256 of every
 * file, the transpiler's import list). Entries are written into a temporary directory and
 * renamed into place, so a reader never sees a half-written entry; an entry whose files do
 * not match its hashes (corrupt, truncated, edited) is deleted and rebuilt, never run.
 * The hashes detect damage, not an attacker with write access to the cache directory.
 *
 * Instantiation mode `async`: the generated `instantiate()` compiles core modules with
 * WebAssembly.compile (no main-thread size limit) and works without JSPI; every export and
 * every host import stays synchronous (asyncMode `sync`), so no JSPI is needed to run.
 *
 * The generated `component.js` then goes through leanImports (host/transpile/lean-imports.ts):
 * sync host-import trampolines without jco's per-call async-task bookkeeping (issue 16), and
 * guardJspiProbe (host/transpile/jspi-probe.ts): instantiation asks whether JSPI exists
 * without throwing (issue 17). `MOLT_WASM_LEAN_IMPORTS=0` keeps jco's output as generated
 * (neither step; a separate cache entry), for comparing the two.
 */
import { createRequire } from 'node:module';
import { lazyCrypto, lazyFsPromises } from './builtins.js';
import { dirname, join } from 'node:path';
import type { transpileBytes } from '@bytecodealliance/jco-transpile';
import { OutputPathError, WasmFormatError } from '../errors.js';
import { JSPI_PROBE_ID, guardJspiProbe } from '../transpile/jspi-probe.js';
import { LEAN_IMPORTS_ID, leanImports } from '../transpile/lean-imports.js';
import { defaultCacheDir } from './cache-dir.js';
import { importModule } from './import-module.js';

export { defaultCacheDir } from './cache-dir.js';

const ENTRY_FILE = 'molt-entry.json';
/** The name the generated module gets: `component.js`, `component.core.wasm`, ... */
const NAME = 'component';

export interface CacheEntry {
  /** The directory holding the generated files. */
  readonly dir: string;
  /** Unversioned interface names the component imports (`wasi:cli/stdout`, ...). */
  readonly imports: readonly string[];
  /** True when this call transpiled (cache miss or rebuilt entry). */
  readonly built: boolean;
  /**
   * The core modules (`*.wasm`) by file name, as verified against the entry's hashes: compile
   * these, not a second read of the file, which could have changed since.
   */
  readonly coreModules: ReadonlyMap<string, Uint8Array>;
}

interface EntryManifest {
  readonly version: 1;
  readonly transpiler: string;
  readonly component: string;
  readonly imports: string[];
  readonly files: Record<string, string>;
}

let transpilerVersion: string | undefined;

/** False when `MOLT_WASM_LEAN_IMPORTS=0`: jco's output is used as generated (no post-processing step). */
export function leanImportsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['MOLT_WASM_LEAN_IMPORTS'] !== '0';
}

/**
 * `jco-transpile@0.15.0+lean-imports@2+jspi-probe@1` (without the `+...` when the steps are
 * off): part of the key, so a new transpiler or a changed post-processing step never reuses
 * old output.
 */
export function transpilerId(): string {
  if (transpilerVersion === undefined) {
    const require = createRequire(import.meta.url);
    const main = require.resolve('@bytecodealliance/jco-transpile');
    const pkg = require(join(dirname(main), '..', 'package.json')) as { version: string };
    transpilerVersion = pkg.version;
  }
  return `jco-transpile@${transpilerVersion}${leanImportsEnabled() ? `+${LEAN_IMPORTS_ID}+${JSPI_PROBE_ID}` : ''}`;
}

export function sha256(bytes: Uint8Array): string {
  return lazyCrypto().createHash('sha256').update(bytes).digest('hex');
}

/**
 * Reads and verifies an entry; null when it is missing, partial or corrupt. Gives back the
 * core modules it verified.
 */
async function readEntry(
  dir: string,
  componentHash: string,
): Promise<{ manifest: EntryManifest; coreModules: Map<string, Uint8Array> } | null> {
  const { readFile } = lazyFsPromises();
  let m: EntryManifest;
  try {
    m = JSON.parse(await readFile(join(dir, ENTRY_FILE), 'utf8')) as EntryManifest;
  } catch {
    return null;
  }
  if (m.version !== 1 || m.component !== componentHash || m.transpiler !== transpilerId()) return null;
  if (typeof m.files !== 'object' || m.files === null || !(`${NAME}.js` in m.files)) return null;
  const coreModules = new Map<string, Uint8Array>();
  for (const [name, hash] of Object.entries(m.files)) {
    try {
      const bytes = new Uint8Array(await readFile(join(dir, name)));
      if (sha256(bytes) !== hash) return null;
      if (name.endsWith('.wasm')) coreModules.set(name, bytes);
    } catch {
      return null;
    }
  }
  return { manifest: m, coreModules };
}

/** `component.js` through leanImports then guardJspiProbe (see host/transpile/). */
function leanGlue(js: Uint8Array): Uint8Array {
  return new TextEncoder().encode(guardJspiProbe(leanImports(new TextDecoder().decode(js)).code).code);
}

/**
 * Returns a verified cache entry for `component`, transpiling when there is none or the
 * existing one fails verification.
 */
export async function getTranspiled(component: Uint8Array, cacheDir = defaultCacheDir()): Promise<CacheEntry> {
  const { mkdir, rename, rm, writeFile } = lazyFsPromises();
  const hash = sha256(component);
  const key = `${hash}-${transpilerId().replace(/[^A-Za-z0-9.-]/g, '_')}`;
  const dir = join(cacheDir, key);
  const existing = await readEntry(dir, hash);
  if (existing !== null) return { dir, imports: existing.manifest.imports, built: false, coreModules: existing.coreModules };

  let result: Awaited<ReturnType<typeof transpileBytes>>;
  try {
    // Loaded only on a miss: importing jco-transpile costs more than a whole warm run.
    const jco = (await importModule('@bytecodealliance/jco-transpile')) as typeof import('@bytecodealliance/jco-transpile');
    result = await jco.transpileBytes(component, { name: NAME, instantiation: { tag: 'async' } });
  } catch (e) {
    // The transpiler validates the component: a failure here is bad input, not a host fault.
    throw new WasmFormatError(`not a valid component: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    await mkdir(cacheDir, { recursive: true });
  } catch (e) {
    throw new OutputPathError(`transpile cache ${JSON.stringify(cacheDir)} cannot be created: ${(e as Error).message}`, cacheDir, {
      cause: e,
    });
  }
  const tmp = join(cacheDir, `.tmp-${key}-${process.pid}-${lazyCrypto().randomBytes(6).toString('hex')}`);
  const files: Record<string, string> = {};
  const coreModules = new Map<string, Uint8Array>();
  try {
    for (const [name, generated] of Object.entries(result.files)) {
      if (name.endsWith('.d.ts')) continue; // types are of no use to the runner
      const bytes = name === `${NAME}.js` && leanImportsEnabled() ? leanGlue(generated) : generated;
      await mkdir(dirname(join(tmp, name)), { recursive: true });
      await writeFile(join(tmp, name), bytes);
      files[name] = sha256(bytes);
      if (name.endsWith('.wasm')) coreModules.set(name, bytes);
    }
    const manifest: EntryManifest = {
      version: 1,
      transpiler: transpilerId(),
      component: hash,
      imports: result.imports,
      files,
    };
    await writeFile(join(tmp, ENTRY_FILE), JSON.stringify(manifest));
    // A bad entry in the way is removed first; rename is atomic once the path is free.
    await rm(dir, { recursive: true, force: true });
    try {
      await rename(tmp, dir);
    } catch (e) {
      // Another process won the race with an equivalent entry: use theirs if it verifies.
      if ((await readEntry(dir, hash)) === null) throw e;
    }
  } catch (e) {
    throw new OutputPathError(`transpile cache ${JSON.stringify(cacheDir)} cannot be written: ${(e as Error).message}`, cacheDir, {
      cause: e,
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { dir, imports: result.imports, built: true, coreModules };
}

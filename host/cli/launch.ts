/**
 * Starts the CLI from its one-file bundle (dist/host/node/cli.bundle.cjs, scripts/bundle-cli.ts)
 * with a V8 code cache, so a start-up does not parse and compile the bundle again (issue 16,
 * docs/benchmarks.md "Start-up"). Node 20 has no compile cache for modules
 * (`module.enableCompileCache` is Node 22), but `vm.Script` takes `cachedData` for a classic
 * script: the bundle is a CommonJS-format script, compiled here inside a function wrapper.
 * bin/molt-wasm.js (CommonJS, bin/package.json) requires this module's own CommonJS build,
 * dist/host/node/cli-launch.cjs (scripts/bundle-cli.ts): a `run` never starts Node's ES
 * module loader (its initialisation, async resolution and reads cost about as much again).
 *
 * The cache: one file per subcommand (the functions a run has compiled by the time it ends are
 * what the cache holds, and `run` compiles other functions than `inspect`), in
 * `<cache root>/code-cache/` (host/node/cache-dir.ts). `MOLT_WASM_CODE_CACHE=0` turns it off.
 *
 * Why a cache file cannot change what runs, beyond what the user could already change:
 * - V8 checks a cache's header (format version, V8 version, flags, payload length, and the
 *   source's LENGTH), not its payload nor the source text: Node 20's V8, in a fresh process,
 *   takes a cache with payload bytes flipped, or one made for another source of the same
 *   length (checked by hand; test/cli-build shows the run is unaffected). So this module
 *   checks, before V8 sees it: the header names the bundle (its byte length, mtime and
 *   CRC-32), Node, V8, the architecture and the V8/Node flags, and carries the payload's length
 *   and CRC-32; any mismatch and the file is ignored (and replaced after the run). CRC-32
 *   detects damage (a torn or edited file), not a forger.
 * - Forgery needs write access to the file: it is used only when it is a regular file (not
 *   a symlink: O_NOFOLLOW), owned by this user, and not writable by group or others (checked
 *   on the descriptor it is read from), so another user cannot plant one even in a shared or
 *   world-writable cache root. This user can already run code as themselves (and the same
 *   cache root holds transpiled components, which are JavaScript run as they are).
 * - Written to a new file (O_EXCL, mode 0600) beside it and renamed over it: a reader sees
 *   the old file or the new one, never half of one. No write failure (read-only directory,
 *   disk full) fails or changes the run: the cache is an optimisation, never a requirement.
 */
import {
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { crc32 } from 'node:zlib';
import { defaultCacheDir } from '../node/cache-dir.js';

/** What happened to the code cache on this start. */
export type CodeCacheState =
  | 'off' // MOLT_WASM_CODE_CACHE=0, or a platform without user ids
  | 'hit' // a valid cache was given to V8 and V8 used it
  | 'miss' // no cache file
  | 'invalid' // a file that failed the checks above (ignored)
  | 'rejected'; // a file that passed them, which V8 refused (another V8 build, other flags)

export interface LoadedBundle<T> {
  readonly exports: T;
  readonly codeCache: CodeCacheState;
  /** The cache file, when the cache is on. */
  readonly cacheFile: string | undefined;
  /**
   * Writes the code cache when it was not used (call it after the run, so the functions the
   * run compiled are in it). Never throws.
   */
  saveCodeCache(): void;
}

export interface LoadOptions {
  /** Directory for the code cache; undefined: no cache. */
  readonly cacheDir: string | undefined;
  /** Name for this cache (one per subcommand). */
  readonly name: string;
  /** `import()` for the bundle (host/node/import-module.ts): a classic script has none. */
  readonly importModule: (specifier: string) => Promise<unknown>;
}

const MAGIC = 'molt-wasm v8 code cache 1\n';
/** Larger than any code cache of this bundle (~0.4 MB): bounds what is read. */
const MAX_CACHE_BYTES = 64 << 20;
const COMMANDS = new Set(['run', 'serve', 'build', 'inspect', 'verify', 'export']);

/** The cache directory for this environment, or undefined when the cache is off. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env['MOLT_WASM_CODE_CACHE'] === '0') return undefined;
  // The ownership check needs user ids (not on Windows): no check, no cache.
  if (typeof process.getuid !== 'function') return undefined;
  return join(defaultCacheDir(env), 'code-cache');
}

/** The cache name for a command line: its subcommand, or `other`. */
export function codeCacheName(argv: readonly string[]): string {
  const command = argv[2] ?? '';
  return `cli-${COMMANDS.has(command) ? command : 'other'}`;
}

interface Identity {
  readonly source: { readonly bytes: number; readonly mtimeMs: number; readonly crc32: number };
  readonly node: string;
  readonly v8: string;
  readonly arch: string;
  readonly flags: string;
}

/** Node's and V8's flags: V8 refuses a cache made under other flags, so they are part of the key. */
function flags(): string {
  return JSON.stringify([process.execArgv, process.env['NODE_OPTIONS'] ?? '']);
}

/** The cache file's payload when every check passes, else why not. */
function readCache(file: string, identity: Identity): Buffer | 'missing' | 'invalid' {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'invalid';
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_CACHE_BYTES || st.uid !== process.getuid!() || (st.mode & 0o022) !== 0) return 'invalid';
    const buf = Buffer.allocUnsafe(st.size);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) return 'invalid';
      got += n;
    }
    if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return 'invalid';
    const eol = buf.indexOf(10, MAGIC.length);
    if (eol < 0) return 'invalid';
    let header: Identity & { payload?: { bytes?: unknown; crc32?: unknown } };
    try {
      header = JSON.parse(buf.toString('utf8', MAGIC.length, eol)) as typeof header;
    } catch {
      return 'invalid';
    }
    const payload = buf.subarray(eol + 1);
    const { payload: p, ...rest } = header;
    if (JSON.stringify(rest) !== JSON.stringify(identity)) return 'invalid';
    if (p?.bytes !== payload.length || p.crc32 !== crc32(payload)) return 'invalid';
    return payload;
  } catch {
    return 'invalid';
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, data: Uint8Array): void {
  for (let off = 0; off < data.length;) off += writeSync(fd, data, off, data.length - off);
}

/** Writes `header + payload` to a new file beside `file`, then renames it over `file`. */
function writeCache(file: string, identity: Identity, payload: Buffer): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const header = Buffer.from(MAGIC + JSON.stringify({ ...identity, payload: { bytes: payload.length, crc32: crc32(payload) } }) + '\n');
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
    writeAll(fd, header);
    writeAll(fd, payload);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // not created, or already gone
    }
    throw e;
  }
}

/**
 * Compiles and evaluates the bundle at `bundlePath` (a CommonJS-format script) with the code
 * cache in `options.cacheDir`; gives its `module.exports`.
 */
export function loadBundle<T>(bundlePath: string, options: LoadOptions): LoadedBundle<T> {
  const bytes = readFileSync(bundlePath);
  const url = pathToFileURL(bundlePath).href;
  const file = options.cacheDir === undefined ? undefined : join(options.cacheDir, `${options.name}.v8cache`);
  let identity: Identity | undefined;
  let cached: Buffer | 'missing' | 'invalid' = 'missing';
  if (file !== undefined) {
    try {
      identity = {
        source: { bytes: bytes.length, mtimeMs: statSync(bundlePath).mtimeMs, crc32: crc32(bytes) },
        node: process.version,
        v8: process.versions.v8,
        arch: process.arch,
        flags: flags(),
      };
      cached = readCache(file, identity);
    } catch {
      cached = 'invalid';
    }
  }
  // The same parameters Node's CommonJS wrapper gives a module, and what the bundler put in
  // place of `import.meta.url` and `import()` (scripts/bundle-cli.ts).
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname, __moltImportMetaUrl, __moltImportModule) {${bytes.toString('utf8')}\n})`,
    { filename: bundlePath, ...(typeof cached === 'object' ? { cachedData: cached } : {}) },
  );
  const state: CodeCacheState =
    file === undefined
      ? 'off'
      : typeof cached === 'object'
        ? script.cachedDataRejected === true
          ? 'rejected'
          : 'hit'
        : cached === 'missing'
          ? 'miss'
          : 'invalid';
  const module = { exports: {} as T };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper(module.exports, createRequire(bundlePath), module, bundlePath, dirname(bundlePath), url, options.importModule);
  return {
    exports: module.exports,
    codeCache: state,
    cacheFile: file,
    saveCodeCache() {
      if (file === undefined || identity === undefined || state === 'hit') return;
      try {
        writeCache(file, identity, script.createCachedData());
      } catch {
        // An optimisation only: a read-only or full cache directory changes nothing else.
      }
    },
  };
}

/** What bin/molt-wasm.js runs when the bundle is current: the CLI, then the cache write. */
export async function runBundledCli(bundlePath: string, argv: string[]): Promise<void> {
  const bundle = loadBundle<{ main(argv: string[]): Promise<void> }>(bundlePath, {
    cacheDir: codeCacheDir(),
    name: codeCacheName(argv),
    importModule: (specifier) => import(specifier),
  });
  await bundle.exports.main(argv);
  bundle.saveCodeCache();
}

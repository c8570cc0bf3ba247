/**
 * molt-wasm's cache root: the `cacheDir` option where one is taken, else env
 * MOLT_WASM_CACHE_DIR, else `$XDG_CACHE_HOME/molt-wasm`, else `~/.cache/molt-wasm`. Holds
 * transpiled components (transpile-cache.ts) and the CLI's V8 code cache (host/cli/launch.ts).
 * A module of its own so the launcher can find the cache without loading the transpile cache.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['MOLT_WASM_CACHE_DIR']) return env['MOLT_WASM_CACHE_DIR'];
  if (env['XDG_CACHE_HOME']) return join(env['XDG_CACHE_HOME'], 'molt-wasm');
  return join(homedir(), '.cache', 'molt-wasm');
}

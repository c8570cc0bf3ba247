/**
 * Finding one of molt-wasm's optional native addons (`native/NAME`, built by node-gyp at
 * install): `native/NAME/build/Release/NAME.node` from dist/host/node/ or from host/node/
 * (run from source; the CLI bundle sits in dist/host/node/ too). null when it was not built,
 * or on Windows; the callers fall back to plain `node:fs`.
 */
import { createRequire } from 'node:module';

export function loadNativeAddon<T>(name: string, looksRight: (addon: T) => boolean): T | null {
  if (process.platform === 'win32') return null;
  const require = createRequire(import.meta.url);
  for (const root of ['../../../native/', '../../native/']) {
    try {
      const addon = require(`${root}${name}/build/Release/${name}.node`) as T;
      if (looksRight(addon)) return addon;
    } catch {
      // not built here: try the next place, then fall back
    }
  }
  return null;
}

#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/ (built by `npm run prepare`).
// A reader that goes away (`molt-wasm inspect x.wasm | head`) is not an error worth a stack
// trace: stop quietly, as other Unix tools do.
import { statSync } from 'node:fs';

for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

// The whole CLI in one file (scripts/bundle-cli.ts, part of `npm run build`): Node loads one
// module instead of ~130. In a source checkout (tsconfig.json beside package.json) it is used
// only when at least as new as tsc's output, so a `tsc` run without the bundling step never
// leaves a stale bundle in charge; an installed package has no tsc (and npm's extraction
// gives files arbitrary mtimes), so there the bundle is used whenever present. Otherwise the
// separate modules run (same code, slower start).
const BUNDLE = new URL('../dist/host/node/cli.bundle.js', import.meta.url);
const MODULES = new URL('../dist/host/cli/main.js', import.meta.url);

function mtime(url) {
  try {
    return statSync(url).mtimeMs;
  } catch {
    return undefined;
  }
}

const SOURCE_CHECKOUT = new URL('../tsconfig.json', import.meta.url);
const bundled = mtime(BUNDLE);
const current = bundled !== undefined && (mtime(SOURCE_CHECKOUT) === undefined || bundled >= (mtime(MODULES) ?? 0));
const entry = current ? BUNDLE : MODULES;
import(entry.href).then((m) => m.main(process.argv)).catch((err) => {
  process.stderr.write(`molt-wasm: internal error: ${err && err.message ? err.message : String(err)}\n`);
  process.exitCode = 70;
});

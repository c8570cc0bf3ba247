#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/ (built by `npm run prepare`).
// A reader that goes away (`molt-wasm inspect x.wasm | head`) is not an error worth a stack
// trace: stop quietly, as other Unix tools do.
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

// The whole CLI in one file (scripts/bundle-cli.ts, part of `npm run build`), run by
// dist/host/cli/launch.js with a V8 code cache so a start does not compile it again. In a
// source checkout (tsconfig.json beside package.json) it is used only when at least as new as
// tsc's output, so a `tsc` run without the bundling step never leaves a stale bundle in
// charge; an installed package has no tsc (and npm's extraction gives files arbitrary mtimes),
// so there the bundle is used whenever present. The bundle `require`s preview2-shim, an ES
// module, which needs require(esm) (Node 20.19+). Otherwise the separate modules run (same
// code, slower start).
const BUNDLE = new URL('../dist/host/node/cli.bundle.cjs', import.meta.url);
const MODULES = new URL('../dist/host/cli/main.js', import.meta.url);
const LAUNCH = new URL('../dist/host/cli/launch.js', import.meta.url);

function mtime(url) {
  try {
    return statSync(url).mtimeMs;
  } catch {
    return undefined;
  }
}

const SOURCE_CHECKOUT = new URL('../tsconfig.json', import.meta.url);
const bundled = mtime(BUNDLE);
const current =
  process.features.require_module === true &&
  bundled !== undefined &&
  (mtime(SOURCE_CHECKOUT) === undefined || bundled >= (mtime(MODULES) ?? 0));
const start = current
  ? import(LAUNCH.href).then((launch) => launch.runBundledCli(fileURLToPath(BUNDLE), process.argv))
  : import(MODULES.href).then((m) => m.main(process.argv));
start.catch((err) => {
  process.stderr.write(`molt-wasm: internal error: ${err && err.message ? err.message : String(err)}\n`);
  process.exitCode = 70;
});

#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/ (built by `npm run prepare`). This
// file is CommonJS (bin/package.json): with the CommonJS launcher below, a run never starts
// Node's ES module loader, whose set-up and asynchronous reads were a visible part of a
// preview1 hello's start-up (docs/benchmarks.md, start-up).
'use strict';
const { statSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

// A reader that goes away (`molt-wasm inspect x.wasm | head`) is not an error worth a stack
// trace: stop quietly, as other Unix tools do. The handler is attached when the stream is
// first used, not here: creating process.stdout for a pipe loads Node's net and stream
// modules, and a `run` writes the guest's output to the descriptors directly
// (host/cli/stdio.ts), so it may never need the streams.
function onStreamError(err) {
  if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
}
for (const name of ['stdout', 'stderr']) {
  const own = Object.getOwnPropertyDescriptor(process, name);
  if (own === undefined || typeof own.get !== 'function' || !own.configurable) {
    process[name].on('error', onStreamError);
    continue;
  }
  let handled = false;
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: own.enumerable,
    get() {
      const stream = own.get.call(process); // Node's getter creates the stream once
      if (!handled) {
        handled = true;
        stream.on('error', onStreamError);
      }
      return stream;
    },
  });
}

// The whole CLI in one file (scripts/bundle-cli.ts, part of `npm run build`), run by the
// launcher (host/cli/launch.ts, built as dist/host/node/cli-launch.cjs) with a V8 code cache,
// so a start does not compile it again. In a source checkout (tsconfig.json beside
// package.json) it is used only when at least as new as tsc's output, so a `tsc` run without
// the bundling step never leaves a stale bundle in charge; an installed package has no tsc
// (and npm's extraction gives files arbitrary mtimes), so there the bundle is used whenever
// present. The bundle `require`s preview2-shim, an ES module, which needs require(esm) (Node
// 20.19+). Otherwise the separate modules run (same code, slower start).
const ROOT = join(__dirname, '..');
const BUNDLE = join(ROOT, 'dist', 'host', 'node', 'cli.bundle.cjs');
const LAUNCH = join(ROOT, 'dist', 'host', 'node', 'cli-launch.cjs');
const MODULES = join(ROOT, 'dist', 'host', 'cli', 'main.js');

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

const bundled = mtime(BUNDLE);
const current =
  process.features.require_module === true &&
  bundled !== undefined &&
  mtime(LAUNCH) !== undefined &&
  (mtime(join(ROOT, 'tsconfig.json')) === undefined || bundled >= (mtime(MODULES) ?? 0));
const start = current
  ? Promise.resolve().then(() => require(LAUNCH).runBundledCli(BUNDLE, process.argv))
  : import(pathToFileURL(MODULES).href).then((m) => m.main(process.argv));
start.catch((err) => {
  process.stderr.write(`molt-wasm: internal error: ${err && err.message ? err.message : String(err)}\n`);
  process.exitCode = 70;
});

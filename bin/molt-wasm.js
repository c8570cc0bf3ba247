#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/ (built by `npm run prepare`).
import('../dist/host/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  process.stderr.write(`molt-wasm: internal error: ${err && err.message ? err.message : String(err)}\n`);
  process.exitCode = 70;
});

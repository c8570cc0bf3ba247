#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/ (built by `npm run prepare`).
// A reader that goes away (`molt-wasm inspect x.wasm | head`) is not an error worth a stack
// trace: stop quietly, as other Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
import('../dist/host/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  process.stderr.write(`molt-wasm: internal error: ${err && err.message ? err.message : String(err)}\n`);
  process.exitCode = 70;
});

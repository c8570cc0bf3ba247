/**
 * `npm run example`: what the tool is for, in three runs of the bundled examples (built by
 * `npm run build:guests -- --only hello,clock` first):
 *   1. hello runs under the manifest embedded in it;
 *   2. clock under a policy that grants console output alone is denied the clock, and the
 *      denial names the flag that grants it;
 *   3. the same run with that flag.
 * Each command is printed before it runs, with its exit code after.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'molt-wasm.js');

const STEPS: { note: string; args: string[]; expect: number }[] = [
  { note: 'hello, under the manifest embedded in it (console.write)', args: ['run', 'guest-examples/dist/hello.wasm'], expect: 0 },
  {
    note: 'clock, granted console output alone: the clock is denied, and the message says how to grant it',
    args: ['run', '--capabilities', 'console.write', 'guest-examples/dist/clock.wasm'],
    expect: 77,
  },
  {
    note: 'the same, with the flag it named',
    args: ['run', '--capabilities', 'console.write', '--allow-time', 'guest-examples/dist/clock.wasm'],
    expect: 0,
  },
];

let failed = false;
for (const step of STEPS) {
  process.stdout.write(`\n# ${step.note}\n$ npx molt-wasm ${step.args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [BIN, ...step.args], { cwd: ROOT, stdio: 'inherit' });
  process.stdout.write(`(exit ${r.status})\n`);
  if (r.status !== step.expect) failed = true;
}
process.exitCode = failed ? 1 : 0;

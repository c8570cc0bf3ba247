/**
 * The confinement suite on the other way of reaching a name: without the native addon
 * (not built, or MOLT_WASM_NO_NATIVE_FS=1) the Node backend reaches names through
 * `/proc/self/fd/N/name`. Every filesystem test of the adversarial corpus, and the Node
 * filesystem tests, run again here in a `node --test` child with the addon turned off, and
 * must all pass; the child's backend is first shown to be on the `/proc` way (a variable
 * that turned nothing off would make this test a second run of the same thing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
// NODE_TEST_CONTEXT (set for a file under node --test) would make the child report to this runner.
const { NODE_TEST_CONTEXT: _runner, ...inherited } = process.env;
const ENV = { ...inherited, MOLT_WASM_NO_NATIVE_FS: '1' };

/** The filesystem files of the corpus (the others test the network, env and time). */
const FILES = [
  'adversarial/cross-preopen-rename-link.test.js',
  'adversarial/deny-ancestor-rename.test.js',
  'adversarial/deny-scope-dotdot-probe.test.js',
  'adversarial/descriptor-leak.test.js',
  'adversarial/descriptor-through-symlink.test.js',
  'adversarial/fifo-open-blocks-host.test.js',
  'adversarial/fs-race-swap.test.js',
  'adversarial/held-descriptor-rename-symlink.test.js',
  'adversarial/huge-path-host-memory.test.js',
  'adversarial/link-rename-write-only-source.test.js',
  'adversarial/mutations-readonly.test.js',
  'adversarial/native-race-swap.test.js',
  'adversarial/native-rename-write-only-source.test.js',
  'adversarial/path-spellings.test.js',
  'adversarial/preopen-below-mapping-symlink.test.js',
  'adversarial/root-listing.test.js',
  'adversarial/second-argument-traversal.test.js',
  'node-host/fs.test.js',
];

test('with MOLT_WASM_NO_NATIVE_FS=1 the backend reaches names through /proc/self/fd', () => {
  const backend = join(HERE, '..', '..', 'host', 'node', 'fs-backend.js');
  const r = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { NodeFsBackend } from ${JSON.stringify(backend)}; console.log(new NodeFsBackend({ maxOpenFiles: 1 }).via);`,
    ],
    { env: ENV, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'proc');
});

test('the filesystem confinement suite passes on the /proc/self/fd way too', () => {
  const files = FILES.map((f) => join(HERE, '..', f));
  const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=tap', ...files], {
    env: ENV,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const failing = r.stdout.split('\n').filter((l) => /^\s*not ok /.test(l));
  assert.deepEqual(failing, [], r.stdout.slice(-4000));
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  // Every file ran (a missing file would be one failure above; none may be silently absent).
  const passed = /^# pass (\d+)/m.exec(r.stdout);
  assert.ok(passed !== null && Number(passed[1]) >= FILES.length, r.stdout.slice(-2000));
});

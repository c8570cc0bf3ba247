/**
 * Host exhaustion through a blocking open (Wasmtime GHSA-852m-cvvp-9p4w class: a guest that
 * keeps the host busy past its limits): a FIFO inside the grant, opened by the guest for
 * reading, blocks the open(2) until a writer appears. The open runs synchronously on the
 * guest's thread, so `--timeout` reports the guest as timed out but cannot end that thread
 * (it is stuck in the kernel, out of V8's reach): the `molt-wasm run` process never exits.
 * SPEC section 5 / docs/limits.md: --timeout stops the guest, whatever it does. The open must
 * not block (O_NONBLOCK: a FIFO with no writer opens at once, a read then gets end-of-file).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir } from '../node-host/helpers.js';
import { opsGuest } from './support.js';

// The guest's --timeout counts from the run's start, worker start-up included (docs/limits.md),
// so it is far above what a loaded machine needs to start a worker: the guest must finish by
// itself, and only a host that cannot end (the bug) reaches spawnSync's bound.
const GUEST_TIMEOUT_MS = 30_000;

test('opening a FIFO in the grant neither hangs the guest nor outlives --timeout', async () => {
  const dir = tempDir('molt-adv-fifo-');
  mkdirSync(join(dir, 'g'));
  execFileSync('mkfifo', [join(dir, 'g', 'pipe')]);
  const wasm = join(dir, 'fifo.wasm');
  writeFileSync(wasm, await opsGuest([{ op: 'cat', label: 'fifo', fd: 3, path: 'pipe' }]));
  const r = spawnSync(
    process.execPath,
    [
      join(REPO, 'bin', 'molt-wasm.js'),
      'run',
      '--timeout',
      String(GUEST_TIMEOUT_MS),
      '--allow-console',
      '--allow-read=/data',
      '--dir',
      `/data=${join(dir, 'g')}`,
      wasm,
    ],
    { encoding: 'utf8', input: '', timeout: GUEST_TIMEOUT_MS * 4, env: { ...process.env, MOLT_WASM_CACHE_DIR: join(dir, 'cache') } },
  );
  // Killed by spawnSync's own bound: the host process outlived the guest's timeout by minutes.
  assert.equal(r.error, undefined, `molt-wasm run never exited; stderr: ${r.stderr}`);
  // The open returns at once (no writer: the read gets end-of-file), so the guest finishes.
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^fifo 0$/m);
});

/**
 * Trick: host objects sized by a guest-chosen count. `poll_oneoff(in, out, n, ...)` read all n
 * subscriptions into a host array and made one host pollable per clock subscription before
 * waiting, and zeroed guest memory IS a valid list of clock subscriptions (realtime, relative,
 * timeout 0). A guest with 16 MiB of memory passing n = 349524 made the host peak at 401 MiB
 * RSS and spend 27 s of CPU in one call: about 20 bytes of host per byte of guest memory, so
 * `--max-memory=256M` still let it make the host allocate gigabytes. Models Wasmtime
 * GHSA-852m-cvvp-9p4w / GHSA-243v-98vx-264h (guest-controlled host resource exhaustion).
 *
 * Bound: at most POLL_MAX_SUBSCRIPTIONS per call, EINVAL past it before anything is read or
 * made (Linux's poll is EINVAL past RLIMIT_NOFILE too). Fails when the bound is removed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPreview1Imports } from '../../host/preview1/index.js';
import { POLL_MAX_SUBSCRIPTIONS } from '../../host/preview1/poll.js';
import { double } from '../support/test-double.js';
import { MiB, call } from './host-memory-support.js';

const EINVAL = 28;
const SUBSCRIPTION = 48;

function pollOver(): { p1: Record<string, unknown>; pollables: () => number } {
  let made = 0;
  const pollable = { ready: () => true, [Symbol.dispose]: () => undefined };
  const wasi = {
    'wasi:clocks/monotonic-clock': {
      subscribeDuration: () => (made++, pollable),
      subscribeInstant: () => (made++, pollable),
    },
    'wasi:clocks/wall-clock': { now: () => ({ seconds: 0n, nanoseconds: 0 }) },
    'wasi:io/poll': { poll: (list: unknown[]) => Uint32Array.from(list.keys()) },
  };
  const imports = createPreview1Imports(double<Parameters<typeof createPreview1Imports>[0]>(wasi));
  imports.bindMemory(new WebAssembly.Memory({ initial: 16, maximum: 16 }));
  return { p1: imports.imports.wasi_snapshot_preview1, pollables: () => made };
}

test('poll_oneoff with a count past the bound is EINVAL before one subscription is read', () => {
  const { p1, pollables } = pollOver();
  // Zeroed memory: MiB / 48 valid clock subscriptions, events written over them.
  const n = Math.floor((MiB - 64) / SUBSCRIPTION);
  assert.ok(n > POLL_MAX_SUBSCRIPTIONS);
  assert.equal(call(p1 as never, 'poll_oneoff', 0, 0, n, MiB - 8), EINVAL);
  assert.equal(pollables(), 0);
});

test('poll_oneoff with up to POLL_MAX_SUBSCRIPTIONS clock subscriptions answers every one', () => {
  const { p1, pollables } = pollOver();
  assert.ok(POLL_MAX_SUBSCRIPTIONS * SUBSCRIPTION < MiB / 2);
  assert.equal(call(p1 as never, 'poll_oneoff', 0, MiB / 2, POLL_MAX_SUBSCRIPTIONS, MiB - 8), 0);
  assert.equal(pollables(), POLL_MAX_SUBSCRIPTIONS);
});

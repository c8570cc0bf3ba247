/**
 * `wasi:clocks/*` gated by `time` (SPEC section 5: trap on denial, no error channel).
 *
 * Hot path: one bitset lookup (`checkId`), no allocation without an audit sink. The shim's
 * `Symbol.for('cabiLower')` fast paths are only read by jco bindings generated with
 * `importBindings: 'optimized'`/'direct-optimized'; the default `js` bindings the Node loader
 * generates call the plain functions, so the gated functions do not carry fast paths (a fast
 * path that skipped the check would be a bypass). Platform-neutral.
 */
import { CapId, type Gate } from './gate.js';
import type { WasiImportsPart, WasiPlatform } from './types.js';
import type { Datetime, Pollable } from './wasi.js';

export function createGatedClocks(
  gate: Gate,
  platform: WasiPlatform,
): WasiImportsPart<'wasi:clocks/monotonic-clock' | 'wasi:clocks/wall-clock'> {
  const mono = platform.clocks.monotonicClock;
  const wall = platform.clocks.wallClock;
  const M = 'wasi:clocks/monotonic-clock';
  const W = 'wasi:clocks/wall-clock';
  return {
    [M]: {
      now(): bigint {
        gate.requireId(CapId.time, M, 'now');
        return mono.now();
      },
      resolution(): bigint {
        gate.requireId(CapId.time, M, 'resolution');
        return mono.resolution();
      },
      subscribeInstant(when: bigint): Pollable {
        gate.requireId(CapId.time, M, 'subscribe-instant');
        return mono.subscribeInstant(when);
      },
      subscribeDuration(d: bigint): Pollable {
        gate.requireId(CapId.time, M, 'subscribe-duration');
        return mono.subscribeDuration(d);
      },
    },
    [W]: {
      now(): Datetime {
        gate.requireId(CapId.time, W, 'now');
        return wall.now();
      },
      resolution(): Datetime {
        gate.requireId(CapId.time, W, 'resolution');
        return wall.resolution();
      },
    },
  };
}

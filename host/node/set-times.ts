/**
 * `wasi:filesystem` set-times for the Node platform, exact to the nanosecond.
 *
 * preview2-shim's own set-times mixes units (milliseconds where seconds are expected, a
 * directory's times for `no-change`), and Node's `fs.utimes` family takes seconds as a double
 * that libuv truncates to microseconds. So the Node platform sets times itself:
 * - with the optional native addon `native/utimens` (`utimensat(2)`, built by node-gyp at
 *   install): nanosecond exact, `now` is UTIME_NOW, `no-change` is UTIME_OMIT;
 * - without it (not built, or Windows): `fs.utimesSync` / `fs.lutimesSync` in seconds, which
 *   keeps only microseconds; `no-change` re-writes the target's current time (so its
 *   sub-microsecond part is lost too) and `now` is `Date.now()`.
 *
 * The caller (fs-backend.ts) hands a path that reaches the object through a held descriptor
 * (`/proc/self/fd/N/name`); the gate has already checked the capability and the path.
 */
import { lstatSync, lutimesSync, statSync, utimesSync } from 'node:fs';
import { loadNativeAddon } from './native-addon.js';
import type { NewTimestamp } from '../gate/fs/backend.js';
import { fsErrorCode } from './fs-errors.js';

export type { NewTimestamp };

/** The addon's exports (native/utimens/src/utimens.c). */
export interface UtimensAddon {
  utimensat(path: string, atimeSec: bigint, atimeNsec: number, mtimeSec: bigint, mtimeNsec: number, follow: boolean): void;
  readonly UTIME_NOW: number;
  readonly UTIME_OMIT: number;
}

/** The native addon, or null when it was not built (then times keep microseconds). */
export function loadUtimens(): UtimensAddon | null {
  if (process.env.MOLT_WASM_NO_NATIVE_UTIMENS === '1') return null;
  return loadNativeAddon<UtimensAddon>('utimens', (a) => typeof a.utimensat === 'function');
}

const NS = 1_000_000_000n;

function checkTimestamp(t: NewTimestamp): void {
  if (t.tag !== 'timestamp') return;
  const ns = t.val.nanoseconds;
  if (!Number.isInteger(ns) || ns < 0 || ns >= 1e9) throw 'invalid';
}

/** Sets times on a resolved host path (symlinks in it already resolved by `resolveInside`). */
export type TimeSetter = (hostPath: string, atime: NewTimestamp, mtime: NewTimestamp, followFinal: boolean) => void;

/** With the addon: utimensat(2), exact. */
function nativeSetter(addon: UtimensAddon): TimeSetter {
  const part = (t: NewTimestamp): [bigint, number] =>
    t.tag === 'timestamp' ? [t.val.seconds, t.val.nanoseconds] : [0n, t.tag === 'now' ? addon.UTIME_NOW : addon.UTIME_OMIT];
  return (path, atime, mtime, follow) => {
    checkTimestamp(atime);
    checkTimestamp(mtime);
    const [as, an] = part(atime);
    const [ms, mn] = part(mtime);
    try {
      addon.utimensat(path, as, an, ms, mn, follow);
    } catch (e) {
      throw fsErrorCode(e);
    }
  };
}

/**
 * `ns` since the epoch as the decimal seconds string Node's utimes accepts (a number below 0
 * would be taken as "now"). libuv truncates to microseconds from a double, so the value is put
 * half a microsecond past the wanted one (before it, when negative, where libuv truncates the
 * other way): the double's rounding cannot then cross a microsecond (for |t| < 2^32 s).
 */
export function utimesSeconds(ns: bigint): string {
  const us = ns >= 0n ? ns / 1000n : -((-ns + 999n) / 1000n);
  const tenths = us * 10n + (ns >= 0n ? 5n : -5n);
  const abs = tenths < 0n ? -tenths : tenths;
  return `${tenths < 0n ? '-' : ''}${abs / 10_000_000n}.${String(abs % 10_000_000n).padStart(7, '0')}`;
}

/** Without it: Node's utimes in seconds (microsecond precision). */
function fallbackSetter(): TimeSetter {
  return (path, atime, mtime, follow) => {
    checkTimestamp(atime);
    checkTimestamp(mtime);
    if (atime.tag === 'no-change' && mtime.tag === 'no-change') return;
    try {
      let current: { atimeNs: bigint; mtimeNs: bigint } | undefined;
      if (atime.tag === 'no-change' || mtime.tag === 'no-change') {
        current = (follow ? statSync : lstatSync)(path, { bigint: true });
      }
      const now = Date.now() / 1000;
      const seconds = (t: NewTimestamp, keep: bigint | undefined): number | string => {
        if (t.tag === 'now') return now;
        return utimesSeconds(t.tag === 'timestamp' ? t.val.seconds * NS + BigInt(t.val.nanoseconds) : keep!);
      };
      (follow ? utimesSync : lutimesSync)(path, seconds(atime, current?.atimeNs), seconds(mtime, current?.mtimeNs));
    } catch (e) {
      throw fsErrorCode(e);
    }
  };
}

/**
 * A time setter: exact with the addon, microseconds without it. `addon` defaults to the
 * built one (pass `null` to get the fallback).
 */
export function createTimeSetter(addon: UtimensAddon | null = loadUtimens()): { readonly exact: boolean; readonly set: TimeSetter } {
  return addon === null ? { exact: false, set: fallbackSetter() } : { exact: true, set: nativeSetter(addon) };
}

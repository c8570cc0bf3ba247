/** Small statistics and timing helpers shared by the benchmark suites. */
import { performance } from 'node:perf_hooks';

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function now(): number {
  return performance.now();
}

/**
 * Runs `a` and `b` `rounds` times each, alternating which goes first (A B, B A, A B, ...)
 * so drift (thermal, GC, page cache) hits both sides alike. Each function returns its own
 * measurement (ms, ns per call, ...). Returns all samples of each side.
 */
export async function alternate(
  rounds: number,
  a: () => number | Promise<number>,
  b: () => number | Promise<number>,
): Promise<{ a: number[]; b: number[] }> {
  const out = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      out.a.push(await a());
      out.b.push(await b());
    } else {
      out.b.push(await b());
      out.a.push(await a());
    }
  }
  return out;
}

/** A measured pair: medians of each side and their ratio (a / b). */
export interface Pair {
  readonly a: number;
  readonly b: number;
  readonly ratio: number;
  readonly samples: number;
}

export function pair(s: { a: number[]; b: number[] }): Pair {
  const a = median(s.a);
  const b = median(s.b);
  return { a, b, ratio: a / b, samples: s.a.length };
}

export function fmt(x: number, digits = 1): string {
  if (!Number.isFinite(x)) return String(x);
  return x.toFixed(digits);
}

/**
 * Fuzzing support: every target must either return or throw one of the typed MoltError
 * subclasses (the CLI's channel for bad input); anything else (TypeError, RangeError, a stack
 * overflow, a hang) is a finding. Seeds are real inputs; mutations splice, delete, duplicate
 * and flip bytes or characters of them.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MoltError } from '../../host/errors.js';

/** Inputs per target per run (the brief: at least 10,000). */
export const RUNS = Number(process.env['MOLT_FUZZ_RUNS'] ?? 10_000);

/** Runs `fn`; passes when it returns or throws a MoltError (or one of `alsoTyped`). */
export function typedOnly(fn: () => unknown, alsoTyped: ReadonlyArray<new (...a: never[]) => Error> = []): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof MoltError) return;
    if (alsoTyped.some((c) => e instanceof c)) return;
    assert.fail(`untyped exception: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
  }
}

type Edit = { at: number; del: number; insert: string };

function applyEdits(seed: string, edits: readonly Edit[]): string {
  let s = seed;
  for (const e of edits) {
    const at = s.length === 0 ? 0 : e.at % (s.length + 1);
    s = s.slice(0, at) + e.insert + s.slice(at + e.del);
  }
  return s;
}

/** Characters that matter to JSON / TOML / lists, plus some that should never matter. */
const interesting = fc.constantFrom(
  '{',
  '}',
  '[',
  ']',
  '"',
  "'",
  ',',
  ':',
  '=',
  '.',
  '*',
  '/',
  '\\',
  '\n',
  ' ',
  '#',
  '-',
  '0',
  '1e999',
  'true',
  'null',
  'allow',
  'deny',
  'fs',
  'read',
  'write',
  'net',
  'env',
  'time',
  'console.write',
  'fs.read',
  '"version"',
  '[capabilities]',
  '\u0000',
  '\ud800',
  '\u202e',
  '🦀',
  '..',
  '1.2.3.4/99',
  '::ffff:1',
  '*.',
  '__proto__',
  'constructor',
);

/** A seed with 1..6 random edits (deletions, insertions of structural tokens or arbitrary text). */
export function mutated(seeds: readonly string[]): fc.Arbitrary<string> {
  const edit = fc.record({
    at: fc.nat(),
    del: fc.nat({ max: 8 }),
    insert: fc.oneof(interesting, fc.string({ maxLength: 6 }), fc.constant('')),
  });
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 6 })).map(([s, e]) => applyEdits(s, e));
}

/** Random text: unicode strings, token soups, and mutations of the seeds. */
export function textInput(seeds: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: mutated(seeds) },
    { weight: 2, arbitrary: fc.array(interesting, { maxLength: 20 }).map((a) => a.join('')) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  );
}

/** Byte mutations of a binary: flips, truncation, splices of random bytes. */
export function mutatedBytes(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), value: fc.constant(0) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('leb' as const), at: fc.nat(), value: fc.constantFrom(0x80, 0xff, 0x7f, 0x00) }),
  );
  return fc.tuple(fc.constantFrom(...seeds), fc.array(op, { minLength: 1, maxLength: 4 })).map(([seed, ops]) => {
    let b = seed;
    for (const o of ops) {
      const at = b.length === 0 ? 0 : o.at % b.length;
      if (o.kind === 'truncate') b = b.subarray(0, at);
      else if (o.kind === 'insert') b = Uint8Array.from([...b.subarray(0, at), o.value, ...b.subarray(at)]);
      else {
        const c = b.slice();
        if (at < c.length) c[at] = o.value;
        b = c;
      }
    }
    return b;
  });
}

/** Fuzzing the wasm section reader and provenance: random bytes and mutations of real binaries. */
import { test } from 'node:test';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readProvenance } from '../../host/manifest/provenance.js';
import { listSections, readBinaryKind, readCustomSections, withoutMoltSections } from '../../host/manifest/wasm/sections.js';
import { limitMemories } from '../../host/node/limits.js';
import { REPO } from '../node-host/helpers.js';
import { mutatedBytes, RUNS, typedOnly } from './support.js';

const dist = join(REPO, 'guest-examples', 'dist');
// The smaller real binaries keep mutation cheap; every one carries molt sections.
const SEEDS = readdirSync(dist)
  .filter((f) => f.endsWith('.wasm'))
  .map((f) => new Uint8Array(readFileSync(join(dist, f))))
  .sort((a, b) => a.length - b.length)
  .slice(0, 4);
const HEADERS = [Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0), Uint8Array.of(0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0)];

const randomBinary = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.tuple(fc.constantFrom(...HEADERS), fc.uint8Array({ maxLength: 64 })).map(([h, t]) => Uint8Array.from([...h, ...t])),
);

function readAll(bytes: Uint8Array): void {
  typedOnly(() => readBinaryKind(bytes));
  typedOnly(() => listSections(bytes));
  typedOnly(() => readCustomSections(bytes, 'molt:capabilities'));
  typedOnly(() => withoutMoltSections(bytes));
  typedOnly(() => readProvenance(bytes));
}

test('section reader and provenance on random bytes', () => {
  fc.assert(fc.property(randomBinary, readAll), { numRuns: RUNS });
});

test('section reader and provenance on mutated real binaries', () => {
  fc.assert(fc.property(mutatedBytes(SEEDS), readAll), { numRuns: RUNS });
});

test('limitMemories (the --max-memory rewriter) on random and mutated core modules', () => {
  const core = SEEDS.filter((s) => s[4] === 1);
  const small = fc.tuple(fc.constantFrom(HEADERS[0]!), fc.uint8Array({ maxLength: 48 })).map(([h, t]) => Uint8Array.from([...h, ...t]));
  const input = core.length > 0 ? fc.oneof(small, mutatedBytes(core)) : small;
  fc.assert(
    fc.property(input, fc.nat({ max: 1 << 30 }), (bytes, limit) => typedOnly(() => limitMemories(bytes, limit))),
    { numRuns: RUNS },
  );
});

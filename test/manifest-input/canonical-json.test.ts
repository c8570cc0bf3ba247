import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ManifestError } from '../../host/errors.js';
import { canonicalJson, manifestToCanonicalJson, sha256Hex } from '../../host/manifest/input/index.js';
import type { CanonicalManifest } from '../../host/policy/index.js';

/** The same JSON value with every object's keys in reverse insertion order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    // defineProperty, not assignment: fast-check generates "__proto__" keys, which must stay data.
    for (const k of Object.keys(value).reverse()) {
      Object.defineProperty(out, k, {
        value: reverseKeys((value as Record<string, unknown>)[k]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

describe('canonicalJson', () => {
  it('sorts keys at every level and writes no whitespace', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } }), '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('sorts by UTF-16 code units, not by locale', () => {
    // "Z" (0x5a) < "a" (0x61) < "é" (0xe9) < "😀" (0xd83d…); a locale sort would put "é" near "e".
    assert.equal(canonicalJson({ é: 1, a: 2, Z: 3, '😀': 4, e: 5 }), '{"Z":3,"a":2,"e":5,"é":1,"😀":4}');
  });

  it('sorts integer-like keys as strings (JS objects enumerate them first)', () => {
    assert.equal(canonicalJson({ a: 4, 10: 1, 9: 2, '': 3 }), '{"":3,"10":1,"9":2,"a":4}');
  });

  it('is independent of key insertion order (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        assert.equal(canonicalJson(reverseKeys(v)), canonicalJson(v));
      }),
    );
  });

  it('parses back to the same value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = canonicalJson(v);
        assert.equal(canonicalJson(JSON.parse(text)), text);
        // JSON.stringify writes no whitespace; the same content in any key order has the same length.
        assert.equal(text.length, JSON.stringify(v).length);
      }),
    );
  });

  it('keeps non-ASCII text and escapes lone surrogates so the output is valid UTF-8', () => {
    const text = canonicalJson({ s: 'é€😀\ud800' });
    assert.equal(text, '{"s":"é€😀\\ud800"}');
    const bytes = new TextEncoder().encode(text);
    assert.equal(new TextDecoder('utf-8', { fatal: true }).decode(bytes), text);
  });

  const bad: [string, unknown, string][] = [
    ['NaN', { a: NaN }, 'NaN at $["a"]'],
    ['Infinity', [1, Infinity], 'Infinity at $[1]'],
    ['-Infinity', -Infinity, '-Infinity at $'],
    ['undefined property', { a: { b: undefined } }, 'undefined at $["a"]["b"]'],
    ['undefined', undefined, 'undefined at $'],
    ['function', { f: () => 1 }, 'a function at $["f"]'],
    ['bigint', { n: 1n }, '1 at $["n"]'],
    ['Map', { m: new Map() }, 'Map at $["m"]'],
    ['Date', [new Date(0)], 'Date at $[0]'],
  ];
  for (const [name, value, where] of bad) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => canonicalJson(value),
        (e: unknown) => e instanceof ManifestError && e.message.includes(where),
      );
    });
  }

  it('writes an own "__proto__" key as data', () => {
    assert.equal(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":[]}}')), '{"__proto__":{"x":[]},"b":1}');
  });

  it('rejects a cycle instead of overflowing the stack', () => {
    const a: Record<string, unknown> = {};
    a['self'] = a;
    assert.throws(
      () => canonicalJson(a),
      (e: unknown) => e instanceof ManifestError && /cycle at \$\["self"\]/.test(e.message),
    );
  });

  it('accepts a shared (non-cyclic) object twice', () => {
    const shared = { x: 1 };
    assert.equal(canonicalJson({ a: shared, b: shared }), '{"a":{"x":1},"b":{"x":1}}');
  });
});

describe('manifestToCanonicalJson', () => {
  it('normalises scopes and orders keys, whatever order the manifest was built in', () => {
    const a: CanonicalManifest = {
      version: 1,
      deny: { net: ['169.254.169.254'] },
      allow: { time: true, net: ['B.example.com', 'a.example.com:443', 'b.example.com'], 'fs.read': ['/data/'] },
    };
    const b: CanonicalManifest = {
      version: 1,
      allow: { 'fs.read': ['/data'], net: ['a.example.com:443', 'b.example.com'], time: true },
      deny: { net: ['169.254.169.254'] },
    };
    const expected =
      '{"allow":{"fs.read":["/data"],"net":["a.example.com:443","b.example.com"],"time":true},"deny":{"net":["169.254.169.254"]},"version":1}';
    assert.equal(manifestToCanonicalJson(a), expected);
    assert.equal(manifestToCanonicalJson(b), expected);
  });

  it('writes all three keys for the empty manifest', () => {
    assert.equal(manifestToCanonicalJson({ version: 1, allow: {}, deny: {} }), '{"allow":{},"deny":{},"version":1}');
  });
});

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 vectors', () => {
    assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('hashes a string as its UTF-8 bytes, and agrees with node:crypto (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.uint8Array({ maxLength: 300 }), (s, bytes) => {
        assert.equal(sha256Hex(s), sha256Hex(new TextEncoder().encode(s)));
        assert.equal(sha256Hex(bytes), createHash('sha256').update(bytes).digest('hex'));
      }),
    );
  });
});

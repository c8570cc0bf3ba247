import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProvenanceError } from '../../host/errors.js';
import { sha256Hex } from '../../host/manifest/hash.js';
import { embedManifest, readProvenance } from '../../host/manifest/provenance.js';
import {
  appendCustomSection,
  listSections,
  readBinaryKind,
  readCustomSections,
  withoutMoltSections,
} from '../../host/manifest/wasm/sections.js';
import type { CanonicalManifest } from '../../host/policy/types.js';
import { adaptedComponent, preview1Module } from './helpers.js';

const TOOL = { name: 'molt-wasm', version: '9.9.9' };
const MANIFEST: CanonicalManifest = {
  version: 1,
  allow: { time: true, 'console.write': true, net: ['API.example.com:443'] },
  deny: { net: ['169.254.169.254'] },
};
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

function payloadRange(bytes: Uint8Array, name: string): [number, number] {
  const s = listSections(bytes).find((x) => x.id === 0 && x.name === name);
  assert.ok(s && s.payloadStart !== undefined, `no ${name}`);
  return [s.payloadStart, s.end];
}

function expectPart(bytes: Uint8Array, part: ProvenanceError['part'], message: RegExp): void {
  assert.throws(
    () => readProvenance(bytes),
    (err: unknown) => {
      assert.ok(err instanceof ProvenanceError, `expected ProvenanceError, got ${String(err)}`);
      assert.equal(err.part, part, err.message);
      assert.match(err.message, message);
      assert.equal(err.exitCode, 65);
      return true;
    },
  );
}

for (const [kind, make] of [
  ['core', preview1Module],
  ['component', adaptedComponent],
] as const) {
  test(`${kind}: embed then read gives the canonical manifest and hashes that check`, async () => {
    const original = await make();
    const built = embedManifest(original, MANIFEST, TOOL);
    assert.equal(readBinaryKind(built), kind);
    const r = readProvenance(built);
    assert.equal(r.status, 'verified');
    assert.deepEqual(r.manifest, {
      version: 1,
      allow: { 'console.write': true, net: ['api.example.com:443'], time: true },
      deny: { net: ['169.254.169.254'] },
    });
    const [ms, me] = payloadRange(built, 'molt:capabilities');
    const manifestText = text(built.subarray(ms, me));
    assert.equal(
      manifestText,
      '{"allow":{"console.write":true,"net":["api.example.com:443"],"time":true},"deny":{"net":["169.254.169.254"]},"version":1}',
    );
    assert.deepEqual(r.provenance, {
      component_sha256: sha256Hex(original),
      manifest_sha256: sha256Hex(utf8(manifestText)),
      tool: TOOL,
    });
    if (kind === 'core') assert.ok(WebAssembly.validate(new Uint8Array(built)));
  });
}

test('re-embedding replaces the old sections instead of adding more', async () => {
  const original = await preview1Module();
  const once = embedManifest(original, MANIFEST, TOOL);
  const twice = embedManifest(once, { version: 1, allow: { 'console.write': true }, deny: {} }, TOOL);
  assert.equal(readCustomSections(twice, 'molt:capabilities').length, 1);
  assert.equal(readCustomSections(twice, 'molt:provenance').length, 1);
  assert.deepEqual(readProvenance(twice).manifest, { version: 1, allow: { 'console.write': true }, deny: {} });
  assert.deepEqual(withoutMoltSections(twice), original);
});

test('a binary with neither section is unsigned', async () => {
  assert.deepEqual(readProvenance(await adaptedComponent()), { status: 'unsigned' });
});

test('flipping one byte anywhere in the manifest is a manifest failure', async () => {
  const built = embedManifest(await preview1Module(), MANIFEST, TOOL);
  const [start, end] = payloadRange(built, 'molt:capabilities');
  for (let at = start; at < end; at++) {
    const bad = built.slice();
    bad[at] = bad[at]! ^ 0x01;
    expectPart(bad, 'manifest', /molt:capabilities does not match its recorded hash|not valid UTF-8/);
  }
});

test('flipping a byte of the code is a code failure', async () => {
  const built = embedManifest(await adaptedComponent(), MANIFEST, TOOL);
  const [start] = payloadRange(built, 'molt:capabilities');
  // A byte inside the first custom section of the component (name section / producers):
  // framing stays intact, content changes.
  const bytes = built.slice();
  const custom = listSections(bytes).find((s) => s.id === 0 && s.end < start)!;
  bytes[custom.end - 1] = bytes[custom.end - 1]! ^ 0x01;
  expectPart(bytes, 'code', /the code does not match the hash recorded in molt:provenance.*modified after build/);
  // And a byte inside the core module code.
  const core = listSections(built).find((s) => s.id === 1)!;
  const bytes2 = built.slice();
  bytes2[core.end - 1] = bytes2[core.end - 1]! ^ 0x80;
  expectPart(bytes2, 'code', /the code does not match/);
});

test('flipping a structural byte of the provenance makes it unparsable; a hash digit reads as a mismatch of what it covers', async () => {
  const built = embedManifest(await preview1Module(), MANIFEST, TOOL);
  const [start, end] = payloadRange(built, 'molt:provenance');
  const prov = text(built.subarray(start, end));
  const brace = built.slice();
  brace[start] = 0x5b; // '{' -> '['
  expectPart(brace, 'provenance', /molt:provenance is not valid JSON/);
  const key = built.slice();
  key[start + prov.indexOf('tool')] = 0x54; // "tool" -> "Tool"
  expectPart(key, 'provenance', /must have exactly the keys/);
  const codeDigit = built.slice();
  const at = start + prov.indexOf('component_sha256') + 'component_sha256":"'.length;
  codeDigit[at] = codeDigit[at] === 0x30 ? 0x31 : 0x30;
  expectPart(codeDigit, 'code', /does not match/);
  const manifestDigit = built.slice();
  const at2 = start + prov.indexOf('manifest_sha256') + 'manifest_sha256":"'.length;
  manifestDigit[at2] = manifestDigit[at2] === 0x30 ? 0x31 : 0x30;
  expectPart(manifestDigit, 'manifest', /does not match its recorded hash/);
});

test('missing or duplicated sections name which part', async () => {
  const original = await preview1Module();
  const built = embedManifest(original, MANIFEST, TOOL);
  const manifestPayload = readCustomSections(built, 'molt:capabilities')[0]!;
  const provPayload = readCustomSections(built, 'molt:provenance')[0]!;
  expectPart(
    appendCustomSection(original, 'molt:capabilities', manifestPayload),
    'provenance',
    /has molt:capabilities but no molt:provenance/,
  );
  expectPart(appendCustomSection(original, 'molt:provenance', provPayload), 'manifest', /has molt:provenance but no molt:capabilities/);
  expectPart(appendCustomSection(built, 'molt:capabilities', manifestPayload), 'manifest', /2 molt:capabilities sections/);
  expectPart(appendCustomSection(built, 'molt:provenance', provPayload), 'provenance', /2 molt:provenance sections/);
});

test('a hand-written manifest with a matching hash but not canonical, or not a manifest, is refused', async () => {
  const original = await preview1Module();
  const forge = (manifestText: string): Uint8Array => {
    const m = utf8(manifestText);
    const prov = `{"component_sha256":"${sha256Hex(original)}","manifest_sha256":"${sha256Hex(m)}","tool":{"name":"x","version":"1"}}`;
    return appendCustomSection(appendCustomSection(original, 'molt:capabilities', m), 'molt:provenance', utf8(prov));
  };
  assert.equal(readProvenance(forge('{"allow":{"time":true},"deny":{},"version":1}')).status, 'verified');
  expectPart(forge('{"version":1,"allow":{"time":true},"deny":{}}'), 'manifest', /not in canonical form/);
  expectPart(forge('{"allow":{"teleport":true},"deny":{},"version":1}'), 'manifest', /not a valid manifest.*teleport/);
  expectPart(forge('{"allow":["time"]}'), 'manifest', /not a valid manifest/);
});

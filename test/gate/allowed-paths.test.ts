/**
 * The filesystem remembers which paths the policy allowed (host/gate/fs/allowed-paths.ts) so
 * that a guest reading the same file in a loop does not pay a scoped check per call. The
 * policy is live, so what it remembers must never outlive a change: every case here makes an
 * allowed call first (so the answer is remembered), changes the policy, and expects the next
 * call refused. Models a permission cache that survives revocation (the class of Node's
 * CVE-2024-36137: a check made once, at open, and trusted afterwards). Each case fails if the
 * engine's generation is not bumped by the change, or if the cache is used with an audit sink
 * or a prompt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditRecord } from '../../host/gate/audit.js';
import { createGatedWasi, disposeGatedWasi } from '../../host/gate/index.js';
import type { WasiInterface } from '../support/test-double.js';
import { PromptGate, type GatePrompt, type PromptQuestion } from '../../host/gate/prompt.js';
import { nodePlatform } from '../../host/node/platform.js';
import { PolicyEngine } from '../../host/policy/index.js';
import type { CanonicalManifest } from '../../host/policy/types.js';
import { tempDir } from '../node-host/helpers.js';

function gated(allow: CanonicalManifest['allow'], audit?: (r: AuditRecord) => void, prompt?: (engine: PolicyEngine) => GatePrompt) {
  const t = tempDir('molt-allowed-paths-');
  mkdirSync(join(t, 'out'));
  writeFileSync(join(t, 'out', 'f.txt'), 'original');
  writeFileSync(join(t, 'out', 'g.txt'), 'other');
  const engine = new PolicyEngine();
  const subject = engine.createSubject({ version: 1, allow, deny: {} });
  const imports = createGatedWasi({
    engine,
    subject,
    platform: nodePlatform,
    preopens: [{ guest: '/out', host: join(t, 'out') }],
    ...(audit !== undefined ? { audit } : {}),
    ...(prompt !== undefined ? { prompt: prompt(engine) } : {}),
  });
  const [[root]] = imports['wasi:filesystem/preopens']!.getDirectories() as unknown as [[WasiInterface, string]];
  return { engine, subject, root, imports };
}

const text = (r: unknown) => new TextDecoder().decode((r as [Uint8Array, boolean])[0]);
const refused = (fn: () => unknown, what: string) => assert.throws(fn, (e: unknown) => e === 'access', what);

test('read, read, revoke fs.read, read: the third read is refused', () => {
  const { engine, subject, root } = gated({ 'fs.read': ['/out'] });
  const file = root.openAt({}, 'f.txt', {}, { read: true }) as WasiInterface;
  assert.equal(text(file.read(8n, 0n)), 'original');
  assert.equal(text(file.read(8n, 0n)), 'original');
  engine.revoke(subject, 'fs.read');
  refused(() => file.read(8n, 0n), 'read after revoke');
  refused(() => file.readInto(new Uint8Array(8), 0n), 'readInto after revoke');
});

test('streams: read and write, revoke, the next stream call is refused (streams use the same memory)', () => {
  const { engine, subject, root } = gated({ 'fs.read': ['/out'], 'fs.write': ['/out'] });
  const file = root.openAt({}, 'f.txt', {}, { read: true, write: true }) as WasiInterface;
  const input = file.readViaStream(0n) as WasiInterface;
  const output = file.writeViaStream(0n) as WasiInterface;
  assert.equal(new TextDecoder().decode(input.blockingRead(4n) as Uint8Array), 'orig');
  assert.equal(new TextDecoder().decode(input.blockingRead(1n) as Uint8Array), 'i');
  output.blockingWriteAndFlush(new TextEncoder().encode('O'));
  output.blockingWriteAndFlush(new TextEncoder().encode('R'));
  engine.revoke(subject, 'fs.read');
  const failed = (e: unknown) => (e as { tag?: string }).tag === 'last-operation-failed';
  assert.throws(() => input.blockingRead(1n), failed, 'stream read after revoke');
  output.blockingWriteAndFlush(new TextEncoder().encode('I'));
  engine.deny(subject, 'fs.write', '/out');
  assert.throws(() => output.blockingWriteAndFlush(new TextEncoder().encode('X')), failed, 'stream write after deny');
});

test('open, revoke, open the same name: the second open is refused', () => {
  const { engine, subject, root } = gated({ 'fs.read': ['/out'] });
  for (let i = 0; i < 2; i++) {
    const f = root.openAt({}, 'f.txt', {}, { read: true }) as { [Symbol.dispose](): void };
    f[Symbol.dispose]();
  }
  engine.revoke(subject, 'fs.read');
  refused(() => root.openAt({}, 'f.txt', {}, { read: true }), 'open after revoke');
});

test('a scoped revoke of one file (a deny under a wider grant) is seen at once; its neighbour stays readable', () => {
  const { engine, subject, root } = gated({ 'fs.read': ['/out'] });
  const f = root.openAt({}, 'f.txt', {}, { read: true }) as WasiInterface;
  const g = root.openAt({}, 'g.txt', {}, { read: true }) as WasiInterface;
  assert.equal(text(f.read(8n, 0n)), 'original');
  assert.equal(text(g.read(8n, 0n)), 'other');
  engine.revoke(subject, 'fs.read', '/out/f.txt');
  refused(() => f.read(8n, 0n), 'revoked file');
  refused(() => root.openAt({}, 'f.txt', {}, { read: true }), 'open of the revoked file');
  assert.equal(text(g.read(8n, 0n)), 'other');
});

test('a deny added after a write is seen at the next write', () => {
  const { engine, subject, root } = gated({ 'fs.read': ['/out'], 'fs.write': ['/out'] });
  const f = root.openAt({}, 'f.txt', {}, { read: true, write: true }) as WasiInterface;
  assert.equal(f.write(new TextEncoder().encode('O'), 0n), 1n);
  engine.deny(subject, 'fs.write', '/out');
  refused(() => f.write(new TextEncoder().encode('X'), 0n), 'write after deny');
  assert.equal(text(f.read(8n, 0n)), 'Original');
});

test('a dropped subject: the next read is refused', () => {
  const { engine, subject, root } = gated({ 'fs.read': ['/out'] });
  const file = root.openAt({}, 'f.txt', {}, { read: true }) as WasiInterface;
  assert.equal(text(file.read(8n, 0n)), 'original');
  engine.dropSubject(subject);
  refused(() => file.read(8n, 0n), 'read after drop');
});

test('with an audit sink every allowed read is recorded (nothing is answered from memory)', () => {
  const records: AuditRecord[] = [];
  const { root, imports } = gated({ 'fs.read': ['/out'] }, (r) => records.push(r));
  const file = root.openAt({}, 'f.txt', {}, { read: true }) as WasiInterface;
  for (let i = 0; i < 3; i++) file.read(8n, 0n);
  // Identical decisions are coalesced into one record with a count (CoalescingAudit), written
  // by the time the guest ends: three decisions either way.
  disposeGatedWasi(imports);
  const reads = records.filter((r) => r.operation === 'wasi:filesystem/types#descriptor.read');
  assert.equal(
    reads.reduce((n, r) => n + (r.repeated ?? 1), 0),
    3,
  );
  assert.ok(reads.every((r) => r.decision === 'allow' && r.target === '/out/f.txt'));
});

test('with a prompt, an open allowed `once` is asked again at the next open of the same name', () => {
  const asked: PromptQuestion[] = [];
  const { root } = gated({ 'fs.write': ['/out'] }, undefined, (engine) => new PromptGate({ engine, ask: (q) => (asked.push(q), 'once') }));
  for (let i = 0; i < 2; i++) {
    const f = root.openAt({}, 'f.txt', {}, { read: true }) as { [Symbol.dispose](): void };
    f[Symbol.dispose]();
  }
  const opens = asked.filter((q) => q.operation === 'wasi:filesystem/types#descriptor.open-at' && q.target === '/out/f.txt');
  assert.equal(opens.length, 2);
});

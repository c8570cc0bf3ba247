/**
 * Moving a file out of a write-only place to read it, through the host-side (native) API
 * (Deno requires read and write on both ends of a rename, CVE-2024-27931's family; SPEC
 * section 5: link and rename need fs.read on the source). The guests' filesystem has held
 * this rule since issue 13, but the native API checked only fs.write at both ends, so host
 * code acting for a caller with a drop box (`--allow-write=/data/drop`) and a readable place
 * could move a letter out of the box and read it. And a rename or removal of a directory that
 * holds a deny rule moved the rule's subject out from under it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createNativeApi } from '../../host/native/index.js';
import { normalizeManifest, PolicyEngine } from '../../host/policy/index.js';
import { sandbox } from './support.js';

function api(dir: string, allow: Record<string, string[]>, deny: Record<string, string[]> = {}) {
  const engine = new PolicyEngine();
  const subject = engine.createSubject(normalizeManifest({ version: 1, allow, deny }));
  return createNativeApi({ engine, subject, dirs: { '/data': dir } });
}

test('native rename out of a write-only drop box is refused (access) and the letter stays unread', async () => {
  const s = sandbox();
  mkdirSync(join(s.granted, 'drop'));
  mkdirSync(join(s.granted, 'pub'));
  writeFileSync(join(s.granted, 'drop', 'letter.txt'), 'LETTER');
  const a = api(s.granted, { 'fs.write': ['/data/drop', '/data/pub'], 'fs.read': ['/data/pub'] });
  assert.deepEqual(await a.readFile('/data/drop/letter.txt'), { ok: false, code: 'access' });
  assert.deepEqual(await a.rename('/data/drop/letter.txt', '/data/pub/letter.txt'), { ok: false, code: 'access' });
  assert.equal(readFileSync(join(s.granted, 'drop', 'letter.txt'), 'utf8'), 'LETTER');
  assert.equal(existsSync(join(s.granted, 'pub', 'letter.txt')), false);
  // The control: a readable source moves.
  writeFileSync(join(s.granted, 'pub', 'own.txt'), 'own');
  assert.deepEqual(await a.rename('/data/pub/own.txt', '/data/drop/own.txt'), { ok: true, value: undefined });
});

test('native rename or removal of a directory holding a deny rule is refused (access)', async () => {
  const s = sandbox();
  mkdirSync(join(s.granted, 'proj', 'x'), { recursive: true });
  writeFileSync(join(s.granted, 'proj', 'x', 'secret.txt'), 'DENIED');
  const a = api(s.granted, { 'fs.read': ['/data'], 'fs.write': ['/data'] }, { 'fs.read': ['/data/proj/x'] });
  assert.deepEqual(await a.readFile('/data/proj/x/secret.txt'), { ok: false, code: 'access' });
  assert.deepEqual(await a.rename('/data/proj', '/data/moved'), { ok: false, code: 'access' });
  assert.deepEqual(await a.readFile('/data/moved/x/secret.txt'), { ok: false, code: 'no-entry' });
  assert.equal(existsSync(join(s.granted, 'proj', 'x', 'secret.txt')), true);
  // The control: a directory without a deny rule inside moves.
  mkdirSync(join(s.granted, 'free'));
  assert.deepEqual(await a.rename('/data/free', '/data/free2'), { ok: true, value: undefined });
});

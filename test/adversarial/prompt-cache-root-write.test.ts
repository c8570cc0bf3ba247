// Models a prompt answer turned into a write grant on code the host runs: the policy passed
// the cache-root guard (no write grant at all), but `--prompt` (the library's `prompt`)
// preopens `--dir` mappings and asks about each access through them, and an `always` answer
// grants the parent directory. A guest given a home directory asked to write
// `.cache/molt-wasm/...` (or first a harmless file beside it, then the cache), and a user who
// answered yes let it plant JavaScript that the next run imports. Now every place a code root
// is reached through a preopen is denied `fs.write` by a rule for the whole run: deny wins
// over any answer, and a denial by a rule is never asked about. Writing elsewhere is still asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createHost, type PromptQuestion } from '../../host/index.js';
import { capture, tempDir } from '../node-host/helpers.js';
import { E, opsGuest, policy } from './support.js';

test('a prompt answered "always" cannot grant writing the cache root; other writes are asked and allowed', async () => {
  const home = tempDir('molt-adv-prompthome-');
  const cacheDir = join(home, '.cache', 'molt-wasm');
  mkdirSync(cacheDir, { recursive: true });
  // A way in that is not spelled like the cache: the policy is checked where the walk arrives.
  symlinkSync('.cache/molt-wasm', join(home, 'innocent'));
  const host = createHost({ cacheDir });
  const asked: PromptQuestion[] = [];
  const guest = await opsGuest([
    { op: 'write', label: 'beside', fd: 3, path: 'notes.txt', text: 'fine' },
    { op: 'write', label: 'cache', fd: 3, path: '.cache/molt-wasm/planted.js', text: 'x' },
    { op: 'write', label: 'via-link', fd: 3, path: 'innocent/planted2.js', text: 'x' },
  ]);
  const out = capture();
  const r = await host.run(guest, {
    manifest: policy({ 'console.write': true }),
    dirs: { '/home': home },
    prompt: (q) => {
      asked.push(q);
      return 'always';
    },
    stdout: out.sink,
  });
  assert.equal(r.outcome, 'returned', String(r.error));
  const codes = Object.fromEntries([...out.text().matchAll(/^(\S+) (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
  assert.equal(codes['beside'], 0, out.text());
  assert.equal(readFileSync(join(home, 'notes.txt'), 'utf8'), 'fine');
  assert.equal(codes['cache'], E.acces, out.text());
  assert.notEqual(codes['via-link'], 0, out.text());
  assert.ok(!existsSync(join(cacheDir, 'planted.js')) && !existsSync(join(cacheDir, 'planted2.js')), 'the guest wrote the cache');
  // Asked about the harmless file only: never about a place in the cache.
  assert.ok(asked.length > 0);
  assert.ok(
    asked.every((q) => !/molt-wasm|innocent/.test(q.target ?? '')),
    asked.map((q) => q.target).join(', '),
  );
});

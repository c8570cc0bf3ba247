/**
 * Symlinks retargeted between check and use, by a second process (Deno CVE-2021-41641,
 * GHSA-jxwh-q9gp-f7j9; Node CVE-2025-55130): while a guest opens, reads, lists and writes
 * through its preopen and through a held directory descriptor, another process swaps the
 * directory for a symlink leading out (absolute and relative), and a file inside it for a
 * symlink to the secret, thousands of times. Resolution beneath held descriptors with
 * O_NOFOLLOW at every step leaves the race nothing: zero reads or writes outside the preopen,
 * asserted on the host filesystem and on everything the guest printed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { O, policy, runOps, sandbox, snapshot, startSwapper, type Op } from './support.js';

/** The swapper: loops until killed, printing its swap count every 100 swaps. */
const SWAPPER = `
const fs = require('node:fs');
const [granted, outside] = process.argv.slice(1);
const sub = granted + '/sub', aside = granted + '/sub.aside', inner = sub + '/inner.txt', innerAside = sub + '/inner.aside';
let n = 0;
const tryDo = (f) => { try { f(); } catch {} };
for (;;) {
  // The directory itself: away, a symlink leading out in its place, then back.
  tryDo(() => fs.renameSync(sub, aside));
  tryDo(() => fs.symlinkSync(n % 2 ? outside : '../outside', sub));
  tryDo(() => fs.unlinkSync(sub));
  tryDo(() => fs.renameSync(aside, sub));
  // A file inside it: swapped for a symlink to the secret, then back.
  tryDo(() => fs.renameSync(inner, innerAside));
  tryDo(() => fs.symlinkSync('../../outside/secret.txt', inner));
  tryDo(() => fs.unlinkSync(inner));
  tryDo(() => fs.renameSync(innerAside, inner));
  if (++n % 100 === 0) process.stdout.write(n + '\\n');
}
`;

const ROUND: Op[] = [
  { op: 'hold', label: 'hold', fd: 3, path: 'sub', oflags: O.directory },
  {
    op: 'loop',
    count: 400,
    body: [
      { op: 'cat', label: 'c1', fd: 3, path: 'sub/inner.txt' },
      { op: 'cat', label: 'c2', fd: 4, path: 'inner.txt' },
      { op: 'list', label: 'l1', fd: 3, path: 'sub' },
      { op: 'list', label: 'l2', fd: 4, path: '.' },
      { op: 'write', label: 'w1', fd: 3, path: 'sub/w.txt', text: 'w' },
      { op: 'write', label: 'w2', fd: 4, path: 'w2.txt', text: 'w' },
      { op: 'mkdir', label: 'm', fd: 4, path: 'd' },
      { op: 'rmdir', label: 'r', fd: 4, path: 'd' },
    ],
  },
];

test('a second process swapping directories and symlinks finds no way out', async () => {
  const s = sandbox();
  mkdirSync(join(s.granted, 'sub'));
  writeFileSync(join(s.granted, 'sub', 'inner.txt'), 'INSIDE\n');
  const outsideBefore = snapshot(s.outside);
  const swapper = startSwapper(SWAPPER, [s.granted, s.outside]);
  try {
    // Until the swapper has really raced: at least one report, then 2000 swaps.
    await swapper.started();
    let rounds = 0;
    let insideReads = 0;
    while (swapper.swaps() < 2000 || rounds < 3) {
      rounds++;
      assert.ok(rounds <= 200, `the swapper made only ${swapper.swaps()} swaps`);
      const r = await runOps(ROUND, policy({ 'console.write': true, 'fs.read': ['/data'], 'fs.write': ['/data'] }), {
        dirs: { '/data': s.granted },
      });
      assert.equal(r.result.exitCode, 0, r.result.error?.message);
      assert.ok(!r.stdout.includes(s.secret), 'the secret outside was read');
      assert.ok(!r.stdout.includes('secret.txt'), 'the outside directory was listed');
      insideReads += r.stdout.split('<<INSIDE\n>>').length - 1;
      assert.deepEqual(snapshot(s.outside), outsideBefore, 'something outside the preopen changed');
    }
    // The guest did get through between swaps: the race was real, not a guest locked out.
    assert.ok(insideReads > 0, 'no read ever succeeded');
  } finally {
    swapper.kill();
  }
  assert.deepEqual(
    readdirSync(s.outside).sort(),
    Object.keys(outsideBefore)
      .filter((k) => !k.includes('/'))
      .sort(),
  );
});

/**
 * Symlinks retargeted between check and use, against the host-side (native) API (Deno
 * CVE-2021-41641, GHSA-jxwh-q9gp-f7j9; Node CVE-2025-55130): host code reads and writes a
 * guest path through `createNativeApi` while a second process swaps the directory the path
 * goes through for a symlink leading out, thousands of times. The native API resolved paths
 * by string (lstat and readlink per component, a realpath check, then `readFile(hostPath)`):
 * every swap between that check and the open led the read outside. Resolution beneath a
 * handle on the mapped directory, O_NOFOLLOW at every step, leaves the race nothing: zero
 * reads of the secret and zero writes outside, asserted on what the API returned and on the
 * host filesystem.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNativeApi } from '../../host/native/index.js';
import { normalizeManifest, PolicyEngine } from '../../host/policy/index.js';
import { sandbox, snapshot, startSwapper } from './support.js';

/** The swapper: `granted/sub` away, a symlink out in its place, back; prints its count. */
const SWAPPER = `
const fs = require('node:fs');
const [granted, outside] = process.argv.slice(1);
const sub = granted + '/sub', aside = granted + '/sub.aside';
let n = 0;
const tryDo = (f) => { try { f(); } catch {} };
for (;;) {
  tryDo(() => fs.renameSync(sub, aside));
  tryDo(() => fs.symlinkSync(n % 2 ? outside : '../outside', sub));
  tryDo(() => fs.unlinkSync(sub));
  tryDo(() => fs.renameSync(aside, sub));
  if (++n % 100 === 0) process.stdout.write(n + '\\n');
}
`;

test('a second process swapping a directory for a symlink never leads a native call outside', async () => {
  const s = sandbox();
  mkdirSync(join(s.granted, 'sub'));
  // The same name inside and outside: a read that went out returns the secret.
  writeFileSync(join(s.granted, 'sub', 'secret.txt'), 'INSIDE\n');
  const outsideBefore = snapshot(s.outside);
  const engine = new PolicyEngine();
  const subject = engine.createSubject(normalizeManifest({ version: 1, allow: { 'fs.read': ['/data'], 'fs.write': ['/data'] }, deny: {} }));
  const api = createNativeApi({ engine, subject, dirs: { '/data': s.granted } });
  const swapper = startSwapper(SWAPPER, [s.granted, s.outside]);
  try {
    await swapper.started();
    let calls = 0;
    let insideReads = 0;
    const start = swapper.swaps();
    // Until the swapper has raced through 3000 swaps while the calls ran.
    while (swapper.swaps() - start < 3000 || calls < 2000) {
      calls++;
      assert.ok(calls <= 200_000, `the swapper made only ${swapper.swaps() - start} swaps`);
      // The native calls finish without I/O callbacks: let the swapper's count come in.
      if (calls % 50 === 0) await new Promise((r) => setImmediate(r));
      const r = await api.readFile('/data/sub/secret.txt');
      if (r.ok) {
        const text = new TextDecoder().decode(r.value);
        assert.ok(!text.includes(s.secret), `call ${calls}: the secret outside was read`);
        if (text === 'INSIDE\n') insideReads++;
      }
      await api.writeFile('/data/sub/w.txt', 'w');
      const l = await api.readdir('/data/sub');
      if (l.ok) assert.ok(!l.value.includes('dir'), `call ${calls}: the outside directory was listed`);
    }
    // The race was real: some calls still got through inside.
    assert.ok(insideReads > 0, 'no read succeeded at all');
  } finally {
    swapper.kill();
  }
  assert.deepEqual(snapshot(s.outside), outsideBefore, 'something outside changed');
});

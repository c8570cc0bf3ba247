// Models a symlink retargeted between check and use (TOCTOU): Deno CVE-2021-41641 / GHSA-jxwh-q9gp-f7j9 and Node CVE-2025-55130; a second process flips the link while the guest reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { policy, runOps, sandbox, snapshot, type Op } from './support.js';

/** Atomically retargets `link` between `a` and `b` as fast as it can (rename over the link). */
const FLIPPER = `
const fs = require('node:fs');
const [dir, a, b] = process.argv.slice(1);
let i = 0;
const tmp = dir + '/.flip';
for (;;) {
  try { fs.unlinkSync(tmp); } catch {}
  fs.symlinkSync(i++ % 2 ? a : b, tmp);
  fs.renameSync(tmp, dir + '/link');
  if (i === 2) process.stdout.write('go\\n');
}`;

async function flipping(dir: string, a: string, b: string): Promise<() => void> {
  const child = spawn(process.execPath, ['-e', FLIPPER, dir, a, b], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return () => void child.kill('SIGKILL');
}

for (const [name, inside, outsideTarget, path] of [
  ['file', 'inside.txt', '../outside/secret.txt', 'link'],
  ['directory', 'realdir', '../outside', 'link/secret.txt'],
] as const) {
  test(`a ${name} symlink flipped to the outside while the guest reads it: no outside byte is ever read`, async () => {
    const s = sandbox();
    writeFileSync(join(s.granted, 'inside.txt'), 'harmless\n');
    mkdirSync(join(s.granted, 'realdir'));
    writeFileSync(join(s.granted, 'realdir', 'secret.txt'), 'harmless\n');
    symlinkSync(inside, join(s.granted, 'link'));
    const before = snapshot(s.outside);
    const stop = await flipping(s.granted, inside, outsideTarget);
    try {
      const ops: Op[] = [];
      for (let i = 0; i < 1500; i++) ops.push({ op: 'cat', label: `r${i}`, fd: 3, path });
      const r = await runOps(ops, policy({ 'console.write': true, 'fs.read': ['/data'] }), { dirs: { '/data': s.granted } });
      assert.equal(r.result.exitCode, 0, r.result.error?.message);
      assert.ok(!r.stdout.includes('SECRET'), 'outside content was read through the flipped link');
      // The race really ran: some reads saw the inside target.
      assert.ok(
        Object.values(r.codes).some((c) => c === 0),
        'no read succeeded: the test exercised nothing',
      );
      assert.ok(
        Object.values(r.codes).some((c) => c !== 0),
        'no read was refused: the link never flipped during the run',
      );
    } finally {
      stop();
    }
    assert.deepEqual(snapshot(s.outside), before);
  });
}

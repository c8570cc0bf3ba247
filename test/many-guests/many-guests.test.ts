/**
 * One process, 50+ guests, each with its own policy, scratch directory and environment; one
 * traps, one times out, one is denied, one exits 3. None affects another: every other
 * guest's output and exit code are exactly as expected. Run twice: sequentially in-thread
 * (the library's default) and concurrently in workers (timeoutMs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHost, type GuestOptions, type RunResult } from '../../host/index.js';
import { capture, tempDir } from '../node-host/helpers.js';
import { E, opsGuest, policy, type Op } from '../adversarial/support.js';

const N = 52;
const TRAPS = 10;
const HANGS = 20;
const DENIED = 30;
const EXITS = 40;

interface Case {
  readonly i: number;
  readonly bytes: Uint8Array;
  readonly options: GuestOptions;
  readonly scratch: string;
  readonly expect: { exitCode: number; outcome: RunResult['outcome']; stdout: string };
}

async function cases(root: string, inWorker: boolean): Promise<Case[]> {
  const out: Case[] = [];
  for (let i = 0; i < N; i++) {
    const scratch = join(root, `scratch-${i}`);
    mkdirSync(scratch);
    writeFileSync(join(scratch, 'mine.txt'), `content-${i}\n`);
    const ops: Op[] = [
      { op: 'cat', label: 'cat', fd: 3, path: 'mine.txt' },
      // Another guest's scratch directory is beside this one: never reachable.
      { op: 'cat', label: 'peek', fd: 3, path: `../scratch-${(i + 1) % N}/mine.txt` },
      { op: 'mkdir', label: 'mkdir', fd: 3, path: `made-${i}` },
    ];
    const denied = i === DENIED;
    let stdout = `<<content-${i}\n>>\ncat 0\npeek ${E.perm}\nmkdir ${denied ? E.acces : 0}\n`;
    let exitCode = 0;
    let outcome: RunResult['outcome'] = 'returned';
    if (i === TRAPS) {
      ops.push({ op: 'trap' });
      [exitCode, outcome] = [70, 'trap'];
    } else if (i === HANGS) {
      ops.push({ op: 'spin' });
      [exitCode, outcome] = [124, 'timeout'];
    } else if (i === EXITS) {
      ops.push({ op: 'exit', code: 3 });
      [exitCode, outcome] = [3, 'exited'];
    } else {
      // Without an env grant, the environment reads as empty (SPEC section 5): the denied
      // guest lists nothing, and must not see another guest's GUEST.
      ops.push({ op: 'environ' });
      if (!denied) stdout += `GUEST=g${i}\n`;
    }
    const allow = denied
      ? { 'console.write': true as const, 'fs.read': [`/scratch`] }
      : { 'console.write': true as const, 'fs.read': [`/scratch`], 'fs.write': [`/scratch`], env: ['GUEST'] };
    out.push({
      i,
      bytes: await opsGuest(ops),
      scratch,
      options: {
        manifest: policy(allow),
        dirs: { '/scratch': scratch },
        env: { GUEST: `g${i}`, OTHER: 'hidden' },
        label: `guest-${i}`,
        ...(i === HANGS ? { timeoutMs: 400 } : inWorker ? { timeoutMs: 60_000 } : {}),
      },
      expect: { exitCode, outcome, stdout },
    });
  }
  return out;
}

function check(c: Case, r: RunResult, stdout: string): void {
  const who = `guest ${c.i}`;
  assert.equal(r.outcome, c.expect.outcome, `${who}: ${r.error?.message}`);
  assert.equal(r.exitCode, c.expect.exitCode, who);
  // A timed-out guest's output is whatever it wrote before it was stopped.
  if (c.i !== HANGS) assert.equal(stdout, c.expect.stdout, who);
  const entries = readdirSync(c.scratch).sort();
  // Under load the hanging guest may be stopped before its mkdir: its own directory may or may not have it.
  if (c.i === HANGS) return assert.ok(entries.includes('mine.txt') && entries.every((e) => e === 'mine.txt' || e === 'made-20'));
  assert.deepEqual(entries, c.i === DENIED ? ['mine.txt'] : [`made-${c.i}`, 'mine.txt'].sort(), who);
}

test(`${N} guests in one process, sequentially in-thread: a trap, a timeout, a denial and exit 3 touch no one else`, async () => {
  const root = tempDir('molt-many-seq-');
  const host = createHost({ cacheDir: join(root, '.cache') });
  for (const c of await cases(root, false)) {
    const out = capture();
    const r = await host.run(c.bytes, { ...c.options, stdout: out.sink });
    check(c, r, out.text());
  }
  assert.ok(!existsSync(join(root, 'made-0')));
});

test(`${N} guests in one process, concurrently in workers: same results`, async () => {
  const root = tempDir('molt-many-par-');
  const host = createHost({ cacheDir: join(root, '.cache') });
  const all = await cases(root, true);
  const outs = all.map(() => capture());
  const results = await Promise.all(all.map((c, k) => host.run(c.bytes, { ...c.options, stdout: outs[k]!.sink })));
  all.forEach((c, k) => check(c, results[k]!, outs[k]!.text()));
});

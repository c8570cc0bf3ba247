/**
 * host/cli/stdio.ts: the guest's output goes to the descriptor directly, all of it, and on a
 * descriptor that fails, to the stream instead (the rest of that write, then every later one).
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { stdioWriter } from '../../host/cli/stdio.js';

const work = mkdtempSync(join(tmpdir(), 'molt-stdio-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A stand-in for process.stdout that records what it is given. */
function recorder(): { stream: () => NodeJS.WritableStream; got: Buffer[]; created: () => number } {
  const got: Buffer[] = [];
  let created = 0;
  const s = { write: (b: Uint8Array) => (got.push(Buffer.from(b)), true) } as unknown as NodeJS.WritableStream;
  return { stream: () => (created++, s), got, created: () => created };
}

test('direct: every byte to the descriptor, in order, the stream never created', () => {
  const file = join(work, 'out');
  const fd = openSync(file, 'w');
  const r = recorder();
  const write = stdioWriter(fd, r.stream, true);
  write(new TextEncoder().encode('hello '));
  write(new Uint8Array(200_000).fill(0x61));
  write(new TextEncoder().encode(' end\n'));
  closeSync(fd);
  assert.equal(readFileSync(file, 'latin1'), 'hello ' + 'a'.repeat(200_000) + ' end\n');
  assert.equal(r.created(), 0);
});

test('a descriptor that fails: that write and every later one go to the stream', () => {
  const fd = openSync(join(work, 'closed'), 'w');
  closeSync(fd); // EBADF from now on
  const r = recorder();
  const write = stdioWriter(fd, r.stream, true);
  write(new TextEncoder().encode('one\n'));
  write(new TextEncoder().encode('two\n'));
  assert.equal(Buffer.concat(r.got).toString(), 'one\ntwo\n');
});

test('not direct (a platform whose stdio streams may be asynchronous): the stream only', () => {
  const file = join(work, 'unused');
  const fd = openSync(file, 'w');
  const r = recorder();
  stdioWriter(fd, r.stream, false)(new TextEncoder().encode('via stream\n'));
  closeSync(fd);
  assert.equal(readFileSync(file, 'utf8'), '');
  assert.equal(Buffer.concat(r.got).toString(), 'via stream\n');
});

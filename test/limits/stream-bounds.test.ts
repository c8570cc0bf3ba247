/**
 * Stream reads a guest sizes are bounded per call (docs/limits.md): a stdin `read` and a
 * `splice` move at most STREAM_READ_MAX (64 KiB) whatever length the guest names (the WIT
 * allows fewer bytes than asked); `skip` copies nothing. preview1 reads of stdin take the same
 * bound through the 0.2 layer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STREAM_READ_MAX } from '../../host/gate/index.js';
import { GiB, MiB, gatedStreams } from '../adversarial/host-memory-support.js';

test('stdin read(1 GiB) returns at most 64 KiB; the rest stays for the next read', () => {
  const data = new Uint8Array(4 * MiB).fill(7);
  const { stdin } = gatedStreams(data);
  const first = stdin.read(BigInt(GiB)) as Uint8Array;
  assert.equal(first.length, STREAM_READ_MAX);
  assert.equal(stdin.skip(BigInt(GiB)), BigInt(4 * MiB - STREAM_READ_MAX), 'skip consumes the rest without a copy');
  assert.throws(
    () => stdin.read(1n),
    (e: unknown) => (e as { tag?: string }).tag === 'closed',
  );
});

test('splice and blocking-splice ask their source for at most 64 KiB, whatever the guest names', () => {
  const { stdout, written } = gatedStreams();
  const asked: bigint[] = [];
  // A source that would hand over whatever is asked (a file stream, say): the bound is splice's own.
  const source = {
    read: (n: bigint) => (asked.push(n), new Uint8Array(Number(n > BigInt(4 * MiB) ? 4 * MiB : n))),
    blockingRead: (n: bigint) => (asked.push(n), new Uint8Array(Number(n > BigInt(4 * MiB) ? 4 * MiB : n))),
  };
  assert.equal(stdout.splice(source, BigInt(GiB)), BigInt(STREAM_READ_MAX));
  assert.equal(stdout.blockingSplice(source, BigInt(GiB)), BigInt(STREAM_READ_MAX));
  assert.deepEqual(asked, [BigInt(STREAM_READ_MAX), BigInt(STREAM_READ_MAX)]);
  assert.equal(written.total, 2 * STREAM_READ_MAX);
});

test('splice from stdin moves what stdin has, 64 KiB at most', () => {
  const { stdin, stdout, written } = gatedStreams(new Uint8Array(100));
  assert.equal(stdout.splice(stdin, BigInt(GiB)), 100n);
  assert.equal(written.total, 100);
});

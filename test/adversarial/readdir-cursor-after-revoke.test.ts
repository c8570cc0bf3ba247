/**
 * Trick: revoke-then-read through preview1 fd_readdir's held cursor. fd_readdir keeps the
 * listing of the directory being read between calls (host/preview1/readdir.ts), including
 * the one entry it read from the stream but could not write whole into a short buffer. A
 * guest asks with a buffer that ends inside an entry, so the host reads that entry (gated,
 * fs.read still granted) and keeps it; fs.read on the directory is then revoked; the guest
 * asks again from that entry's cookie. Without a check per call, the kept entry's name is
 * written into guest memory with no gated call at all after the revocation (only the next
 * stream read is refused), where listing afresh (before the cursor) was refused at once.
 * Models "the check at open is the only check" (Node CVE-2024-36137: an operation on an
 * already-open descriptor got past the permission model): a revocation must stop what a
 * held descriptor hands out from the next call on, cached or not.
 *
 * Bound: a call that continues a held listing asks the gate once (fs.read on the listed
 * directory) before it writes anything. With that check removed this test fails: the name
 * reaches the guest's buffer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGatedWasi } from '../../host/gate/index.js';
import { nodePlatform } from '../../host/node/platform.js';
import { createPreview1Imports, type Preview1ImportFunction } from '../../host/preview1/index.js';
import { Errno } from '../../host/preview1/constants.js';
import { PolicyEngine } from '../../host/policy/index.js';
import { tempDir } from '../node-host/helpers.js';
import { call } from './host-memory-support.js';

const BUF = 0x1000;
const OUT = 0x100;
const NAME = 'only-while-granted.txt';

test('after fs.read is revoked, a continued fd_readdir hands out nothing, not even the entry it kept', () => {
  const t = tempDir('molt-readdir-revoke-');
  mkdirSync(join(t, 'd'));
  writeFileSync(join(t, 'd', NAME), 'x');
  const engine = new PolicyEngine();
  const subject = engine.createSubject({ version: 1, allow: { 'fs.read': ['/d'] }, deny: {} });
  const wasi = createGatedWasi({
    engine,
    subject,
    platform: nodePlatform,
    preopens: [{ guest: '/d', host: join(t, 'd') }],
    io: { args: [], env: {}, stdin: new Uint8Array(0) },
  });
  const imports = createPreview1Imports(wasi);
  const memory = new WebAssembly.Memory({ initial: 1 });
  imports.bindMemory(memory);
  const p1 = imports.imports.wasi_snapshot_preview1 as Record<string, Preview1ImportFunction>;

  // "." (24 + 1 bytes), ".." (24 + 2), then 10 bytes of the file's 24-byte header: the host
  // has read the file's entry from the stream and keeps it for the next call.
  const first = 25 + 26 + 10;
  assert.equal(call(p1, 'fd_readdir', 3, BUF, first, 0n, OUT), 0);
  assert.equal(new DataView(memory.buffer).getUint32(OUT, true), first, 'the buffer was filled');

  engine.revoke(subject, 'fs.read');
  new Uint8Array(memory.buffer, BUF, 4096).fill(0);
  const errno = call(p1, 'fd_readdir', 3, BUF, 4096, 2n, OUT);
  assert.notEqual(errno, Errno.success, 'a listing continued after the revocation is refused');
  const written = Buffer.from(memory.buffer, BUF, 4096).toString('latin1');
  assert.ok(!written.includes(NAME), 'the kept entry’s name reached guest memory after fs.read was revoked');
});

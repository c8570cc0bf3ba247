// Bounds on host memory a guest sizes through wasi:http in Node (host/node/http.ts): a body
// write larger than check-write is refused, a large blocking-write-and-flush or zero fill is
// sent in 64 KiB pieces, and a body read returns at most 64 KiB whatever length is asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { double, type WasiInterface } from '../support/test-double.js';
import { guest, policy, thrown } from './helpers.js';

const KIB64 = 64 * 1024;

test('wasi:http bodies: writes bounded by check-write, big writes chunked, reads at most 64 KiB per call', async () => {
  let received = 0;
  const server = createServer((req, res) => {
    req.on('data', (c: Buffer) => void (received += c.length));
    req.on('end', () => res.end(Buffer.alloc(1024 * 1024, 7)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  try {
    const g = guest(policy({ net: [`127.0.0.1:${port}`] }));
    const T = g.imports['wasi:http/types']!;
    const req = new T.OutgoingRequest(new T.Fields());
    req.setMethod({ tag: 'post' });
    req.setScheme({ tag: 'HTTP' });
    req.setAuthority(`127.0.0.1:${port}`);
    req.setPathWithQuery('/');
    const body = req.body();
    const out = body.write() as WasiInterface;
    assert.equal(out.checkWrite(), BigInt(KIB64));
    assert.equal(((await thrown(() => out.write(new Uint8Array(KIB64 + 1)))) as { tag?: string }).tag, 'last-operation-failed');
    assert.equal(((await thrown(() => out.writeZeroes(1n << 30n))) as { tag?: string }).tag, 'last-operation-failed');
    out.blockingWriteAndFlush(new Uint8Array(300 * 1024));
    out.blockingWriteZeroesAndFlush(200n * 1024n);
    T.OutgoingBody.finish(body, undefined);
    const future = g.imports['wasi:http/outgoing-handler']!.handle(req, undefined);
    let r: { tag: string; val: { tag: string; val: WasiInterface } } | undefined;
    while ((r = double<typeof r>(future.get())) === undefined) await new Promise((res) => setTimeout(res, 5));
    const stream = r.val.val.consume().stream();
    let total = 0;
    let biggest = 0;
    for (;;) {
      try {
        const bytes = stream.read(1n << 30n) as Uint8Array;
        biggest = Math.max(biggest, bytes.length);
        total += bytes.length;
      } catch (e) {
        if ((e as { tag?: string }).tag === 'closed') break;
        throw e;
      }
      await new Promise((res) => setTimeout(res, 1));
    }
    assert.equal(received, 500 * 1024);
    assert.equal(total, 1024 * 1024);
    assert.ok(biggest > 0 && biggest <= KIB64, `a read returned ${biggest} bytes`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

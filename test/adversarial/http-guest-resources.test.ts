// Models host exhaustion through many resources (Wasmtime GHSA-852m-cvvp-9p4w,
// GHSA-243v-98vx-264h): `wasi:http/types` is ungated, and a request body written before
// `handle` was held by the host up to 16 MiB PER BODY, with no bound on the number of bodies,
// so a guest with NO capability and a few KiB of memory (a zero fill costs it nothing) made
// the host allocate 16 MiB per request it created: gigabytes. And the connections of
// outgoing requests outlived the guest: `serve` (a fresh instance per request) kept every
// connection its guests left open, until the process ran out of descriptors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { disposeGatedWasi } from '../../host/gate/index.js';
import { MAX_HELD_REQUEST_BODY_BYTES, MAX_OPEN_HTTP_REQUESTS } from '../../host/gate/http.js';
import { guest, outgoingGet, policy, thrown } from '../net/helpers.js';

const MiB = 1024 * 1024;

test('request bodies held before handle are bounded per guest, not per body (no capability needed)', () => {
  const g = guest(policy({}));
  const T = g.imports['wasi:http/types'];
  let held = 0;
  const keep: unknown[] = [];
  for (let i = 0; i < 40; i++) {
    const req = new T.OutgoingRequest(new T.Fields());
    const out = req.body().write();
    keep.push(req, out);
    try {
      out.blockingWriteZeroesAndFlush(BigInt(4 * MiB));
      held += 4 * MiB;
    } catch (e) {
      assert.equal((e as { tag?: string }).tag, 'last-operation-failed');
    }
  }
  assert.ok(held <= MAX_HELD_REQUEST_BODY_BYTES, `the host held ${held / MiB} MiB for one guest`);
  assert.ok(MAX_HELD_REQUEST_BODY_BYTES <= 16 * MiB);
  // Another guest has its own budget.
  const other = guest(policy({}));
  const T2 = other.imports['wasi:http/types'];
  const out = new T2.OutgoingRequest(new T2.Fields()).body().write();
  out.blockingWriteZeroesAndFlush(BigInt(4 * MiB));
});

test("a guest's outgoing requests are bounded, and their connections closed when it ends", async () => {
  let open = 0;
  const server: Server = createServer((_req, res) => {
    res.writeHead(200);
    res.write('partial'); // never ends: the connection stays until someone closes it
  });
  server.on('connection', (s) => {
    open++;
    s.on('close', () => open--);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const g = guest(policy({ net: [`127.0.0.1:${port}`] }));
    const handle = g.imports['wasi:http/outgoing-handler'];
    const refused: unknown[] = [];
    for (let i = 0; i < MAX_OPEN_HTTP_REQUESTS + 20; i++) {
      const e = await thrown(() => handle.handle(outgoingGet(g, 'HTTP', `127.0.0.1:${port}`, '/'), undefined));
      if (e !== 'no error') refused.push(e);
    }
    assert.equal(refused.length, 20);
    assert.deepEqual(refused[0], { tag: 'connection-limit-reached' });
    for (const guard = Date.now() + 20_000; open < MAX_OPEN_HTTP_REQUESTS && Date.now() < guard;)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(open, MAX_OPEN_HTTP_REQUESTS);

    disposeGatedWasi(g.imports); // the guest ended, its requests never dropped
    for (const guard = Date.now() + 20_000; open > 0 && Date.now() < guard;) await new Promise((r) => setTimeout(r, 20));
    assert.equal(open, 0, 'connections left open after the guest ended');
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

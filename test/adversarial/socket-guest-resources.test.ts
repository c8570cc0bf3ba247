// Models host exhaustion through many resources (Wasmtime GHSA-852m-cvvp-9p4w family) and
// resources outliving their guest: a guest granted `net` opened as many TCP or UDP sockets as
// it liked (each a host descriptor), and nothing closed them when it ended. Under `serve`
// (a fresh guest per request) every connection a guest left open stayed open, request after
// request, until the process ran out of descriptors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { disposeGatedWasi } from '../../host/gate/index.js';
import { MAX_OPEN_SOCKETS } from '../../host/gate/sockets.js';
import { guest, policy, thrown, until, v4 } from '../net/helpers.js';

test('a guest holds at most MAX_OPEN_SOCKETS sockets (new-socket-limit past it, never a trap)', async () => {
  const g = guest(policy({ net: ['127.0.0.1'] }));
  const create = g.imports['wasi:sockets/tcp-create-socket'];
  const udp = g.imports['wasi:sockets/udp-create-socket'];
  const held = [];
  for (let i = 0; i < MAX_OPEN_SOCKETS; i++) held.push(i % 2 === 0 ? create.createTcpSocket('ipv4') : udp.createUdpSocket('ipv4'));
  assert.equal(await thrown(() => create.createTcpSocket('ipv4')), 'new-socket-limit');
  assert.equal(await thrown(() => udp.createUdpSocket('ipv4')), 'new-socket-limit');
  held.pop()![Symbol.dispose]!();
  assert.equal(await thrown(() => held.push(create.createTcpSocket('ipv4'))), 'no error');
  disposeGatedWasi(g.imports);
});

test("a guest's connections are closed when it ends", async () => {
  let open = 0;
  const conns = new Set<Socket>();
  const server = createServer((s) => {
    open++;
    conns.add(s);
    s.on('close', () => open--);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const g = guest(policy({ net: [`127.0.0.1:${port}`] }));
    // Held, as a live guest's handle table holds them (nothing may close them by collection).
    const held: unknown[] = [];
    for (let i = 0; i < 20; i++) {
      const s = g.imports['wasi:sockets/tcp-create-socket'].createTcpSocket('ipv4');
      s.startConnect(g.network, v4([127, 0, 0, 1], port));
      held.push(s, ...(await until(() => s.finishConnect())));
    }
    for (const guard = Date.now() + 20_000; open < 20 && Date.now() < guard;) await new Promise((r) => setTimeout(r, 20));
    assert.equal(open, 20);
    disposeGatedWasi(g.imports); // the guest ended without closing them
    for (const guard = Date.now() + 20_000; open > 0 && Date.now() < guard;) await new Promise((r) => setTimeout(r, 20));
    assert.equal(open, 0, 'connections left open after the guest ended');
    assert.equal(held.length, 60);
  } finally {
    for (const c of conns) c.destroy();
    await new Promise((r) => server.close(r));
  }
});

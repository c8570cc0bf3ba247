// wasi:sockets through the gated import object over the real Node platform (SPEC section 5):
// lookups, connects, binds, listens and UDP sends decided per guest; denials are
// `access-denied`. Every server is a loopback server this file starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WasiInterface } from '../support/test-double.js';
import { guest, lookup, mapped, netAudit, policy, tcpConnect, tcpServer, thrown, udpServer, until, v4 } from './helpers.js';

const LOOPBACK = [127, 0, 0, 1];

test('lookup: allowed name resolves; a name not allowed is access-denied before any resolution', async () => {
  const g = guest(policy({ net: ['localhost'] }));
  const addrs = await lookup(g, 'localhost');
  assert.ok(
    addrs.some((a) => a.tag === 'ipv4' && a.val.join('.') === '127.0.0.1'),
    JSON.stringify(addrs),
  );
  assert.equal(await thrown(() => lookup(g, 'example.com')), 'access-denied');
  assert.ok(netAudit(g).includes('wasi:sockets/ip-name-lookup#resolve-addresses example.com deny'));
});

test('lookup: no net at all denies lookups and socket creation', async () => {
  const g = guest(policy({}));
  assert.equal(await thrown(() => lookup(g, 'localhost')), 'access-denied');
  assert.equal(await thrown(() => g.imports['wasi:sockets/tcp-create-socket']!.createTcpSocket('ipv4')), 'access-denied');
  assert.equal(await thrown(() => g.imports['wasi:sockets/udp-create-socket']!.createUdpSocket('ipv4')), 'access-denied');
});

test('connect: an address from an allowed lookup is allowed; the same literal unlooked-up is not', async () => {
  const srv = await tcpServer();
  try {
    const g = guest(policy({ net: ['localhost'] }));
    // Before the lookup 127.0.0.1 is just a literal the guest made up.
    assert.equal(await thrown(() => tcpConnect(g, v4(LOOPBACK, srv.port))), 'access-denied');
    await lookup(g, 'localhost');
    assert.equal(await tcpConnect(g, v4(LOOPBACK, srv.port)), 'hello');
    assert.equal(srv.accepted(), 1);
    assert.ok(netAudit(g).includes(`wasi:sockets/tcp#tcp-socket.start-connect localhost:${srv.port} allow`));
  } finally {
    await srv.close();
  }
});

test("connect: the looked-up name's port rule applies to the connect port", async () => {
  const srv = await tcpServer();
  try {
    const g = guest(policy({ net: [`localhost:${srv.port}`] }));
    await lookup(g, 'localhost'); // a lookup has no port: the scoped allow covers it
    assert.equal(await tcpConnect(g, v4(LOOPBACK, srv.port)), 'hello');
    assert.equal(await thrown(() => tcpConnect(g, v4(LOOPBACK, srv.port === 65535 ? 1 : srv.port + 1))), 'access-denied');
  } finally {
    await srv.close();
  }
});

test('connect: a literal IP that is not allowed is access-denied and nothing connects', async () => {
  const srv = await tcpServer();
  try {
    const g = guest(policy({ net: ['localhost', '10.0.0.0/8'] }));
    assert.equal(await thrown(() => tcpConnect(g, v4(LOOPBACK, srv.port))), 'access-denied');
    assert.equal(srv.accepted(), 0);
    assert.ok(netAudit(g).includes(`wasi:sockets/tcp#tcp-socket.start-connect 127.0.0.1:${srv.port} deny`));
    // The allowed literal itself connects.
    const ok = guest(policy({ net: [`127.0.0.1:${srv.port}`] }));
    assert.equal(await tcpConnect(ok, v4(LOOPBACK, srv.port)), 'hello');
  } finally {
    await srv.close();
  }
});

test('connect: ::ffff:127.0.0.1 on an IPv6 socket is 127.0.0.1 (allowed and denied alike)', async () => {
  const srv = await tcpServer();
  try {
    const denied = guest(policy({ net: true }, { net: ['127.0.0.1'] }));
    assert.equal(await thrown(() => tcpConnect(denied, mapped(LOOPBACK, srv.port))), 'access-denied');
    const notAllowed = guest(policy({ net: ['10.0.0.1'] }));
    assert.equal(await thrown(() => tcpConnect(notAllowed, mapped(LOOPBACK, srv.port))), 'access-denied');
    assert.equal(srv.accepted(), 0);
    // Allowed as 127.0.0.1: the gate lets it through (the shim, following WASI, then refuses
    // IPv4-mapped remotes on IPv6 sockets with invalid-argument, never access-denied).
    const allowed = guest(policy({ net: ['127.0.0.1'] }));
    assert.equal(await thrown(() => tcpConnect(allowed, mapped(LOOPBACK, srv.port))), 'invalid-argument');
    assert.ok(netAudit(allowed).includes(`wasi:sockets/tcp#tcp-socket.start-connect 127.0.0.1:${srv.port} allow`));
  } finally {
    await srv.close();
  }
});

test('lookup: every spelling of a denied address is denied (decimal, hex, octal, short, mapped)', async () => {
  const g = guest(policy({ net: true }, { net: ['127.0.0.1'] }));
  for (const name of ['127.0.0.1', '2130706433', '0x7f000001', '0177.0.0.1', '127.1', '::ffff:127.0.0.1', '::ffff:7f00:1']) {
    assert.equal(await thrown(() => lookup(g, name)), 'access-denied', name);
  }
  // Control: another loopback address in an odd spelling resolves, to its canonical form.
  assert.deepEqual(await lookup(g, '0x7f000002'), [{ tag: 'ipv4', val: [127, 0, 0, 2] }]);
});

test('lookup: a name resolving to a denied address is denied (localhost with deny 127.0.0.1)', async () => {
  const srv = await tcpServer();
  try {
    const g = guest(policy({ net: ['localhost'] }, { net: ['127.0.0.1'] }));
    assert.equal(await thrown(() => lookup(g, 'localhost')), 'access-denied');
    assert.ok(netAudit(g).some((l) => l.startsWith('wasi:sockets/ip-name-lookup#resolve-next-address 127.0.0.1 (localhost) deny')));
    // And nothing was remembered: the address stays unconnectable.
    assert.equal(await thrown(() => tcpConnect(g, v4(LOOPBACK, srv.port))), 'access-denied');
    assert.equal(srv.accepted(), 0);
  } finally {
    await srv.close();
  }
});

test('connect: a deny added after the lookup blocks the remembered address on the next call', async () => {
  const srv = await tcpServer();
  try {
    const g = guest(policy({ net: ['localhost'] }));
    await lookup(g, 'localhost');
    assert.equal(await tcpConnect(g, v4(LOOPBACK, srv.port)), 'hello');
    g.engine.deny(g.subject, 'net', `127.0.0.1:${srv.port}`);
    assert.equal(await thrown(() => tcpConnect(g, v4(LOOPBACK, srv.port))), 'access-denied');
    assert.equal(srv.accepted(), 1);
  } finally {
    await srv.close();
  }
});

test('revocation of net mid-run takes effect at the next call', async () => {
  const srv = await tcpServer();
  try {
    const g = guest(policy({ net: ['localhost'] }));
    await lookup(g, 'localhost');
    const sock = g.imports['wasi:sockets/tcp-create-socket']!.createTcpSocket('ipv4'); // created while granted
    assert.equal(await tcpConnect(g, v4(LOOPBACK, srv.port)), 'hello');
    g.engine.revoke(g.subject, 'net');
    assert.equal(await thrown(() => sock.startConnect(g.network, v4(LOOPBACK, srv.port))), 'access-denied');
    assert.equal(await thrown(() => lookup(g, 'localhost')), 'access-denied');
    assert.equal(await thrown(() => tcpConnect(g, v4(LOOPBACK, srv.port))), 'access-denied');
    assert.equal(srv.accepted(), 1);
    g.engine.grant(g.subject, 'net', 'localhost');
    assert.equal(await tcpConnect(g, v4(LOOPBACK, srv.port)), 'hello', 'a new grant works at once, the lookup is still remembered');
  } finally {
    await srv.close();
  }
});

test('two guests: one guest’s lookup does not let another connect', async () => {
  const srv = await tcpServer();
  try {
    const a = guest(policy({ net: ['localhost'] }));
    const b = guest(policy({ net: ['localhost'] }), undefined, a.engine);
    await lookup(a, 'localhost');
    assert.equal(await tcpConnect(a, v4(LOOPBACK, srv.port)), 'hello');
    assert.equal(await thrown(() => tcpConnect(b, v4(LOOPBACK, srv.port))), 'access-denied');
  } finally {
    await srv.close();
  }
});

test('tcp bind and listen: the local address and the bound port are checked', async () => {
  const denied = guest(policy({ net: ['10.0.0.1'] }));
  const s1 = denied.imports['wasi:sockets/tcp-create-socket']!.createTcpSocket('ipv4');
  assert.equal(await thrown(() => s1.startBind(denied.network, v4(LOOPBACK, 0))), 'access-denied');

  // 127.0.0.1 on port 443 only: binding an ephemeral port passes, listening on it does not.
  const g = guest(policy({ net: ['127.0.0.1:443'] }));
  const s2 = g.imports['wasi:sockets/tcp-create-socket']!.createTcpSocket('ipv4');
  s2.startBind(g.network, v4(LOOPBACK, 0));
  await until(() => s2.finishBind());
  assert.equal(await thrown(() => s2.startListen()), 'access-denied');

  // Allowed on every port: listen works, and the guest's accepted socket is the gate's class.
  const ok = guest(policy({ net: ['127.0.0.1'] }));
  const TcpSocket = ok.imports['wasi:sockets/tcp']!.TcpSocket;
  const s3 = ok.imports['wasi:sockets/tcp-create-socket']!.createTcpSocket('ipv4');
  assert.ok(s3 instanceof TcpSocket);
  s3.startBind(ok.network, v4(LOOPBACK, 0));
  await until(() => s3.finishBind());
  s3.startListen();
  await until(() => s3.finishListen());
  const port = (s3.localAddress() as { val: { port: number } }).val.port;
  const client = ok.imports['wasi:sockets/tcp-create-socket']!.createTcpSocket('ipv4');
  client.startConnect(ok.network, v4(LOOPBACK, port));
  await until(() => client.finishConnect());
  const [peer] = await until(() => s3.accept());
  assert.ok(peer instanceof TcpSocket);
  // Revoked: the next accept is refused.
  ok.engine.revoke(ok.subject, 'net');
  assert.equal(await thrown(() => s3.accept()), 'access-denied');
  for (const s of [s1, s2, s3, client, peer]) s[Symbol.dispose]?.();
});

test('udp: bind, stream(remote) and each datagram destination are checked', async () => {
  const srv = await udpServer();
  try {
    const g = guest(policy({ net: [`127.0.0.1:${srv.port}`] }));
    const udp = g.imports['wasi:sockets/udp-create-socket']!.createUdpSocket('ipv4');
    assert.equal(await thrown(() => udp.startBind(g.network, v4([127, 0, 0, 2], 0))), 'access-denied');
    udp.startBind(g.network, v4(LOOPBACK, 0));
    await until(() => udp.finishBind());
    const [, out] = udp.stream(undefined) as [WasiInterface, WasiInterface];
    const data = (s: string) => new TextEncoder().encode(s);
    await until(() => out.checkSend());
    // Denied first datagram: access-denied, nothing sent.
    assert.equal(
      await thrown(() => out.send([{ data: data('no'), remoteAddress: v4(LOOPBACK, srv.port === 65535 ? 1 : srv.port + 1) }])),
      'access-denied',
    );
    // Allowed then denied: the allowed prefix is sent and counted.
    const n = out.send([
      { data: data('one'), remoteAddress: v4(LOOPBACK, srv.port) },
      { data: data('two'), remoteAddress: mapped([127, 0, 0, 9], srv.port) },
    ]);
    assert.equal(n, 1n);
    for (let i = 0; i < 200 && srv.received.length < 1; i++) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(srv.received, ['one']);

    const connected = g.imports['wasi:sockets/udp-create-socket']!.createUdpSocket('ipv4');
    connected.startBind(g.network, v4(LOOPBACK, 0));
    await until(() => connected.finishBind());
    assert.equal(await thrown(() => connected.stream(v4([127, 0, 0, 3], srv.port))), 'access-denied');
    const [, out2] = connected.stream(v4(LOOPBACK, srv.port)) as [WasiInterface, WasiInterface];
    await until(() => out2.checkSend());
    g.engine.revoke(g.subject, 'net');
    // The stream's fixed remote is re-checked on every send: revocation holds.
    assert.equal(await thrown(() => out2.send([{ data: data('late') }])), 'access-denied');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(srv.received, ['one']);
    for (const s of [udp, connected]) s[Symbol.dispose]?.();
  } finally {
    srv.close();
  }
});

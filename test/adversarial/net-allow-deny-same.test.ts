// Models allow and deny on the same thing resolving to allow (Deno CVE-2025-48888): deny always wins, whichever spelling or route each rule uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guest, httpGet, httpServer, lookup, outgoingGet, policy, tcpConnect, tcpServer, thrown, v4 } from '../net/helpers.js';

const LOOPBACK = [127, 0, 0, 1];

test('allow and deny of one address, in the same or different spellings: denied everywhere', async () => {
  const tcp = await tcpServer();
  const http = await httpServer();
  try {
    for (const [allow, deny] of [
      ['127.0.0.1', '127.0.0.1'],
      [`127.0.0.1:${tcp.port}`, '2130706433'],
      ['0x7f000001', `127.0.0.1:${tcp.port}`],
      ['127.0.0.0/8', '::ffff:127.0.0.1'],
    ]) {
      const g = guest(policy({ net: [allow!, `127.0.0.1:${http.port}`] }, { net: [deny!] }));
      assert.equal(await thrown(() => tcpConnect(g, v4(LOOPBACK, tcp.port))), 'access-denied', `${allow} / ${deny}`);
      // A port-less deny also stops the lookup; a deny with a port stops the connection only.
      if (!deny!.endsWith(`:${tcp.port}`)) assert.equal(await thrown(() => lookup(g, '127.0.0.1')), 'access-denied', deny);
    }
    assert.equal(tcp.accepted(), 0);
  } finally {
    await tcp.close();
    await http.close();
  }
});

test('allow the name, deny its address: the lookup, the remembered address and HTTP are all denied', async () => {
  const tcp = await tcpServer();
  const http = await httpServer();
  try {
    const g = guest(policy({ net: ['localhost'] }, { net: ['127.0.0.1'] }));
    assert.equal(await thrown(() => lookup(g, 'localhost')), 'access-denied');
    assert.equal(await thrown(() => tcpConnect(g, v4(LOOPBACK, tcp.port))), 'access-denied');
    assert.deepEqual(await thrown(() => httpGet(g, outgoingGet(g, 'HTTP', `localhost:${http.port}`))), { tag: 'HTTP-request-denied' });
    assert.equal(tcp.accepted(), 0);
    assert.equal(http.seen.length, 0);
  } finally {
    await tcp.close();
    await http.close();
  }
});

test('allow and deny of the same name: denied (lookup and HTTP); a deny of localhost also covers its loopback address', async () => {
  const http = await httpServer();
  try {
    const g = guest(policy({ net: ['localhost', `127.0.0.1:${http.port}`] }, { net: ['LOCALHOST.'] }));
    assert.equal(await thrown(() => lookup(g, 'localhost')), 'access-denied');
    assert.deepEqual(await thrown(() => httpGet(g, outgoingGet(g, 'HTTP', `localhost:${http.port}`))), { tag: 'HTTP-request-denied' });
    // `localhost` is the one name whose deny covers addresses: every loopback one (docs/network.md).
    assert.deepEqual(await thrown(() => httpGet(g, outgoingGet(g, 'HTTP', `127.0.0.1:${http.port}`))), { tag: 'HTTP-request-denied' });
    assert.equal(http.seen.length, 0);
  } finally {
    await http.close();
  }
});

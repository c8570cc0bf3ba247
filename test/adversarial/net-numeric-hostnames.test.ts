// Models network aliasing by numeric hostnames (Deno CVE-2026-49859, CVE-2026-49860; Deno spec test deny_net_numeric_hostname): 2130706433, 0x7f000001, ::ffff:127.0.0.1 are 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guest, httpGet, httpServer, lookup, mapped, outgoingGet, policy, tcpConnect, tcpServer, thrown } from '../net/helpers.js';

const SPELLINGS = [
  '2130706433',
  '0x7f000001',
  '0x7F.0.0.1',
  '0177.0.0.1',
  '127.1',
  '127.0.0.1.',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '0:0:0:0:0:ffff:7f00:1',
];

test('deny 127.0.0.1: no spelling of it resolves, connects or is fetched', async () => {
  const tcp = await tcpServer();
  const http = await httpServer();
  try {
    const g = guest(policy({ net: true }, { net: ['127.0.0.1'] }));
    for (const name of SPELLINGS) assert.equal(await thrown(() => lookup(g, name)), 'access-denied', `lookup ${name}`);
    assert.equal(await thrown(() => tcpConnect(g, mapped([127, 0, 0, 1], tcp.port))), 'access-denied');
    // HTTP authorities preview2-shim accepts (it would hand these to the OS resolver as names).
    for (const host of ['2130706433', '0x7f000001', '0177.0.0.1', '127.1']) {
      assert.deepEqual(
        await thrown(() => httpGet(g, outgoingGet(g, 'HTTP', `${host}:${http.port}`))),
        { tag: 'HTTP-request-denied' },
        host,
      );
    }
    assert.equal(tcp.accepted(), 0);
    assert.equal(http.seen.length, 0);
  } finally {
    await tcp.close();
    await http.close();
  }
});

test('a grant of one spelling is a grant of the address, not of a name (the check sees one address)', async () => {
  const http = await httpServer();
  try {
    const g = guest(policy({ net: [`2130706433:${http.port}`] }));
    assert.equal((await httpGet(g, outgoingGet(g, 'HTTP', `127.0.0.1:${http.port}`))).status, 203);
    // localhost is a name, not one of the address's spellings: it needs its own grant.
    assert.deepEqual(await thrown(() => httpGet(g, outgoingGet(g, 'HTTP', `localhost:${http.port}`))), { tag: 'HTTP-request-denied' });
  } finally {
    await http.close();
  }
});

test('a name resolving to a denied address is denied (localhost -> 127.0.0.1), by lookup and by HTTP', async () => {
  const tcp = await tcpServer();
  const http = await httpServer();
  try {
    const g = guest(policy({ net: ['localhost'] }, { net: ['127.0.0.1'] }));
    assert.equal(await thrown(() => lookup(g, 'localhost')), 'access-denied');
    assert.deepEqual(await thrown(() => httpGet(g, outgoingGet(g, 'HTTP', `localhost:${http.port}`))), { tag: 'HTTP-request-denied' });
    assert.equal(http.seen.length, 0);
    assert.equal(tcp.accepted(), 0);
  } finally {
    await tcp.close();
    await http.close();
  }
});

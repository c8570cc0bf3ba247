// Models loopback aliases around a deny of `localhost` (Deno's numeric aliases
// CVE-2026-49859/49860; spec test deny_net_numeric_hostname): `127.0.0.2`, `2130706433`,
// `[::ffff:127.0.0.1]`, `[::1]` are all the local host. A deny of `localhost` covers every
// loopback address, written as a literal or resolved from a name; HTTP, sockets and the
// native API alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNativeApi } from '../../host/native/index.js';
import { PolicyEngine } from '../../host/policy/index.js';
import { countingServer, guest, guestWithResolver, httpGet, mapped, outgoingGet, policy, tcpConnect, thrown, v4 } from '../net/helpers.js';

const DENIED = { tag: 'HTTP-request-denied' };
const MANIFEST = policy({ net: true }, { net: ['localhost'] });

test('deny localhost: every loopback literal is denied for HTTP and sockets', async () => {
  const srv = await countingServer('127.0.0.1');
  try {
    const g = guest(MANIFEST);
    for (const host of [
      'localhost',
      'LOCALHOST.',
      '127.0.0.1',
      '127.0.0.2',
      '127.255.255.254',
      '2130706433',
      '0x7f000001',
      '127.1',
      '[::ffff:127.0.0.1]',
      '[::1]',
    ]) {
      assert.deepEqual(await thrown(() => httpGet(g, outgoingGet(g, 'HTTP', `${host}:${srv.port}`))), DENIED, host);
    }
    assert.equal(await thrown(() => tcpConnect(g, v4([127, 0, 0, 1], srv.port))), 'access-denied');
    assert.equal(await thrown(() => tcpConnect(g, mapped([127, 0, 0, 1], srv.port))), 'access-denied');
    assert.equal(srv.connections(), 0);
  } finally {
    await srv.close();
  }
});

test('deny localhost: a name resolving to a loopback address is denied; a deny with a port blocks that port only', async () => {
  const srv = await countingServer('127.0.0.1');
  try {
    const g = guestWithResolver(policy({ net: true }, { net: ['localhost'] }), () => ({ addresses: ['127.0.0.1'] }));
    assert.deepEqual(await thrown(() => httpGet(g, outgoingGet(g, 'HTTP', `innocent.test:${srv.port}`))), DENIED);
    assert.equal(srv.connections(), 0);
    const other = srv.port === 65535 ? 1 : srv.port + 1;
    const p = guest(policy({ net: true }, { net: [`localhost:${other}`] }));
    assert.equal((await httpGet(p, outgoingGet(p, 'HTTP', `127.0.0.1:${srv.port}`))).status, 203);
  } finally {
    await srv.close();
  }
});

test('deny localhost: an allow of localhost stays the name (no literal is granted by it)', async () => {
  const srv = await countingServer('127.0.0.1');
  try {
    const g = guest(policy({ net: ['localhost'] }));
    assert.deepEqual(await thrown(() => httpGet(g, outgoingGet(g, 'HTTP', `127.0.0.2:${srv.port}`))), DENIED);
  } finally {
    await srv.close();
  }
});

test('deny localhost: the native API refuses loopback literals', async () => {
  const srv = await countingServer('127.0.0.1');
  try {
    const engine = new PolicyEngine();
    const api = createNativeApi({ engine, subject: engine.createSubject(MANIFEST, 'native') });
    for (const host of ['127.0.0.1', '127.0.0.9', '2130706433', '[::ffff:127.0.0.1]']) {
      const f = await api.fetch(`http://${host}:${srv.port}/`);
      assert.equal(f.ok ? 'ok' : f.code, 'HTTP-request-denied', host);
    }
    const c = await api.connect('127.0.0.1', srv.port);
    if (c.ok) c.value.destroy();
    assert.equal(c.ok ? 'ok' : c.code, 'access-denied');
    assert.equal(srv.connections(), 0);
  } finally {
    await srv.close();
  }
});

// Models address aliases of the local host (Deno's numeric aliases CVE-2026-49859/49860, the
// CVE-2026-49411 family; Linux connect semantics): with 127.0.0.0/8 denied, `0.0.0.0`, `0`,
// `0x0`, `000.000.000.000`, `[::]` or `[::ffff:0.0.0.0]` would still reach a service on
// 127.0.0.1, because Linux connects the unspecified address to the local host. They are never
// a destination: HTTP, sockets and the native API all refuse them, however spelt, and a name
// resolving to one is refused too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNativeApi } from '../../host/native/index.js';
import { PolicyEngine } from '../../host/policy/index.js';
import { countingServer, guest, guestWithResolver, httpGet, outgoingGet, policy, tcpConnect, thrown, v4, v6 } from '../net/helpers.js';

const DENIED = { tag: 'HTTP-request-denied' };
const HOSTS = ['0.0.0.0', '0', '0x0', '000.000.000.000', '0.1.2.3', '[::]', '[::ffff:0.0.0.0]', '[0:0:0:0:0:0:0:0]'];
const MANIFEST = policy({ net: true }, { net: ['127.0.0.0/8'] });

test('HTTP: no spelling of an unspecified address is a destination (the loopback server sees nothing)', async () => {
  const srv = await countingServer('127.0.0.1');
  try {
    const g = guest(MANIFEST);
    for (const host of HOSTS) {
      assert.deepEqual(await thrown(() => httpGet(g, outgoingGet(g, 'HTTP', `${host}:${srv.port}`))), DENIED, host);
    }
    // Even with nothing denied at all.
    const open = guest(policy({ net: true }));
    assert.deepEqual(await thrown(() => httpGet(open, outgoingGet(open, 'HTTP', `0:${srv.port}`))), DENIED);
    assert.equal(srv.connections(), 0);
    assert.ok(g.audit.some((r) => (r.target ?? '').includes('unspecified address') && r.decision === 'deny'));
  } finally {
    await srv.close();
  }
});

test('HTTP: a name resolving to 0.0.0.0 is refused', async () => {
  const srv = await countingServer('127.0.0.1');
  try {
    const g = guestWithResolver(policy({ net: true }), () => ({ addresses: ['0.0.0.0'] }));
    assert.deepEqual(await thrown(() => httpGet(g, outgoingGet(g, 'HTTP', `zero.test:${srv.port}`))), DENIED);
    assert.equal(srv.connections(), 0);
  } finally {
    await srv.close();
  }
});

test('sockets: connect to 0.0.0.0 or :: is access-denied', async () => {
  const srv = await countingServer('127.0.0.1');
  try {
    const g = guest(MANIFEST);
    assert.equal(await thrown(() => tcpConnect(g, v4([0, 0, 0, 0], srv.port))), 'access-denied');
    assert.equal(await thrown(() => tcpConnect(g, v6([0, 0, 0, 0, 0, 0, 0, 0], srv.port))), 'access-denied');
    assert.equal(await thrown(() => tcpConnect(g, v6([0, 0, 0, 0, 0, 0xffff, 0, 0], srv.port))), 'access-denied');
    assert.equal(srv.connections(), 0);
  } finally {
    await srv.close();
  }
});

test('native API: fetch and connect refuse every spelling', async () => {
  const srv = await countingServer('127.0.0.1');
  try {
    const engine = new PolicyEngine();
    const api = createNativeApi({ engine, subject: engine.createSubject(MANIFEST, 'native') });
    for (const host of HOSTS) {
      const f = await api.fetch(`http://${host}:${srv.port}/`);
      assert.equal(f.ok ? 'ok' : f.code, 'HTTP-request-denied', `fetch ${host}`);
      const c = await api.connect(host.replace(/^\[|\]$/g, ''), srv.port);
      if (c.ok) c.value.destroy();
      assert.equal(c.ok ? 'ok' : c.code, 'access-denied', `connect ${host}`);
    }
    assert.equal(srv.connections(), 0);
  } finally {
    await srv.close();
  }
});

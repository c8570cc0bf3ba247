// Models DNS rebinding between the check and the connection (Spin GHSA-f3h7-gpjj-wcvh; Deno
// CVE-2026-49860, a post-DNS check skipped): a name answers an allowed address when the host
// checks it and a denied one when the host connects. molt-wasm resolves once and connects to
// the checked address (host/gate/http.ts, host/node/pinned-request.ts), so the second answer
// is never asked for and never reached. Also Spin's Host-header SSRF (CVE-2024-32980): the
// pinned request still names the host it was checked for, in `Host`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resolution } from '../../host/gate/net.js';
import { pinnedRequest } from '../../host/node/pinned-request.js';
import { countingServer, guestWithResolver, httpGet, outgoingGet, policy } from '../net/helpers.js';

/** Server A on 127.0.0.1:p (allowed) and B on 127.0.0.2:p (denied), the same port. */
async function twoServers(): Promise<{ a: Awaited<ReturnType<typeof countingServer>>; b: Awaited<ReturnType<typeof countingServer>> }> {
  for (let tries = 0; ; tries++) {
    const a = await countingServer('127.0.0.1');
    try {
      return { a, b: await countingServer('127.0.0.2', a.port) };
    } catch (e) {
      await a.close();
      if (tries > 20) throw e;
    }
  }
}

test('a name answering allowed-then-denied: the request goes to the checked address; the second answer is never asked for', async () => {
  const { a, b } = await twoServers();
  try {
    let calls = 0;
    const rebinding = (name: string): Resolution => {
      assert.equal(name, 'rebind.test');
      return { addresses: [calls++ === 0 ? '127.0.0.1' : '127.0.0.2'] };
    };
    const g = guestWithResolver(policy({ net: [`rebind.test:${a.port}`] }, { net: ['127.0.0.2'] }), rebinding);
    const r = await httpGet(g, outgoingGet(g, 'HTTP', `rebind.test:${a.port}`, '/pinned'));
    assert.deepEqual(r, { status: 203, body: 'molt /pinned' });
    assert.equal(calls, 1, 'the name is resolved once');
    assert.equal(b.connections(), 0, 'the denied address is never contacted');
    assert.equal(a.connections(), 1);
    // The connection went to the address, the request still names the host (Host, not the IP).
    assert.equal(a.seen[0]!.headers.host, `rebind.test:${a.port}`);

    // A second request resolves again (answer: the denied address) and is refused.
    await assert.rejects(
      () => httpGet(g, outgoingGet(g, 'HTTP', `rebind.test:${a.port}`)),
      (e) => (e as { tag?: string }).tag === 'HTTP-request-denied',
    );
    assert.equal(b.connections(), 0);
  } finally {
    await a.close();
    await b.close();
  }
});

test('pinnedRequest (the one implementation behind guests and the native API) never resolves the name itself', async () => {
  const { a, b } = await twoServers();
  try {
    // `rebind.test` does not resolve anywhere: only the pinned address can be reached.
    const status = await new Promise<number>((resolve, reject) => {
      const req = pinnedRequest(
        { scheme: 'http:', host: 'rebind.test', port: a.port, addresses: [{ address: '127.0.0.1', family: 4 }] },
        { method: 'GET', path: '/x' },
      );
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 203);
    assert.equal(a.seen[0]!.headers.host, `rebind.test:${a.port}`);
    assert.equal(b.connections(), 0);
  } finally {
    await a.close();
    await b.close();
  }
});

// Models SSRF through a redirect followed by the host (the SSRF classic behind Spin
// GHSA-f3h7-gpjj-wcvh and Wasmtime's outgoing HTTP bypassing its socket check): an allowed
// origin answers 302 to a denied one. The Node host never follows: the guest (and the native
// API's caller) sees the 302, and the guest's next request, to the Location, is checked like
// the first. (The browser host: test/browser/redirect.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNativeApi } from '../../host/native/index.js';
import { PolicyEngine } from '../../host/policy/index.js';
import { countingServer, guest, httpGet, outgoingGet, policy, thrown } from '../net/helpers.js';

test('302 to a denied origin: the guest sees the 302, the denied origin is never contacted, the follow-up is denied', async () => {
  const denied = await countingServer('127.0.0.1');
  const allowed = await countingServer('127.0.0.1', 0, { status: 302, headers: { location: `http://127.0.0.1:${denied.port}/secret` } });
  try {
    const g = guest(policy({ net: [`127.0.0.1:${allowed.port}`] }));
    assert.equal((await httpGet(g, outgoingGet(g, 'HTTP', `127.0.0.1:${allowed.port}`))).status, 302);
    assert.deepEqual(await thrown(() => httpGet(g, outgoingGet(g, 'HTTP', `127.0.0.1:${denied.port}`, '/secret'))), {
      tag: 'HTTP-request-denied',
    });
    const engine = new PolicyEngine();
    const api = createNativeApi({ engine, subject: engine.createSubject(policy({ net: [`127.0.0.1:${allowed.port}`] }), 'native') });
    const f = await api.fetch(`http://127.0.0.1:${allowed.port}/`);
    assert.equal(f.ok ? f.value.status : f.code, 302);
    assert.equal(denied.connections(), 0);
  } finally {
    await allowed.close();
    await denied.close();
  }
});

// Models host exhaustion through host calls (Wasmtime GHSA-852m-cvvp-9p4w family), through the
// audit log: a lookup name or an HTTP authority could be as long as the guest's memory, and
// every refusal recorded it whole, so a guest with no `net` grant wrote a record of megabytes
// per call to the audit log (and to its denial notice). No DNS name is longer than 253
// characters: longer names and authorities are refused before they are checked or recorded,
// and what an HTTP refusal records of a guest's string is cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guest, outgoingGet, policy, thrown } from '../net/helpers.js';

test('a lookup name longer than any DNS name is invalid-argument, and nothing of it is recorded', async () => {
  const g = guest(policy({}));
  const huge = 'a'.repeat(1 << 20) + '.example.com';
  assert.equal(await thrown(() => g.imports['wasi:sockets/ip-name-lookup'].resolveAddresses(g.network, huge)), 'invalid-argument');
  assert.ok(
    g.audit.every((r) => (r.target ?? '').length < 1024),
    'a record as long as the name',
  );
  // A name of DNS length is decided (and refused) as before.
  assert.equal(
    await thrown(() => g.imports['wasi:sockets/ip-name-lookup'].resolveAddresses(g.network, 'a'.repeat(60) + '.example.com')),
    'access-denied',
  );
});

test('an HTTP authority or target longer than any host is refused, and the record of it is cut', async () => {
  const g = guest(policy({ net: ['127.0.0.1:9'] }));
  const handle = g.imports['wasi:http/outgoing-handler'];
  const huge = 'a'.repeat(1 << 20);
  assert.deepEqual(await thrown(() => handle.handle(outgoingGet(g, 'HTTP', `${huge}.example.com`), undefined)), {
    tag: 'HTTP-request-denied',
  });
  assert.deepEqual(await thrown(() => handle.handle(outgoingGet(g, 'HTTP', '127.0.0.1:9', `http://${huge}/`), undefined)), {
    tag: 'HTTP-request-denied',
  });
  assert.equal(g.audit.length, 2);
  for (const r of g.audit) assert.ok((r.target ?? '').length < 1024, `a record of ${(r.target ?? '').length} characters`);
});

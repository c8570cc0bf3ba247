// Models SSRF through a Host header (Spin CVE-2024-32980, spin#3016; Wasmtime's outgoing HTTP bypassing its socket check): the authority is checked, the Host header must not name another host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WasiPlatform } from '../../host/gate/index.js';
import { double } from '../support/test-double.js';
import type { FutureIncomingResponse, OutgoingRequest } from '../../host/gate/wasi.js';
import { nodePlatform } from '../../host/node/platform.js';
import { guest, httpGet, httpServer, outgoingGet, policy, thrown } from '../net/helpers.js';

const enc = new TextEncoder();

test('an allowed authority with a Host header for an internal service is refused before the platform sees it', async () => {
  const sent: unknown[] = [];
  const platform: WasiPlatform = {
    ...nodePlatform,
    http: {
      types: nodePlatform.http.types,
      outgoingHandler: { handle: (r: unknown) => (sent.push(r), double<FutureIncomingResponse>('future')) },
    },
  };
  const g = guest(policy({ net: ['127.0.0.1:8080'] }), platform);
  const request = (host: string): OutgoingRequest =>
    double<OutgoingRequest>({
      scheme: () => ({ tag: 'HTTP' }),
      authority: () => '127.0.0.1:8080',
      headers: () => ({ entries: () => [['Host', enc.encode(host)]] }),
    });
  for (const host of ['169.254.169.254', 'admin.internal', 'localhost:8080', '127.0.0.1:22', ' 169.254.169.254']) {
    assert.deepEqual(
      await thrown(() => g.imports['wasi:http/outgoing-handler']!.handle(request(host), undefined)),
      { tag: 'HTTP-request-denied' },
      host,
    );
  }
  assert.equal(sent.length, 0);
  assert.equal(await thrown(() => g.imports['wasi:http/outgoing-handler']!.handle(request('127.0.0.1:8080'), undefined)), 'no error');
  assert.equal(sent.length, 1);
});

test('with preview2-shim a guest cannot set Host at all, and the server sees the checked authority', async () => {
  const srv = await httpServer();
  try {
    const g = guest(policy({ net: [`127.0.0.1:${srv.port}`] }));
    const T = g.imports['wasi:http/types']!;
    assert.deepEqual(await thrown(() => new T.Fields().append('Host', enc.encode('169.254.169.254'))), { tag: 'forbidden' });
    assert.deepEqual(await thrown(() => T.Fields.fromList([['host', enc.encode('169.254.169.254')]])), { tag: 'forbidden' });
    await httpGet(g, outgoingGet(g, 'HTTP', `127.0.0.1:${srv.port}`));
    assert.equal(srv.seen[0]!.headers.host, `127.0.0.1:${srv.port}`);
  } finally {
    await srv.close();
  }
});

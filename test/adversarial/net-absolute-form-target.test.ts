// Models SSRF through the request target (Spin CVE-2024-32980's class, the Host header refused by
// net-host-header.test.ts): a path-with-query in absolute form (`http://169.254.169.254/…`) or
// authority form (`internal:22`) is sent as the request line's target, and RFC 9112 section 3.2.2
// makes a server or proxy route on that target's authority, ignoring `Host`. The gate checked
// the request's authority only; the target must be origin form (starting with `/`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countingServer, guest, httpGet, outgoingGet, policy, thrown } from '../net/helpers.js';

test('a request target naming another authority is refused before anything is sent', async () => {
  const srv = await countingServer('127.0.0.1');
  try {
    const g = guest(policy({ net: [`127.0.0.1:${srv.port}`] }));
    const handle = g.imports['wasi:http/outgoing-handler'];
    for (const target of [
      'http://169.254.169.254/latest/meta-data/',
      'https://admin.internal/',
      'HTTP://127.0.0.1:22/',
      'admin.internal:22',
      '*',
      '@169.254.169.254/',
    ]) {
      assert.deepEqual(
        await thrown(() => handle.handle(outgoingGet(g, 'HTTP', `127.0.0.1:${srv.port}`, target), undefined)),
        { tag: 'HTTP-request-denied' },
        target,
      );
    }
    assert.equal(srv.connections(), 0, JSON.stringify(srv.seen));
    assert.ok(g.audit.some((r) => r.code === 'request-target' && r.decision === 'deny'));
    // Origin form (`//x` is a path whose first segment is empty) still reaches the allowed server.
    const ok = await httpGet(g, outgoingGet(g, 'HTTP', `127.0.0.1:${srv.port}`, '/x?y=http://z/'));
    assert.equal(ok.status, 203);
    const ok2 = await httpGet(g, outgoingGet(g, 'HTTP', `127.0.0.1:${srv.port}`, '//x'));
    assert.equal(ok2.status, 203);
    assert.deepEqual(
      srv.seen.map((s) => s.url),
      ['/x?y=http://z/', '//x'],
    );
  } finally {
    await srv.close();
  }
});

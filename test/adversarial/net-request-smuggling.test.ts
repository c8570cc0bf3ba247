// Models request smuggling as SSRF (the Host-header class of Spin CVE-2024-32980, by other
// means): preview2-shim's fields forbid only `host`, `connection` and `keep-alive`, so a guest
// allowed to reach one authority set `transfer-encoding`, `upgrade: h2c` or a `content-length`
// shorter than its body, and the bytes past the declared length went out on the wire as a
// second request, `GET /smuggled` with `Host: admin.internal`, which a proxy in front of the
// checked authority routes on that Host. Framing headers are the host's (Wasmtime forbids the
// same), and a body must be exactly as long as its `content-length`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { guest, policy, thrown, type Guest } from '../net/helpers.js';

const enc = new TextEncoder();
const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: admin.internal\r\n\r\n';

/** A raw TCP server recording every byte it is sent (answers 200 after a moment). */
async function rawServer(): Promise<{ port: number; bytes: () => string; close: () => Promise<void> }> {
  let seen = '';
  const conns = new Set<Socket>();
  const server = createServer((s) => {
    conns.add(s);
    s.on('data', (d) => (seen += d.toString('latin1')));
    s.on('error', () => undefined);
    setTimeout(() => s.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'), 100);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    bytes: () => seen,
    close: async () => {
      for (const c of conns) c.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** handle() of a POST with `headers` and `body`, then its response (or error), as one value. */
async function post(g: Guest, port: number, headers: [string, string][], body: string): Promise<unknown> {
  const T = g.imports['wasi:http/types'];
  const fields = new T.Fields();
  for (const [k, v] of headers) fields.append(k, enc.encode(v));
  const req = new T.OutgoingRequest(fields);
  req.setMethod({ tag: 'post' });
  req.setScheme({ tag: 'HTTP' });
  req.setAuthority(`127.0.0.1:${port}`);
  req.setPathWithQuery('/');
  const b = req.body();
  const out = b.write();
  const written = await thrown(() => out.blockingWriteAndFlush(enc.encode(body)));
  out[Symbol.dispose]?.();
  const finished = await thrown(() => T.OutgoingBody.finish(b, undefined));
  let future;
  try {
    future = g.imports['wasi:http/outgoing-handler'].handle(req, undefined);
  } catch (e) {
    return e;
  }
  for (const end = Date.now() + 10_000; Date.now() < end;) {
    const r = future.get();
    if (r !== undefined) return written !== 'no error' ? written : finished !== 'no error' ? finished : r.tag === 'ok' ? r.val.tag : r;
    await new Promise((res) => setTimeout(res, 10));
  }
  return 'no response';
}

test('framing headers set by the guest are refused before anything is sent', async () => {
  const srv = await rawServer();
  try {
    const g = guest(policy({ net: [`127.0.0.1:${srv.port}`] }));
    for (const headers of [
      [['transfer-encoding', 'chunked']],
      [
        ['Transfer-Encoding', 'chunked'],
        ['content-length', '5'],
      ],
      [['upgrade', 'h2c']],
      [['te', 'trailers']],
      [['http2-settings', 'AAMAAABkAAQAAP__']],
      [['proxy-connection', 'keep-alive']],
      [
        ['content-length', '5'],
        ['content-length', '50'],
      ],
      [['content-length', '5, 50']],
      [['content-length', '-1']],
    ] as [string, string][][]) {
      assert.deepEqual(await post(g, srv.port, headers, 'hello' + SMUGGLED), { tag: 'HTTP-request-denied' }, JSON.stringify(headers));
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(srv.bytes(), '');
    assert.ok(g.audit.some((r) => r.code === 'request-header' && r.decision === 'deny'));
  } finally {
    await srv.close();
  }
});

test('a body longer or shorter than its content-length never reaches the wire as more than the length', async () => {
  const srv = await rawServer();
  try {
    const g = guest(policy({ net: [`127.0.0.1:${srv.port}`] }));
    const longer = await post(g, srv.port, [['content-length', '5']], 'hello' + SMUGGLED);
    assert.notEqual(longer, 'ok');
    const shorter = await post(g, srv.port, [['content-length', '500']], 'hello');
    assert.notEqual(shorter, 'ok');
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(!srv.bytes().includes('smuggled'), srv.bytes());
    // The exact length still goes through.
    assert.equal(await post(g, srv.port, [['content-length', '5']], 'hello'), 'ok');
    assert.match(srv.bytes(), /content-length: 5\r\n[^]*\r\n\r\nhello/);
  } finally {
    await srv.close();
  }
});

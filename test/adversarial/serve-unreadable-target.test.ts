// Models two parsers seeing two requests (the request-target spellings behind path-based
// access-control bypasses; serve-absolute-form-target.test.ts is the readable half): `serve`
// turned an absolute-form target into origin form, but a target it could not read
// (`http://[bad/`, authority form `x.example:22`, `http:///admin` which WHATWG URL parsing
// reads as host `admin`, userinfo `http://u@x/admin`) was handed to the guest as written, so a
// guest checking paths that start with `/admin` and a router parsing the target as a URL
// disagreed about what was asked. Such a target is now a 400 from the server, and no guest runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { ServedRequest } from '../../host/serve/incoming.js';
import { servedTarget } from '../../host/serve/target.js';
import { buildWatProxy } from '../serve/build.js';
import { get, serve, type Served } from '../serve/helpers.js';

// Node's own parser (llhttp) already refuses `x.example:22` and `admin` with its 400; the
// others reached the guest.
const UNREADABLE = ['http://[bad/', 'http:///admin', 'x.example:22', 'http://user@x.example/admin', 'ftp://x.example/admin', 'admin'];

test('servedTarget reads origin form, * and http(s) absolute form, and nothing else', () => {
  for (const t of UNREADABLE) assert.equal(servedTarget(t), null, t);
  assert.equal(servedTarget('http://x.example\\admin'), null);
  assert.deepEqual(servedTarget('/admin?a=1'), { pathWithQuery: '/admin?a=1' });
  assert.deepEqual(servedTarget('*'), { pathWithQuery: '*' });
  assert.deepEqual(servedTarget('http://x.example/admin'), { pathWithQuery: '/admin', authority: 'x.example' });
  // A worker never hands one to a guest as written either.
  for (const t of UNREADABLE)
    assert.throws(
      () => new ServedRequest({ method: 'GET', pathWithQuery: t, authority: 'front', headers: [], body: new Uint8Array(0) }),
      TypeError,
      t,
    );
});

let s: Served;
before(async () => {
  s = await serve(['--workers', '1', await buildWatProxy()]);
});
after(async () => {
  await s?.stop();
});

/** One request with `target` written as it is on the request line; the status code. */
function rawStatus(target: string): Promise<number> {
  const { hostname, port } = new URL(s.url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), hostname, () =>
      sock.write(`GET ${target} HTTP/1.1\r\nHost: front.example\r\nConnection: close\r\n\r\n`),
    );
    let text = '';
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => (text += d));
    sock.on('error', reject);
    sock.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
  });
}

test('serve answers 400 to a target it cannot read; the guest answers the rest', async () => {
  for (const t of UNREADABLE) assert.equal(await rawStatus(t), 400, t);
  // The guest (WAT proxy) answers 200 to any path it gets, `http://x/` read as `/`.
  assert.equal(await rawStatus('http://x.example/'), 200);
  const ok = await get(`${s.url}/`);
  assert.equal(ok.status, 200);
  assert.equal(ok.body, 'count=1\n');
});

// Models two parsers seeing two requests (the request-target spellings behind path-based
// access-control bypasses): a client of `molt-wasm serve` sent `GET http://x/admin HTTP/1.1`
// (absolute form, which RFC 9112 section 3.2.2 says every server must accept), and the guest's
// `path-with-query` was `http://x/admin`, not `/admin`, with the authority taken from `Host`
// although the target names another. A guest refusing paths that start with `/admin`, then
// routing on the parsed URL, let it through. Wasmtime's serve hands the guest the origin
// form (`/admin`) and the target's authority; so does molt-wasm now.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServedRequest } from '../../host/serve/incoming.js';

const served = (pathWithQuery: string, authority: string | undefined = 'front.example') =>
  new ServedRequest({ method: 'GET', pathWithQuery, authority, headers: [], body: new Uint8Array(0) });

test("an absolute-form target reaches the guest as its path and the target's authority", () => {
  for (const [target, path, authority] of [
    ['http://x.example/admin?a=1', '/admin?a=1', 'x.example'],
    ['HTTP://X.EXAMPLE:8080/admin', '/admin', 'x.example:8080'],
    ['https://x.example', '/', 'x.example'],
    ['http://x.example?q', '/?q', 'x.example'],
  ] as const) {
    const r = served(target);
    assert.equal(r.pathWithQuery(), path, target);
    assert.equal(r.authority(), authority, target);
  }
});

test('an origin-form target is passed as it is, with the Host authority', () => {
  for (const target of ['/admin', '/a//b?x=http://y/', '//x.example/admin', '*']) {
    const r = served(target);
    assert.equal(r.pathWithQuery(), target);
    assert.equal(r.authority(), 'front.example');
  }
});

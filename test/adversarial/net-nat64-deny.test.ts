// Models the NAT64 spelling of a denied IPv4 address: on an IPv6-only host with NAT64 (and
// DNS64, which answers AAAA 64:ff9b::a.b.c.d for IPv4-only names), 64:ff9b::a9fe:a9fe reaches
// 169.254.169.254 (RFC 6052's well-known prefix). A guest with a broad net grant and
// `--deny-net=169.254.169.254` must not reach the metadata service by writing its address in
// that prefix, or by a name resolving to it; the same for a denied IPv4 range. HTTP, sockets
// and the policy engine alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyEngine } from '../../host/policy/index.js';
import { NetScope } from '../../host/policy/scopes/net.js';
import { guest, guestWithResolver, httpGet, outgoingGet, policy, tcpConnect, thrown, v6 } from '../net/helpers.js';

const DENIED = { tag: 'HTTP-request-denied' };
const MANIFEST = policy({ net: true }, { net: ['169.254.169.254', '10.0.0.0/8'] });

test('NAT64: a denied IPv4 address or range is denied in its 64:ff9b::/96 spelling', () => {
  const engine = new PolicyEngine();
  const s = engine.createSubject(MANIFEST, 'nat64');
  const denied = (host: string): boolean => engine.check(s, 'net', { kind: 'net', host, port: 80 }) !== 'ok';
  for (const host of [
    '64:ff9b::a9fe:a9fe',
    '64:ff9b::169.254.169.254',
    '64:FF9B:0:0:0:0:A9FE:A9FE',
    '64:ff9b::a00:1',
    '64:ff9b::10.255.0.9',
  ]) {
    assert.ok(denied(host), host);
  }
  // The scope type itself says the same (the engine's index mirrors it).
  assert.ok(NetScope.parse('169.254.169.254').blocks({ host: '64:ff9b::a9fe:a9fe', port: 80 }));
  assert.ok(NetScope.parse('10.0.0.0/8').blocks({ host: '64:ff9b::a00:1', port: 80 }));
  assert.ok(!NetScope.parse('169.254.169.254').allows({ host: '64:ff9b::a9fe:a9fe', port: 80 }), 'an allow is not widened');
  // Other NAT64 addresses, and the plain IPv6 neighbours, stay as granted as before.
  for (const host of ['64:ff9b::808:808', '64:ff9c::a9fe:a9fe', '2001:db8::a9fe:a9fe']) assert.ok(!denied(host), host);
});

test('NAT64 local-use 64:ff9b:1::/48 (RFC 8215): every prefix length the network may choose is a spelling of the denied address', () => {
  const engine = new PolicyEngine();
  const s = engine.createSubject(MANIFEST, 'nat64-local');
  const denied = (host: string): boolean => engine.check(s, 'net', { kind: 'net', host, port: 80 }) !== 'ok';
  // 169.254.169.254 (a9.fe.a9.fe) placed as RFC 6052 section 2.2 places it under a /96, /64, /56
  // (with and without a subnet octet) and /48, around the reserved octet (bits 64-71).
  for (const host of [
    '64:ff9b:1::a9fe:a9fe',
    '64:ff9b:1::169.254.169.254',
    '64:ff9b:1:0:a9:fea9:fe00:0',
    '64:ff9b:1:a9:fe:a9fe::',
    '64:ff9b:1:12a9:fe:a9fe::',
    '64:ff9b:1:a9fe:a9:fe00::',
    '64:ff9b:1::a00:1',
  ]) {
    assert.ok(denied(host), host);
    assert.ok(
      NetScope.parse('169.254.169.254').blocks({ host, port: 80 }) || NetScope.parse('10.0.0.0/8').blocks({ host, port: 80 }),
      host,
    );
  }
  // Outside the /48, or an IPv4 address no placement gives, stays as granted.
  for (const host of ['64:ff9b:2::a9fe:a9fe', '64:ff9b:1::808:808', '64:ff9b:1:0:8:808:800:0']) assert.ok(!denied(host), host);
});

test('NAT64: HTTP and sockets to the NAT64 spelling of a denied address are refused before any connection', async () => {
  const g = guest(MANIFEST);
  assert.deepEqual(await thrown(() => httpGet(g, outgoingGet(g, 'HTTP', '[64:ff9b::a9fe:a9fe]:80'))), DENIED);
  assert.equal(await thrown(() => tcpConnect(g, v6([0x64, 0xff9b, 0, 0, 0, 0, 0xa9fe, 0xa9fe], 80))), 'access-denied');
  // A name that DNS64 answers in the prefix is denied where it leads.
  const r = guestWithResolver(MANIFEST, () => ({ addresses: ['64:ff9b::a9fe:a9fe'] }));
  assert.deepEqual(await thrown(() => httpGet(r, outgoingGet(r, 'HTTP', 'metadata.test:80'))), DENIED);
});

// The pure pieces of the network gates: WASI address records to one canonical text, HTTP
// authorities, Host comparison, and the engine's deny-only query.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Authority, ipAddressText, resolverName, socketEndpoint, type Endpoint, type Port } from '../../host/net/index.js';
import { PolicyEngine } from '../../host/policy/index.js';
import { policy } from './helpers.js';

test('WASI addresses: IPv4-mapped IPv6 is the IPv4 address; malformed records are null', () => {
  assert.equal(ipAddressText({ tag: 'ipv4', val: [127, 0, 0, 1] }), '127.0.0.1');
  assert.equal(ipAddressText({ tag: 'ipv6', val: [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1] }), '127.0.0.1');
  assert.equal(ipAddressText({ tag: 'ipv6', val: [0, 0, 0, 0, 0, 0, 0, 1] }), '::1');
  for (const bad of [
    null,
    {},
    { tag: 'ipv4', val: [256, 0, 0, 1] },
    { tag: 'ipv4', val: [1, 2, 3] },
    { tag: 'ipv6', val: [0x10000, 0, 0, 0, 0, 0, 0, 0] },
    { tag: 'x', val: [] },
  ]) {
    assert.equal(ipAddressText(bad), null, JSON.stringify(bad));
  }
  assert.deepEqual(socketEndpoint({ tag: 'ipv4', val: { port: 80, address: [10, 0, 0, 1] } }), { host: '10.0.0.1', port: 80 });
  assert.deepEqual(socketEndpoint({ tag: 'ipv4', val: { port: 0, address: [10, 0, 0, 1] } }), { host: '10.0.0.1' });
  assert.equal(socketEndpoint({ tag: 'ipv4', val: { port: 70000, address: [10, 0, 0, 1] } }), null);
});

test('resolver names: odd IPv4 spellings are handed over in their canonical form', () => {
  assert.equal(resolverName('2130706433'), '127.0.0.1');
  assert.equal(resolverName('0x7f000001'), '127.0.0.1');
  assert.equal(resolverName('localhost'), 'localhost');
  assert.equal(resolverName('::ffff:127.0.0.1'), '::ffff:127.0.0.1');
});

/** An authority as a plain host and port (null when unreadable). */
function parseAuthority(text: string, defaultPort: number): Endpoint | null {
  const a = Authority.parse(text, defaultPort as Port);
  return a === null ? null : { host: a.host, port: a.port };
}

/** Whether two `host:port` authorities name the same endpoint. */
function sameEndpoint(a: { host: string; port: number }, b: { host: string; port: number }): boolean {
  const text = (e: { host: string; port: number }) => `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
  const pa = Authority.parse(text(a), 1 as Port);
  const pb = Authority.parse(text(b), 1 as Port);
  return pa !== null && pb !== null && pa.sameAs(pb);
}

test('authorities: default ports, IPv6 brackets; userinfo, paths and bad ports are unreadable', () => {
  assert.deepEqual(parseAuthority('example.com', 443), { host: 'example.com', port: 443 });
  assert.deepEqual(parseAuthority('[::1]:8080', 80), { host: '::1', port: 8080 });
  for (const bad of ['', 'user@h', 'h/x', 'h:0', 'h:65536', 'h:', ':80', 'a:b:c', '[::1', '[127.0.0.1]', 'h 1', 'h%2f']) {
    assert.equal(parseAuthority(bad, 80), null, bad);
  }
  assert.ok(sameEndpoint({ host: 'LOCALHOST.', port: 80 }, { host: 'localhost', port: 80 }));
  assert.ok(sameEndpoint({ host: '0x7f000001', port: 80 }, { host: '127.0.0.1', port: 80 }));
  assert.ok(!sameEndpoint({ host: 'localhost', port: 80 }, { host: '127.0.0.1', port: 80 }));
  assert.ok(!sameEndpoint({ host: '127.0.0.1', port: 80 }, { host: '127.0.0.1', port: 81 }));
});

test('engine.denies: deny rules alone, any spelling, ports; fails closed', () => {
  const e = new PolicyEngine();
  const s = e.createSubject(policy({ net: ['localhost'] }, { net: ['127.0.0.1', '[::1]:8080'] }));
  const t = (host: string, port?: number) => (port === undefined ? { kind: 'net' as const, host } : { kind: 'net' as const, host, port });
  assert.equal(e.denies(s, 'net', t('2130706433')), true);
  assert.equal(e.denies(s, 'net', t('127.0.0.2')), false);
  assert.equal(e.denies(s, 'net', t('::1')), false, 'a deny with a port does not block a port-less target');
  assert.equal(e.denies(s, 'net', t('::1', 8080)), true);
  assert.equal(e.denies(s, 'net', t('bad host!')), true);
  assert.equal(e.denies(999, 'net', t('127.0.0.2')), true);
  const open = e.createSubject(policy({ net: true }));
  assert.equal(e.denies(open, 'net', t('127.0.0.1')), false);
});

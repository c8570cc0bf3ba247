/**
 * net scopes as Spin `allowed_outbound_hosts` entries (host/spin/outbound-hosts.ts), checked
 * against the forms Spin's parser accepts (spin crates/outbound-networking-config/src/
 * allowed_hosts.rs and its tests): `scheme://host:port`, the port always written, IPv6
 * literals bracketed, CIDR blocks bare with the port after the last `:`.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { allowedOutboundHosts, netScopeToSpin, SPIN_ANY_HOST } from '../../host/spin/outbound-hosts.js';

const TABLE: readonly (readonly [string, string])[] = [
  ['api.example.com', '*://api.example.com:*'],
  ['api.example.com:443', '*://api.example.com:443'],
  ['API.Example.COM.', '*://api.example.com:*'],
  ['*.example.com', '*://*.example.com:*'],
  ['*.example.com:8443', '*://*.example.com:8443'],
  ['10.0.0.1', '*://10.0.0.1:*'],
  ['10.0.0.1:5432', '*://10.0.0.1:5432'],
  ['0x7f.1', '*://127.0.0.1:*'],
  ['10.0.0.0/8', '*://10.0.0.0/8:*'],
  ['192.168.0.0/16:443', '*://192.168.0.0/16:443'],
  ['2001:db8::1', '*://[2001:db8::1]:*'],
  ['[2001:DB8:0::1]:443', '*://[2001:db8::1]:443'],
  ['::ffff:203.0.113.7', '*://203.0.113.7:*'],
  ['fd00::/8', '*://fd00::/8:*'],
  ['[fd00::/8]:443', '*://fd00::/8:443'],
  ['localhost:8080', '*://localhost:8080'],
];

for (const [scope, spin] of TABLE) {
  test(`net scope ${JSON.stringify(scope)} is Spin's ${JSON.stringify(spin)}`, () => {
    assert.equal(netScopeToSpin(scope), spin);
    // Spin splits the port off at the last ":" (rsplit_once) and needs it: never the scheme's default.
    const m = /^\*:\/\/(.+):(\*|[0-9]+)$/.exec(spin);
    assert.ok(m, spin);
    assert.doesNotMatch(m[1]!, /^\[.*\/.*\]$/, 'a CIDR block is never bracketed (Spin would not parse it)');
  });
}

test('an unscoped net grant is every scheme, host and port; repeats collapse', () => {
  assert.deepEqual(allowedOutboundHosts(true), [SPIN_ANY_HOST]);
  assert.equal(SPIN_ANY_HOST, '*://*:*');
  assert.deepEqual(allowedOutboundHosts(['10.0.0.1', '::ffff:10.0.0.1']), ['*://10.0.0.1:*']);
});

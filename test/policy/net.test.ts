import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScopeError } from '../../host/errors.js';
import { canonicalIp, NetScope, parseIpAddress, parseScope } from '../../host/policy/index.js';

test('every spelling of 127.0.0.1 is one address', () => {
  const spellings = [
    '127.0.0.1',
    '2130706433',
    '0x7f000001',
    '0X7F000001',
    '0177.0.0.1',
    '0x7f.0.0.1',
    '0x7f.1',
    '127.1',
    '127.0.1',
    '127.0.0.01',
    '127.0.0.1.',
    '017700000001',
    '::ffff:127.0.0.1',
    '::FFFF:7F00:1',
    '::ffff:7f00:1',
    '0:0:0:0:0:ffff:7f00:1',
    '0000:0000:0000:0000:0000:ffff:127.0.0.1',
    '[::ffff:127.0.0.1]',
  ];
  for (const s of spellings) {
    assert.equal(canonicalIp(s), '127.0.0.1', s);
    assert.equal(parseIpAddress(s)?.version, 4, s);
  }
});

test('IPv6 spellings and canonical form (RFC 5952)', () => {
  const cases: [string, string][] = [
    ['::1', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
    ['[::1]', '::1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['fd00::', 'fd00::'],
    ['::', '::'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['64:ff9b::1.2.3.4', '64:ff9b::102:304'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalIp(input), want, input);
});

test('not IP literals', () => {
  for (const s of [
    '',
    '256.0.0.1',
    '1.2.3.4.5',
    '1.2.3.256',
    '4294967296',
    '0x100000000',
    '08.0.0.1',
    '1..2',
    'example.com',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    ':::',
    '12345::',
    'fe80::1%eth0',
    '::ffff:1.2.3',
    '::ffff:01.2.3.4',
    '1.2.3.4::',
    'g::1',
  ]) {
    assert.equal(parseIpAddress(s), null, JSON.stringify(s));
    assert.equal(canonicalIp(s), null, JSON.stringify(s));
  }
});

test('NetScope canonical forms', () => {
  const cases: [string, string][] = [
    ['Example.COM', 'example.com'],
    ['example.com.', 'example.com'],
    ['API.example.com:443', 'api.example.com:443'],
    ['*.Example.com', '*.example.com'],
    ['*.example.com:8080', '*.example.com:8080'],
    ['2130706433', '127.0.0.1'],
    ['0x7f000001:80', '127.0.0.1:80'],
    ['::1', '::1'],
    ['[::1]', '::1'],
    ['[::1]:443', '[::1]:443'],
    ['[0:0::1]:443', '[::1]:443'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['10.0.0.0/8:443', '10.0.0.0/8:443'],
    ['FD00::/8', 'fd00::/8'],
    ['[fd00::/8]:443', '[fd00::/8]:443'],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['::/0', '::/0'],
    ['_srv.example.com', '_srv.example.com'],
    ['localhost', 'localhost'],
  ];
  for (const [input, want] of cases) {
    assert.equal(NetScope.parse(input).toString(), want, input);
    assert.equal(parseScope('net', input), want, input);
  }
});

test('NetScope.parse rejections quote the input and say where', () => {
  const bad = [
    '',
    'a*.com',
    '*.*.com',
    'foo.*.com',
    '*',
    '*.',
    'example.*',
    'example.com/x',
    'example.com/',
    'http://example.com',
    'https://x:443',
    'example.com:0',
    'example.com:65536',
    'example.com:99999999',
    'example.com:-1',
    'example.com:',
    'example.com:http',
    ':443',
    '10.0.0.0/33',
    '10.0.0.0/-1',
    '10.0.0.0/x',
    'fd00::/129',
    '10.0.0.1/8',
    '-bad.com',
    'bad-.com',
    'a..com',
    '.com',
    'exa mple.com',
    'münchen.de',
    'a'.repeat(64) + '.com',
    '1.2.3.08',
    '[::1',
    '[example.com]:80',
    '[::1]x',
    '*.1.2.3',
    'fe80::1%eth0',
    '1::2::3',
  ];
  for (const input of bad) {
    assert.throws(
      () => NetScope.parse(input, 'flag --allow-net'),
      (e: unknown) =>
        e instanceof ScopeError &&
        e.where === 'flag --allow-net' &&
        e.input === input &&
        e.message.includes(input === '' ? 'empty' : JSON.stringify(input)),
      JSON.stringify(input),
    );
  }
});

test('NetScope.allows by name, wildcard (subdomains only), IP and CIDR', () => {
  type Row = [string, string, number | undefined, boolean];
  const rows: Row[] = [
    ['example.com', 'example.com', undefined, true],
    ['example.com', 'EXAMPLE.com.', 443, true],
    ['example.com', 'a.example.com', undefined, false],
    ['example.com', 'example.com.evil.org', undefined, false],
    ['*.example.com', 'a.example.com', undefined, true],
    ['*.example.com', 'a.b.example.com', 80, true],
    ['*.example.com', 'example.com', undefined, false], // Spin: subdomains only
    ['*.example.com', 'badexample.com', undefined, false],
    ['*.example.com', 'a.example.com.evil.org', undefined, false],
    ['example.com:443', 'example.com', 443, true],
    ['example.com:443', 'example.com', 80, false],
    ['example.com:443', 'example.com', undefined, true], // a DNS lookup
    ['127.0.0.1', '2130706433', 80, true],
    ['127.0.0.1', '::ffff:7f00:1', undefined, true],
    ['127.0.0.1', '127.0.0.2', undefined, false],
    ['127.0.0.1', 'localhost', undefined, false], // names never match IP scopes
    ['localhost', '127.0.0.1', undefined, false], // IPs never match name scopes
    ['10.0.0.0/8', '10.255.1.2', undefined, true],
    ['10.0.0.0/8', '0x0a000001', undefined, true],
    ['10.0.0.0/8', '::ffff:10.1.1.1', undefined, true],
    ['10.0.0.0/8', '11.0.0.0', undefined, false],
    ['fd00::/8', 'fd12::1', undefined, true],
    ['fd00::/8', 'fe00::1', undefined, false],
    ['fd00::/8', '10.0.0.1', undefined, false],
    ['::/0', '10.0.0.1', undefined, true], // mapped addresses are inside ::/0
    ['[::1]:443', '::1', 443, true],
    ['[::1]:443', '0:0:0:0:0:0:0:1', 444, false],
    ['example.com', 'example.com/x', undefined, false],
    ['example.com', '', undefined, false],
    ['example.com', 'example.com', 0, false],
    ['example.com', 'example.com', 70000, false],
  ];
  for (const [scope, host, port, want] of rows) {
    const target = port === undefined ? { host } : { host, port };
    assert.equal(NetScope.parse(scope).allows(target), want, `${scope} allows ${host}:${port}`);
  }
});

test('NetScope.blocks: a port-scoped deny does not block a port-less lookup', () => {
  const s = NetScope.parse('example.com:22');
  assert.equal(s.blocks({ host: 'example.com', port: 22 }), true);
  assert.equal(s.blocks({ host: 'example.com', port: 443 }), false);
  assert.equal(s.blocks({ host: 'example.com' }), false);
  assert.equal(NetScope.parse('169.254.169.254').blocks({ host: '0xa9fea9fe', port: 80 }), true);
});

test('NetScope.covers', () => {
  const yes: [string, string][] = [
    ['*.example.com', 'a.example.com'],
    ['*.example.com', '*.a.example.com'],
    ['*.example.com', 'a.example.com:443'],
    ['example.com', 'example.com:443'],
    ['10.0.0.0/8', '10.1.0.0/16'],
    ['10.0.0.0/8', '10.1.2.3'],
    ['::/0', '10.0.0.0/8'],
    ['127.0.0.1', '2130706433'],
  ];
  const no: [string, string][] = [
    ['*.example.com', 'example.com'],
    ['a.example.com', '*.example.com'],
    ['example.com:443', 'example.com'],
    ['example.com:443', 'example.com:80'],
    ['10.1.0.0/16', '10.0.0.0/8'],
    ['10.0.0.0/8', 'ten.example.com'],
  ];
  for (const [a, b] of yes) assert.ok(NetScope.parse(a).covers(NetScope.parse(b)), `${a} covers ${b}`);
  for (const [a, b] of no) assert.ok(!NetScope.parse(a).covers(NetScope.parse(b)), `${a} !covers ${b}`);
});

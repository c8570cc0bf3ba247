// The scope index (host/policy/scopes/scope-index.ts) must answer exactly what asking every
// scope in turn answers: an index that missed a deny rule would be a bypass, one that
// missed an allow a denial. Generators mix every pattern kind with targets that sit on the
// boundaries (the scope itself, a sibling sharing a prefix, the parent, another namespace).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileScopes, EnvScope, NetScope, PathScope, type CheckTarget } from '../../host/policy/index.js';

const RUNS = { numRuns: 2000 };

const segment = fc.constantFrom('a', 'b', 'ab', 'data', 'data2', 'x.txt', '.', '..', '', 'fs-tests.dir');
const pathText = fc
  .tuple(fc.boolean(), fc.array(segment, { minLength: 0, maxLength: 5 }))
  .map(([abs, segs]) => (abs ? '/' : '') + segs.join('/'));

const label = fc.constantFrom('a', 'b', 'api', 'example', 'com', 'org', 'x-y', 'xn--bcher-kva');
const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.'));
const v4 = fc.tuple(fc.constantFrom(10, 127, 169, 192), fc.constantFrom(0, 1, 254), fc.constantFrom(0, 2), fc.constantFrom(0, 1, 3, 255));
const v4Text = v4.map((b) => b.join('.'));
const hostText = fc.oneof(
  name,
  name.map((n) => n.toUpperCase() + '.'),
  v4Text,
  v4.map((b) => String(((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0)),
  v4Text.map((t) => `::ffff:${t}`),
  fc.constantFrom('::1', 'fd00::1', 'fd00::2:1', '2001:db8::1'),
);
const portOpt = fc.option(fc.constantFrom(22, 80, 443), { nil: undefined });
const netPattern = fc
  .tuple(
    fc.oneof(
      name,
      name.map((n) => `*.${n}`),
      v4Text,
      fc.tuple(v4, fc.constantFrom(0, 8, 16, 24, 31, 32)).map(([b, bits]) => {
        const n = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
        const masked = bits === 0 ? 0 : (n & ((0xffffffff << (32 - bits)) >>> 0)) >>> 0;
        return `${[masked >>> 24, (masked >>> 16) & 255, (masked >>> 8) & 255, masked & 255].join('.')}/${bits}`;
      }),
      fc.constantFrom('::1', 'fd00::/8', 'fd00::/16', '::/0', '::ffff:0:0/96', '2001:db8::/32'),
    ),
    portOpt,
  )
  .map(([h, p]) => (p === undefined ? h : h.includes(':') ? `[${h}]:${p}` : `${h}:${p}`));

function parsable<T>(parse: (s: string) => T): (s: string) => boolean {
  return (s) => {
    try {
      parse(s);
      return true;
    } catch {
      return false;
    }
  };
}

test('path scopes: the index answers what every scope asked in turn answers', () => {
  fc.assert(
    fc.property(fc.array(pathText.filter(parsable((s) => PathScope.parse(s))), { maxLength: 12 }), pathText, (patterns, target) => {
      const set = compileScopes('fs.read', patterns);
      const t: CheckTarget = { kind: 'path', path: target };
      const linear = set.isValidTarget(t) && patterns.some((p) => PathScope.parse(p).allows(target));
      assert.equal(set.allows(t), linear, `${JSON.stringify(patterns)} ? ${target}`);
      assert.equal(
        set.blocks(t),
        patterns.some((p) => PathScope.parse(p).blocks(target)),
      );
    }),
    RUNS,
  );
});

test('net scopes: the index answers what every scope asked in turn answers, allow and deny, any port', () => {
  fc.assert(
    fc.property(
      fc.array(netPattern.filter(parsable((s) => NetScope.parse(s))), { maxLength: 12 }),
      hostText,
      portOpt,
      (patterns, host, port) => {
        const set = compileScopes('net', patterns);
        const t: CheckTarget = port === undefined ? { kind: 'net', host } : { kind: 'net', host, port };
        const scopes = patterns.map((p) => NetScope.parse(p));
        const target = port === undefined ? { host } : { host, port };
        const linear = set.isValidTarget(t) && scopes.some((s) => s.allows(target));
        assert.equal(set.allows(t), linear, `${JSON.stringify(patterns)} ? ${host}:${port}`);
        assert.equal(
          set.blocks(t),
          scopes.some((s) => s.blocks(target)),
          `deny ${JSON.stringify(patterns)} ? ${host}:${port}`,
        );
      },
    ),
    RUNS,
  );
});

test('env scopes: the compiled set answers what every scope asked in turn answers', () => {
  const envPattern = fc.constantFrom('HOME', 'PATH', 'AWS_*', 'A', '*', 'AWS_SECRET');
  const envName = fc.constantFrom('HOME', 'PATH', 'AWS_REGION', 'AWS_', 'home', 'A', 'AB');
  fc.assert(
    fc.property(fc.array(envPattern, { maxLength: 6 }), envName, (patterns, n) => {
      const set = compileScopes('env', patterns);
      assert.equal(
        set.allows({ kind: 'env', name: n }),
        patterns.some((p) => EnvScope.parse(p).allows(n)),
      );
    }),
    RUNS,
  );
});

test('the index is not fooled by the cases a prefix or suffix compare gets wrong', () => {
  const paths = compileScopes('fs.read', ['/data', 'fs-tests.dir']);
  assert.equal(paths.allows({ kind: 'path', path: '/data/x/y' }), true);
  assert.equal(paths.allows({ kind: 'path', path: '/data2' }), false);
  assert.equal(paths.allows({ kind: 'path', path: '/' }), false);
  assert.equal(paths.allows({ kind: 'path', path: 'fs-tests.dir/a' }), true);
  assert.equal(paths.allows({ kind: 'path', path: '/fs-tests.dir' }), false, 'two namespaces never meet');
  const net = compileScopes('net', ['*.example.com', '10.0.0.0/8:443', 'fd00::/8']);
  assert.equal(net.allows({ kind: 'net', host: 'a.b.example.com' }), true);
  assert.equal(net.allows({ kind: 'net', host: 'example.com' }), false, 'a wildcard is subdomains only');
  assert.equal(net.allows({ kind: 'net', host: 'badexample.com' }), false);
  assert.equal(net.allows({ kind: 'net', host: '0x0a000001', port: 443 }), true);
  assert.equal(net.allows({ kind: 'net', host: '10.0.0.1', port: 80 }), false);
  assert.equal(net.blocks({ kind: 'net', host: '10.0.0.1' }), false, 'a deny with a port does not block a port-less lookup');
  assert.equal(net.allows({ kind: 'net', host: 'fd00::1', port: 22 }), true);
});

test('normalizeGuestPath: the already-normal fast path gives what splitting gives', async () => {
  const { normalizeGuestPath } = await import('../../host/policy/index.js');
  const { normalizeBySegments } = await import('../../host/policy/scopes/path.js');
  const piece = fc.constantFrom('/', '//', '.', '..', 'a', 'b.', '.b', '...', 'x y', '\0', '');
  fc.assert(
    fc.property(
      fc.array(piece, { maxLength: 8 }).map((ps) => ps.join('')),
      (p) => {
        assert.equal(normalizeGuestPath(p), normalizeBySegments(p), JSON.stringify(p));
      },
    ),
    { numRuns: 5000 },
  );
});

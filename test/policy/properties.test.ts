import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ALL_CAPABILITY_NAMES,
  CompiledPolicy,
  emptyManifest,
  EnvScope,
  mergeManifests,
  NetScope,
  normalizeManifest,
  parseScope,
  PathScope,
  capabilityByName,
  type CanonicalManifest,
  type CapabilityName,
  type CheckTarget,
  type Grant,
} from '../../host/policy/index.js';

const RUNS = { numRuns: 300 };

// --- generators -------------------------------------------------------------------------
const segment = fc.constantFrom('a', 'b', 'data', 'x.txt', '.', '..', '', 'fs-tests.dir');
const pathString = fc
  .tuple(fc.boolean(), fc.array(segment, { minLength: 1, maxLength: 5 }))
  .map(([abs, segs]) => (abs ? '/' : '') + segs.join('/'))
  .filter((p) => p.length > 0);
const hostString = fc.constantFrom(
  'example.com',
  'API.example.com',
  'a.b.example.com',
  'evil.org',
  'localhost',
  '127.0.0.1',
  '2130706433',
  '0x7f000001',
  '::1',
  '10.1.2.3',
  '169.254.169.254',
  'fd00::1',
  '::ffff:10.0.0.1',
);
const netPattern = fc.constantFrom(
  'example.com',
  '*.example.com',
  'api.example.com:443',
  'evil.org',
  '127.0.0.1',
  '10.0.0.0/8',
  'fd00::/8',
  '[::1]:443',
  '169.254.169.254',
  'localhost:80',
  '::/0',
  '0.0.0.0/0',
);
const envName = fc.constantFrom('HOME', 'PATH', 'AWS_REGION', 'AWS_SECRET', 'home', 'A');
const envPattern = fc.constantFrom('HOME', 'PATH', 'AWS_*', 'A', '*', 'AWS_SECRET');
const port = fc.option(fc.constantFrom(22, 80, 443), { nil: undefined });

const capArb = fc.constantFrom(...ALL_CAPABILITY_NAMES);

function scopeArb(cap: CapabilityName): fc.Arbitrary<string> | undefined {
  switch (capabilityByName(cap)?.scopeKind) {
    case 'path':
      return pathString.filter((p) => isParsable(cap, p));
    case 'net':
      return netPattern;
    case 'env':
      return envPattern;
    default:
      return undefined;
  }
}

function isParsable(cap: CapabilityName, s: string): boolean {
  try {
    parseScope(cap, s);
    return true;
  } catch {
    return false;
  }
}

function targetArb(cap: CapabilityName): fc.Arbitrary<CheckTarget | undefined> {
  switch (capabilityByName(cap)?.scopeKind) {
    case 'path':
      return fc.option(
        pathString.map((path): CheckTarget => ({ kind: 'path', path })),
        { nil: undefined },
      );
    case 'net':
      return fc.option(
        fc
          .tuple(hostString, port)
          .map(([host, p]): CheckTarget => (p === undefined ? { kind: 'net', host } : { kind: 'net', host, port: p })),
        { nil: undefined },
      );
    case 'env':
      return fc.option(
        envName.map((name): CheckTarget => ({ kind: 'env', name })),
        { nil: undefined },
      );
    default:
      return fc.constant(undefined);
  }
}

function grantArb(cap: CapabilityName): fc.Arbitrary<Grant | undefined> {
  const s = scopeArb(cap);
  const options: fc.Arbitrary<Grant | undefined>[] = [fc.constant(undefined), fc.constant(true as const)];
  if (s !== undefined) options.push(fc.array(s, { maxLength: 3 }));
  return fc.oneof(...options);
}

function sectionArb(): fc.Arbitrary<Partial<Record<CapabilityName, Grant>>> {
  return fc.tuple(...ALL_CAPABILITY_NAMES.map((c) => grantArb(c))).map((grants) => {
    const out: Partial<Record<CapabilityName, Grant>> = {};
    ALL_CAPABILITY_NAMES.forEach((c, i) => {
      const g = grants[i];
      if (g !== undefined) out[c] = g;
    });
    return out;
  });
}

const manifestArb: fc.Arbitrary<CanonicalManifest> = fc
  .tuple(sectionArb(), sectionArb())
  .map(([allow, deny]) => ({ version: 1, allow, deny }));

/** A capability with a target of its kind (or none). */
const capTargetArb = capArb.chain((cap) => targetArb(cap).map((target) => ({ cap, target })));

/** One grant entry (a cap with true or one scope) as a manifest section. */
const oneGrantArb = capArb.chain((cap) => {
  const s = scopeArb(cap);
  const g: fc.Arbitrary<Grant> =
    s === undefined
      ? fc.constant(true as const)
      : fc.oneof(
          fc.constant(true as const),
          s.map((x) => [x]),
        );
  return g.map((grant) => ({ [cap]: grant }) as Partial<Record<CapabilityName, Grant>>);
});

// --- properties -------------------------------------------------------------------------
test('no implicit grant: the empty policy denies every capability and target', () => {
  const p = CompiledPolicy.fromManifest(emptyManifest());
  fc.assert(
    fc.property(capTargetArb, ({ cap, target }) => p.check(cap, target) === 'missing'),
    RUNS,
  );
});

test('deny always wins: denying the target itself, or the whole capability, gives missing', () => {
  fc.assert(
    fc.property(manifestArb, capTargetArb, (m, { cap, target }) => {
      const whole = mergeManifests(m, { version: 1, allow: {}, deny: { [cap]: true } });
      assert.equal(CompiledPolicy.fromManifest(whole).check(cap, target), 'missing');
      if (target === undefined) return;
      const scope =
        target.kind === 'path' ? target.path : target.kind === 'env' ? target.name : target.port === undefined ? target.host : null;
      if (scope === null || !isParsable(cap, scope)) return;
      const exact = mergeManifests(mergeManifests(m, { version: 1, allow: { [cap]: true }, deny: {} }), {
        version: 1,
        allow: {},
        deny: { [cap]: [scope] },
      });
      assert.equal(CompiledPolicy.fromManifest(exact).check(cap, target), 'missing');
    }),
    RUNS,
  );
});

test('adding a deny never widens', () => {
  fc.assert(
    fc.property(manifestArb, oneGrantArb, capTargetArb, (m, extra, { cap, target }) => {
      const after = mergeManifests(m, { version: 1, allow: {}, deny: extra });
      if (CompiledPolicy.fromManifest(after).check(cap, target) === 'ok') {
        assert.equal(CompiledPolicy.fromManifest(m).check(cap, target), 'ok');
      }
    }),
    RUNS,
  );
});

test('adding an allow never narrows', () => {
  fc.assert(
    fc.property(manifestArb, oneGrantArb, capTargetArb, (m, extra, { cap, target }) => {
      if (CompiledPolicy.fromManifest(m).check(cap, target) === 'ok') {
        const after = mergeManifests(m, { version: 1, allow: extra, deny: {} });
        assert.equal(CompiledPolicy.fromManifest(after).check(cap, target), 'ok');
      }
    }),
    RUNS,
  );
});

test('normalisation is idempotent: scopes and manifests', () => {
  fc.assert(
    fc.property(pathString, (p) => {
      let once: string;
      try {
        once = PathScope.parse(p).toString();
      } catch {
        return;
      }
      assert.equal(PathScope.parse(once).toString(), once);
    }),
    RUNS,
  );
  fc.assert(
    fc.property(
      fc.oneof(
        netPattern,
        fc.tuple(hostString, port).map(([h, p]) => (p === undefined ? h : h.includes(':') ? `[${h}]:${p}` : `${h}:${p}`)),
      ),
      (input) => {
        const once = NetScope.parse(input).toString();
        assert.equal(NetScope.parse(once).toString(), once);
      },
    ),
    RUNS,
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 12 }), (s) => {
      let once: string;
      try {
        once = EnvScope.parse(s).toString();
      } catch {
        return;
      }
      assert.equal(EnvScope.parse(once).toString(), once);
    }),
    RUNS,
  );
  fc.assert(
    fc.property(manifestArb, (m) => {
      const once = normalizeManifest(m);
      assert.deepEqual(normalizeManifest(once), once);
    }),
    RUNS,
  );
});

// Spellings of one IPv4 address a.b.c.d = n.
function spellings(n: number): string[] {
  const b = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  const hi = ((n >>> 16) & 0xffff).toString(16);
  const lo = (n & 0xffff).toString(16);
  return [
    b.join('.'),
    String(n),
    '0x' + n.toString(16),
    b.map((x) => '0' + x.toString(8)).join('.'),
    b.map((x) => '0x' + x.toString(16)).join('.'),
    `${b[0]}.${(n & 0xffffff) >>> 0}`,
    `${b[0]}.${b[1]}.${n & 0xffff}`,
    b.join('.') + '.',
    `::ffff:${b.join('.')}`,
    `::ffff:${hi}:${lo}`,
    `0:0:0:0:0:ffff:${hi}:${lo}`,
    `[::ffff:${hi}:${lo}]`,
  ];
}

test('every spelling of one IPv4 address gets one answer', () => {
  const ipScope = fc.oneof(
    fc.integer({ min: 0, max: 0xffffffff }).map((n) => spellings(n)[0]!),
    fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([n, bits]) => {
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      return `${spellings((n & mask) >>> 0)[0]!}/${bits}`;
    }),
    fc.constantFrom('::/0', '::ffff:0:0/96', 'fd00::/8'),
  );
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.array(ipScope, { maxLength: 3 }),
      fc.array(ipScope, { maxLength: 2 }),
      fc.boolean(),
      (n, allow, deny, allowAll) => {
        // Bias towards hits: sometimes allow the address itself.
        const m: CanonicalManifest = { version: 1, allow: { net: allowAll ? true : [...allow, spellings(n)[3]!] }, deny: { net: deny } };
        const p = CompiledPolicy.fromManifest(m);
        const answers = new Set(spellings(n).map((host) => p.check('net', { kind: 'net', host, port: 443 })));
        assert.equal(answers.size, 1, `${spellings(n).join(' ')} -> ${[...answers].join(',')}`);
        if (!allowAll && deny.length === 0) assert.deepEqual([...answers], ['ok']);
      },
    ),
    RUNS,
  );
});

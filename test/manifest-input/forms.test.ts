/**
 * Every input form of SPEC section 3 for one policy gives byte-identical canonical JSON.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  flagsToLayers,
  loadCapabilitiesArgument,
  manifestToCanonicalJson,
  parseCapabilityList,
  parseMoltToml,
  parseProfileJson,
  type CapabilityFlagValues,
} from '../../host/manifest/input/index.js';
import { mergeManifests, type CanonicalManifest } from '../../host/policy/index.js';

const json = manifestToCanonicalJson;

function fromFlags(flags: CapabilityFlagValues): CanonicalManifest {
  const { allow, deny } = flagsToLayers(flags);
  return mergeManifests(allow, deny);
}

describe('one policy, every form', () => {
  it('a policy the profile shape can express: profile JSON = canonical JSON = both TOML shapes = flags', () => {
    const expected = '{"allow":{"fs.read":["/data"],"net":true,"time":true},"deny":{"env":true},"version":1}';
    const forms: [string, CanonicalManifest][] = [
      ['profile JSON', parseProfileJson('{"allow": ["net", "time"], "deny": ["env"], "fs": {"read": ["/data"], "write": []}}', 'p.json')],
      [
        'canonical JSON',
        parseProfileJson('{"version": 1, "allow": {"time": true, "fs.read": ["/data/"], "net": true}, "deny": {"env": true}}', 'c.json'),
      ],
      [
        'canonical JSON, nested fs and no version',
        parseProfileJson('{"deny": {"env": true}, "allow": {"fs": {"read": ["/data"]}, "net": true, "time": true}}', 'n.json'),
      ],
      [
        'molt.toml, profile shape',
        parseMoltToml(
          '[package]\nname = "app"\n\n[capabilities]\nallow = ["time", "net"]\ndeny = ["env"]\n\n[capabilities.fs]\nread = ["/data"]\nwrite = []\n',
          'molt.toml',
        ),
      ],
      [
        'molt.toml, canonical shape',
        parseMoltToml(
          '[capabilities]\nversion = 1\n[capabilities.allow]\nnet = true\ntime = true\n"fs.read" = ["/data"]\n[capabilities.deny]\nenv = true\n',
          'molt.toml',
        ),
      ],
      [
        'molt.toml, canonical shape with a dotted key',
        parseMoltToml('[capabilities.allow]\nnet = true\ntime = true\nfs.read = ["/data"]\n[capabilities.deny]\nenv = true\n', 'molt.toml'),
      ],
      ['flags', fromFlags({ allowNet: true, allowTime: true, allowRead: '/data', denyEnv: true })],
      [
        'flags, repeated',
        fromFlags({ allowNet: ['a.example.com', true], allowTime: true, allowRead: ['/data', '/data/x'], denyEnv: [true] }),
      ],
    ];
    for (const [name, m] of forms) {
      // Repeats and covered paths are kept as given (normalisation dedupes, it does not merge scopes),
      // so the repeated flags form differs only by "/data/x"; compare it after checking that.
      const text = json(m);
      if (name === 'flags, repeated') assert.equal(text, expected.replace('["/data"]', '["/data","/data/x"]'), name);
      else assert.equal(text, expected, name);
    }
  });

  it('the SPEC canonical example: canonical JSON = molt.toml = flags', () => {
    const expected =
      '{"allow":{"fs.read":["/data"],"net":["api.example.com:443"],"time":true},"deny":{"net":["169.254.169.254"]},"version":1}';
    const fromJson = parseProfileJson(
      '{"version":1,"allow":{"net":["api.example.com:443"],"fs.read":["/data"],"time":true},"deny":{"net":["169.254.169.254"]}}',
      'c.json',
    );
    const fromToml = parseMoltToml(
      '[capabilities.allow]\nnet = ["API.Example.com.:443"]\n"fs.read" = ["/data"]\ntime = true\n[capabilities.deny]\nnet = ["169.254.169.254"]\n',
      'molt.toml',
    );
    const flags = fromFlags({ allowNet: 'api.example.com:443', allowRead: '/data', allowTime: true, denyNet: '169.254.169.254' });
    assert.equal(json(fromJson), expected);
    assert.equal(json(fromToml), expected);
    assert.equal(json(flags), expected);
  });

  it('--capabilities net,env = the canonical shape = flags = a file holding the profile', () => {
    const expected = '{"allow":{"env":true,"net":true},"deny":{},"version":1}';
    const files: Record<string, string> = {
      'caps/p.json': '{"allow": ["env", "net"]}',
      'molt.toml': '[capabilities]\nallow = ["net", "env"]',
    };
    const readFile = (p: string): string => {
      const t = files[p];
      if (t === undefined) throw new Error(`ENOENT: ${p}`);
      return t;
    };
    assert.equal(json(parseCapabilityList('net,env', '--capabilities')), expected);
    assert.equal(json(parseCapabilityList(' env , net,net', '--capabilities')), expected);
    assert.equal(json(loadCapabilitiesArgument('net,env', readFile)), expected);
    assert.equal(json(loadCapabilitiesArgument('caps/p.json', readFile)), expected);
    assert.equal(json(loadCapabilitiesArgument('molt.toml', readFile)), expected);
    assert.equal(json(parseProfileJson('{"allow":{"net":true,"env":true}}', 'c.json')), expected);
    assert.equal(json(fromFlags({ allowEnv: true, allowNet: true })), expected);
  });

  it('names with dots in a list: fs.read, fs.write and console.write are granted unscoped', () => {
    assert.equal(
      json(parseCapabilityList('fs.read,fs.write,console.write', '--capabilities')),
      '{"allow":{"console.write":true,"fs.read":true,"fs.write":true},"deny":{},"version":1}',
    );
  });

  it('a file whose name has no extension is read by its content', () => {
    const readFile = (p: string): string => (p === './caps' ? '{"allow":["time"]}' : '[capabilities]\nallow = ["net"]');
    assert.equal(json(loadCapabilitiesArgument('./caps', readFile)), '{"allow":{"time":true},"deny":{},"version":1}');
    assert.equal(json(loadCapabilitiesArgument('./other', readFile)), '{"allow":{"net":true},"deny":{},"version":1}');
  });

  it('molt.toml without [capabilities] is the empty manifest', () => {
    assert.equal(json(parseMoltToml('[package]\nname = "x"\n', 'molt.toml')), '{"allow":{},"deny":{},"version":1}');
    assert.equal(json(parseProfileJson('{}', 'p.json')), '{"allow":{},"deny":{},"version":1}');
  });

  it('false and empty deny lists mean "not given"; an empty allow list declares with no scope', () => {
    assert.equal(
      json(parseProfileJson('{"allow":{"time":false,"net":[]},"deny":{"env":[],"time":false}}', 'c.json')),
      '{"allow":{"net":[]},"deny":{},"version":1}',
    );
  });

  it('a profile fs list narrows the same name in allow', () => {
    assert.equal(
      json(parseProfileJson('{"allow":["fs.write"],"fs":{"write":["/out"]}}', 'p.json')),
      '{"allow":{"fs.write":["/out"]},"deny":{},"version":1}',
    );
  });
});

describe('flagsToLayers', () => {
  it('puts allow flags in allow and deny flags in deny', () => {
    const { allow, deny, broad } = flagsToLayers({ allowEnv: 'HOME,AWS_*', denyRead: '/etc', denyTime: true, denyConsole: true });
    assert.equal(json(allow), '{"allow":{"env":["AWS_*","HOME"]},"deny":{},"version":1}');
    assert.equal(json(deny), '{"allow":{},"deny":{"console.write":true,"fs.read":["/etc"],"time":true},"version":1}');
    assert.deepEqual(broad, []);
  });

  it('--allow-all grants every capability and --deny-all denies every one', () => {
    const all = '{"console.write":true,"env":true,"fs.read":true,"fs.write":true,"net":true,"time":true}';
    const { allow, deny } = flagsToLayers({ allowAll: true, denyAll: true });
    assert.equal(json(allow), `{"allow":${all},"deny":{},"version":1}`);
    assert.equal(json(deny), `{"allow":{},"deny":${all},"version":1}`);
  });

  it('lists the broad flags: --allow-all, bare --allow-write, bare --allow-net; not scoped ones', () => {
    assert.deepEqual(flagsToLayers({ allowAll: true, allowNet: true, allowWrite: [true, '/x'], allowRead: true }).broad, [
      '--allow-all',
      '--allow-write',
      '--allow-net',
    ]);
    assert.deepEqual(flagsToLayers({ allowNet: 'a.example.com', allowWrite: '/out', denyNet: true, denyWrite: true }).broad, []);
  });

  it('a bare use absorbs scoped uses, in either order', () => {
    const expected = '{"allow":{"net":true},"deny":{},"version":1}';
    assert.equal(json(flagsToLayers({ allowNet: ['a.example.com', true] }).allow), expected);
    assert.equal(json(flagsToLayers({ allowNet: [true, 'a.example.com'] }).allow), expected);
  });

  it('false boolean flags and absent flags give empty layers', () => {
    const { allow, deny } = flagsToLayers({ allowTime: false, denyAll: false });
    assert.equal(json(mergeManifests(allow, deny)), '{"allow":{},"deny":{},"version":1}');
  });
});

describe('canonical JSON reads back as itself (property)', () => {
  const host = fc.constantFrom('api.example.com', 'b.example.org', '*.example.net', '10.0.0.1', '10.0.0.0/8', '[::1]');
  const netScope = fc
    .tuple(host, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }))
    .map(([h, p]) => (p === undefined ? h : `${h}:${p}`));
  const pathScope = fc
    .array(fc.constantFrom('data', 'tmp', 'a b', 'é', 'x.y'), { minLength: 0, maxLength: 3 })
    .map((parts) => '/' + parts.join('/'));
  const envScope = fc.constantFrom('HOME', 'PATH', 'AWS_*', 'X');
  const grant = <T>(scope: fc.Arbitrary<T>) => fc.oneof(fc.constant(true as const), fc.array(scope, { maxLength: 4 }));
  const section = fc.record(
    {
      'console.write': fc.constant(true as const),
      time: fc.constant(true as const),
      net: grant(netScope),
      'fs.read': grant(pathScope),
      'fs.write': grant(pathScope),
      env: grant(envScope),
    },
    { requiredKeys: [] },
  );
  const manifest = fc.record({ allow: section, deny: section }).map((m): CanonicalManifest => ({ version: 1, ...m }));

  it('parseProfileJson(manifestToCanonicalJson(m)) and molt.toml of it give the same bytes', () => {
    fc.assert(
      fc.property(manifest, (m) => {
        const text = json(m);
        assert.equal(json(parseProfileJson(text, 'm.json')), text);
        // The same manifest as molt.toml: quoted keys, JSON arrays are valid TOML arrays of strings.
        const tomlSection = (name: string, s: Record<string, unknown>): string =>
          `[capabilities.${name}]\n` +
          Object.entries(s)
            .map(([k, v]) => `${JSON.stringify(k)} = ${JSON.stringify(v)}`)
            .join('\n') +
          '\n';
        const parsed = JSON.parse(text) as { allow: Record<string, unknown>; deny: Record<string, unknown> };
        const toml = tomlSection('allow', parsed.allow) + tomlSection('deny', parsed.deny);
        assert.equal(json(parseMoltToml(toml, 'molt.toml')), text);
      }),
    );
  });
});

describe('loadCapabilitiesArgument and the injected reader', () => {
  it("passes the reader's own typed error through unchanged", async () => {
    const { ManifestError } = await import('../../host/errors.js');
    const own = new ManifestError('cannot read capabilities file: no such file', 'caps.json');
    assert.throws(
      () =>
        loadCapabilitiesArgument('caps.json', () => {
          throw own;
        }),
      (e: unknown) => e === own,
    );
  });
});

/**
 * Bad input of every form: the exact error class, and a message that quotes the input and
 * says where (file and path, line and column, or flag).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManifestError, ScopeError, UnknownCapabilityError } from '../../host/errors.js';
import {
  flagsToLayers,
  loadCapabilitiesArgument,
  parseCapabilityList,
  parseMoltToml,
  parseProfileJson,
} from '../../host/manifest/input/index.js';

type ErrorClass = typeof ManifestError | typeof ScopeError | typeof UnknownCapabilityError;

interface BadCase {
  readonly name: string;
  readonly run: () => unknown;
  readonly error: ErrorClass;
  /** Substrings the message must contain: the quoted input and the location. */
  readonly contains: readonly string[];
  /** The error's `where`, exactly. */
  readonly where: string;
}

const noFiles = (p: string): string => {
  throw new Error(`ENOENT: no such file or directory, open '${p}'`);
};

const json = (text: string) => () => parseProfileJson(text, 'profile.json');
const toml = (text: string) => () => parseMoltToml(text, 'molt.toml');

const cases: BadCase[] = [
  // JSON syntax
  {
    name: 'JSON trailing comma',
    run: json('{"allow": ["net"],\n  "fs": {"read": []},\n}'),
    error: ManifestError,
    where: 'profile.json',
    contains: ['line 3, column 1', '"}"'],
  },
  {
    name: 'JSON unterminated string',
    run: json('{"allow": ["net]}'),
    error: ManifestError,
    where: 'profile.json',
    contains: ['line 1, column 12', 'unterminated string', '"\\"net]}"'],
  },
  {
    name: 'JSON not a value',
    run: json('{"allow": [nett]}'),
    error: ManifestError,
    where: 'profile.json',
    contains: ['line 1, column 12', '"nett]}"'],
  },
  {
    name: 'JSON comment',
    run: json('// caps\n{}'),
    error: ManifestError,
    where: 'profile.json',
    contains: ['line 1, column 1', '"// caps'],
  },
  {
    name: 'JSON empty file',
    run: json(''),
    error: ManifestError,
    where: 'profile.json',
    contains: ['line 1, column 1', 'the end of the input'],
  },
  {
    name: 'JSON text after the value',
    run: json('{} {}'),
    error: ManifestError,
    where: 'profile.json',
    contains: ['line 1, column 4', '"{}"'],
  },
  {
    name: 'JSON duplicate key',
    run: json('{"allow": ["net"],\n"allow": {"net": true}}'),
    error: ManifestError,
    where: 'profile.json',
    contains: ['line 2, column 1', 'duplicate key "allow"'],
  },
  // document shape
  { name: 'not an object', run: json('["net"]'), error: ManifestError, where: 'profile.json', contains: ['["net"]', 'a list'] },
  {
    name: 'unknown top-level key',
    run: json('{"allow": ["net"], "network": true}'),
    error: ManifestError,
    where: 'profile.json at network',
    contains: ['"network"'],
  },
  {
    name: 'misspelt key in canonical shape',
    run: json('{"version": 1, "alow": {}}'),
    error: ManifestError,
    where: 'profile.json at alow',
    contains: ['"alow"'],
  },
  {
    name: 'version 2',
    run: json('{"version": 2, "allow": {}}'),
    error: ManifestError,
    where: 'profile.json at version',
    contains: ['version 2'],
  },
  { name: 'version as a string', run: json('{"version": "1"}'), error: ManifestError, where: 'profile.json at version', contains: ['"1"'] },
  {
    name: 'mixed shapes',
    run: json('{"version": 1, "fs": {"read": ["/d"]}}'),
    error: ManifestError,
    where: 'profile.json',
    contains: ['mixes the profile shape (fs', 'canonical shape (version'],
  },
  {
    name: 'profile allow is a string',
    run: json('{"fs": {}, "allow": "net"}'),
    error: ManifestError,
    where: 'profile.json at allow',
    contains: ['"net"', 'a string'],
  },
  {
    name: 'profile allow item is a number',
    run: json('{"allow": ["net", 5]}'),
    error: ManifestError,
    where: 'profile.json at allow[1]',
    contains: ['5'],
  },
  {
    name: 'profile unknown capability',
    run: json('{"allow": ["net", "time", "fs"]}'),
    error: UnknownCapabilityError,
    where: 'profile.json at allow[2]',
    contains: ['"fs"', 'fs.read'],
  },
  {
    name: 'profile unknown capability in deny',
    run: json('{"allow": [], "deny": ["Net"]}'),
    error: UnknownCapabilityError,
    where: 'profile.json at deny[0]',
    contains: ['"Net"'],
  },
  {
    name: 'profile fs unknown key',
    run: json('{"fs": {"read": [], "exec": ["/bin"]}}'),
    error: ManifestError,
    where: 'profile.json at fs.exec',
    contains: ['"exec"'],
  },
  {
    name: 'profile fs.read not a list',
    run: json('{"fs": {"read": "/data"}}'),
    error: ManifestError,
    where: 'profile.json at fs.read',
    contains: ['"/data"'],
  },
  {
    name: 'profile fs.read bad path',
    run: json('{"fs": {"read": ["/data", "/../etc"]}}'),
    error: ScopeError,
    where: 'profile.json at fs.read[1]',
    contains: ['"/../etc"'],
  },
  {
    name: 'profile fs.write empty path',
    run: json('{"fs": {"write": [""]}}'),
    error: ScopeError,
    where: 'profile.json at fs.write[0]',
    contains: ['""'],
  },
  {
    name: 'profile allow contradicts empty fs list',
    run: json('{"allow": ["fs.write"], "fs": {"write": []}}'),
    error: ManifestError,
    where: 'profile.json at fs.write',
    contains: ['"fs.write"', 'empty list'],
  },
  // canonical shape
  {
    name: 'canonical unknown capability',
    run: json('{"allow": {"net": true, "clock": true}}'),
    error: UnknownCapabilityError,
    where: 'profile.json at allow.clock',
    contains: ['"clock"'],
  },
  {
    name: 'canonical nested unknown',
    run: json('{"allow": {"fs": {"exec": true}}}'),
    error: UnknownCapabilityError,
    where: 'profile.json at allow.fs.exec',
    contains: ['"fs.exec"'],
  },
  {
    name: 'canonical bad host',
    run: json('{"allow": {"net": ["a.example.com", "b.example.com:443", "exa mple.com"]}}'),
    error: ScopeError,
    where: 'profile.json at allow.net[2]',
    contains: ['"exa mple.com"'],
  },
  {
    name: 'canonical bad port',
    run: json('{"deny": {"net": ["a.example.com:99999"]}}'),
    error: ScopeError,
    where: 'profile.json at deny.net[0]',
    contains: ['"a.example.com:99999"'],
  },
  {
    name: 'canonical bad env name',
    run: json('{"allow": {"env": ["A=B"]}}'),
    error: ScopeError,
    where: 'profile.json at allow.env[0]',
    contains: ['"A=B"'],
  },
  {
    name: 'canonical scope on time',
    run: json('{"allow": {"time": ["monotonic"]}}'),
    error: ScopeError,
    where: 'profile.json at allow.time[0]',
    contains: ['"monotonic"'],
  },
  {
    name: 'canonical scope not a string',
    run: json('{"allow": {"fs.read": ["/a", 7]}}'),
    error: ManifestError,
    where: 'profile.json at allow["fs.read"][1]',
    contains: ['7'],
  },
  {
    name: 'canonical grant is a string',
    run: json('{"allow": {"net": "api.example.com"}}'),
    error: ManifestError,
    where: 'profile.json at allow.net',
    contains: ['"api.example.com"'],
  },
  {
    name: 'canonical grant is null',
    run: json('{"allow": {"net": null}}'),
    error: ManifestError,
    where: 'profile.json at allow.net',
    contains: ['null'],
  },
  {
    name: 'canonical allow is a list of lists',
    run: json('{"version": 1, "allow": [["net"]]}'),
    error: ManifestError,
    where: 'profile.json',
    contains: ['mixes'],
  },
  {
    name: 'canonical deny is a string',
    run: json('{"version": 1, "deny": "net"}'),
    error: ManifestError,
    where: 'profile.json at deny',
    contains: ['"net"'],
  },
  {
    name: 'canonical given twice',
    run: json('{"allow": {"fs.read": ["/a"], "fs": {"read": ["/b"]}}}'),
    error: ManifestError,
    where: 'profile.json at allow.fs.read',
    contains: ['"fs.read"', 'twice'],
  },
  {
    name: '__proto__ is just an unknown key',
    run: json('{"__proto__": {"allow": ["net"]}}'),
    error: ManifestError,
    where: 'profile.json at __proto__',
    contains: ['"__proto__"'],
  },
  // TOML
  {
    name: 'TOML syntax',
    run: toml('[package]\nname = "x"\n[capabilities\nallow = []'),
    error: ManifestError,
    where: 'molt.toml',
    contains: ['line 3, column 14', '"[capabilities"'],
  },
  {
    name: 'TOML unclosed array at the end',
    run: toml('[capabilities.allow]\nnet = ["x:443"\n'),
    error: ManifestError,
    where: 'molt.toml',
    contains: ['line 3', 'after line 2', '"net = [\\"x:443\\""'],
  },
  {
    name: 'TOML duplicate key',
    run: toml('[capabilities]\nallow = ["net"]\nallow = ["time"]\n'),
    error: ManifestError,
    where: 'molt.toml',
    contains: ['line 3', '"allow = [\\"time\\"]"'],
  },
  {
    name: 'TOML capabilities not a table',
    run: toml('capabilities = ["net"]'),
    error: ManifestError,
    where: 'molt.toml at capabilities',
    contains: ['["net"]'],
  },
  {
    name: 'TOML unknown key',
    run: toml('[capabilities]\nallow = ["net"]\nprompt = true\n'),
    error: ManifestError,
    where: 'molt.toml at capabilities.prompt',
    contains: ['"prompt"'],
  },
  {
    name: 'TOML unknown capability',
    run: toml('[capabilities.allow]\nnet = true\nrun = ["git"]\n'),
    error: UnknownCapabilityError,
    where: 'molt.toml at capabilities.allow.run',
    contains: ['"run"'],
  },
  {
    name: 'TOML bad scope',
    run: toml('[capabilities.deny]\nnet = ["10.0.0.0/33"]\n'),
    error: ScopeError,
    where: 'molt.toml at capabilities.deny.net[0]',
    contains: ['"10.0.0.0/33"'],
  },
  {
    name: 'TOML date as scope',
    run: toml('[capabilities.fs]\nread = [1979-05-27]\n'),
    error: ManifestError,
    where: 'molt.toml at capabilities.fs.read[0]',
    contains: ['1979-05-27', 'a date'],
  },
  {
    name: 'TOML version 2',
    run: toml('[capabilities]\nversion = 2\n'),
    error: ManifestError,
    where: 'molt.toml at capabilities.version',
    contains: ['version 2'],
  },
  // --capabilities
  {
    name: 'list with unknown name',
    run: () => parseCapabilityList('net,fs,env', '--capabilities'),
    error: UnknownCapabilityError,
    where: '--capabilities',
    contains: ['"fs"', '"net,fs,env"'],
  },
  {
    name: 'list with a scope',
    run: () => parseCapabilityList('net=api.example.com', '--capabilities'),
    error: UnknownCapabilityError,
    where: '--capabilities',
    contains: ['"net=api.example.com"'],
  },
  {
    name: 'list with an empty item',
    run: () => parseCapabilityList('net,,env', '--capabilities'),
    error: ManifestError,
    where: '--capabilities',
    contains: ['"net,,env"', 'item 2'],
  },
  {
    name: 'list with a trailing comma',
    run: () => parseCapabilityList('net,', '--capabilities'),
    error: ManifestError,
    where: '--capabilities',
    contains: ['"net,"'],
  },
  {
    name: 'empty list',
    run: () => parseCapabilityList('', '--capabilities'),
    error: ManifestError,
    where: '--capabilities',
    contains: ['""'],
  },
  {
    name: 'missing file',
    run: () => loadCapabilitiesArgument('conf/caps.json', noFiles),
    error: ManifestError,
    where: '--capabilities',
    contains: ['"conf/caps.json"', 'ENOENT'],
  },
  {
    name: 'bad JSON file names the file',
    run: () => loadCapabilitiesArgument('caps.json', () => '{"allow": [net]}'),
    error: ManifestError,
    where: 'caps.json',
    contains: ['line 1, column 12'],
  },
  {
    name: 'bad TOML file names the file',
    run: () => loadCapabilitiesArgument('x/molt.toml', () => '[capabilities]\nallow = ["nett"]'),
    error: UnknownCapabilityError,
    where: 'x/molt.toml at capabilities.allow[0]',
    contains: ['"nett"'],
  },
  // flags
  {
    name: '--allow-net bad host',
    run: () => flagsToLayers({ allowNet: 'exa mple.com' }),
    error: ScopeError,
    where: '--allow-net',
    contains: ['"exa mple.com"'],
  },
  {
    name: '--allow-net bad host in a later repeat',
    run: () => flagsToLayers({ allowNet: ['a.example.com', 'b.example.com,:80'] }),
    error: ScopeError,
    where: '--allow-net',
    contains: ['":80"'],
  },
  {
    name: '--allow-read empty value',
    run: () => flagsToLayers({ allowRead: '' }),
    error: ManifestError,
    where: '--allow-read',
    contains: ['""', 'leave out "="'],
  },
  {
    name: '--deny-env empty item',
    run: () => flagsToLayers({ denyEnv: 'AWS_*,' }),
    error: ManifestError,
    where: '--deny-env',
    contains: ['"AWS_*,"'],
  },
  {
    name: '--deny-env bad name',
    run: () => flagsToLayers({ denyEnv: 'A*B' }),
    error: ScopeError,
    where: '--deny-env',
    contains: ['"A*B"'],
  },
  {
    name: '--allow-write path escaping',
    run: () => flagsToLayers({ allowWrite: '/out,/../x' }),
    error: ScopeError,
    where: '--allow-write',
    contains: ['"/../x"'],
  },
];

describe('bad input: error class, quoted input, location', () => {
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(c.run, (e: unknown) => {
        assert.ok(e instanceof Error, `not an Error: ${String(e)}`);
        assert.equal(e.constructor, c.error, `class ${e.constructor.name}: ${e.message}`);
        assert.ok(e instanceof ManifestError);
        assert.equal(e.where, c.where, e.message);
        assert.ok(e.message.startsWith(`${c.where}: `), e.message);
        for (const s of c.contains) assert.ok(e.message.includes(s), `${JSON.stringify(e.message)} lacks ${JSON.stringify(s)}`);
        return true;
      });
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command, CommanderError } from 'commander';
import {
  addAllowUndeclaredOption,
  addCapabilityOptions,
  readCapabilityOptions,
  requireEqualsForScopedFlags,
} from '../../host/cli/capability-options.js';
import { ManifestError, ScopeError, UnknownCapabilityError, UsageError } from '../../host/errors.js';
import { manifestToCanonicalJson, parseProfileJson } from '../../host/manifest/input/index.js';
import { mergeManifests } from '../../host/policy/index.js';

const files: Record<string, string> = {
  'profile.json': '{"allow": ["net", "time"], "fs": {"read": ["/data"], "write": []}}',
  'conf/molt.toml': '[capabilities.allow]\nenv = ["HOME"]\n',
};
const readFile = (p: string): string => {
  const t = files[p];
  if (t === undefined) throw new Error(`ENOENT: ${p}`);
  return t;
};

/** Parses `argv` with a fresh command that takes one positional argument, with run's options. */
function parse(argv: string[]): { opts: Record<string, unknown>; args: string[] } {
  const cmd = addAllowUndeclaredOption(
    addCapabilityOptions(
      new Command('run')
        .argument('[app]')
        .exitOverride()
        .configureOutput({ writeErr: () => {} }),
    ),
  );
  cmd.parse(argv, { from: 'user' });
  return { opts: cmd.opts(), args: cmd.args };
}

function read(argv: string[]) {
  return readCapabilityOptions(parse(argv).opts, readFile);
}

const EMPTY = '{"allow":{},"deny":{},"version":1}';

describe('addCapabilityOptions + readCapabilityOptions', () => {
  it('no flags: no manifest, empty layers, nothing broad', () => {
    const r = read(['app.wasm']);
    assert.equal(r.manifest, undefined);
    assert.equal(manifestToCanonicalJson(r.allow), EMPTY);
    assert.equal(manifestToCanonicalJson(r.deny), EMPTY);
    assert.deepEqual([r.allowUndeclared, r.broad, r.denyConsole], [false, [], false]);
  });

  it('flags for a policy give the same canonical manifest as its canonical JSON', () => {
    const r = read(['--allow-net=api.example.com:443', '--allow-read=/data', '--allow-time', '--deny-net=169.254.169.254', 'app.wasm']);
    const expected = parseProfileJson(
      '{"version":1,"allow":{"net":["api.example.com:443"],"fs.read":["/data"],"time":true},"deny":{"net":["169.254.169.254"]}}',
      'c.json',
    );
    assert.equal(manifestToCanonicalJson(mergeManifests(r.allow, r.deny)), manifestToCanonicalJson(expected));
  });

  it('repeated scoped flags accumulate, comma lists split, a bare use makes it unscoped', () => {
    const r = read([
      '--allow-read=/a,/b',
      '--allow-read=/c',
      '--allow-env=HOME',
      '--allow-env',
      '--allow-net',
      '--allow-net=x.example.com',
      'app.wasm',
    ]);
    assert.equal(manifestToCanonicalJson(r.allow), '{"allow":{"env":true,"fs.read":["/a","/b","/c"],"net":true},"deny":{},"version":1}');
    assert.deepEqual(r.broad, ['--allow-net']);
  });

  it('a scoped value needs "=": a bare flag is unscoped and never takes the next argument', () => {
    const p = parse(['--allow-write', 'app.wasm', '--deny-console']);
    assert.deepEqual(p.args, ['app.wasm']);
    const r = readCapabilityOptions(p.opts, readFile);
    assert.equal(manifestToCanonicalJson(r.allow), '{"allow":{"fs.write":true},"deny":{},"version":1}');
    assert.equal(manifestToCanonicalJson(r.deny), '{"allow":{},"deny":{"console.write":true},"version":1}');
    assert.equal(r.denyConsole, true);
    assert.deepEqual(r.broad, ['--allow-write']);
    const scoped = parse(['--allow-write=/out', 'app.wasm']);
    assert.deepEqual(scoped.args, ['app.wasm']);
    assert.equal(
      manifestToCanonicalJson(readCapabilityOptions(scoped.opts, readFile).allow),
      '{"allow":{"fs.write":["/out"]},"deny":{},"version":1}',
    );
  });

  it('run --deny-net app.wasm -- URL: the app stays the app, the guest arguments are not rewritten', () => {
    const cmd = addCapabilityOptions(
      new Command('run')
        .argument('<app>')
        .argument('[args...]')
        .exitOverride()
        .configureOutput({ writeErr: () => {} }),
    );
    cmd.parse(['--deny-net', 'app.wasm', '--', 'http://example.com/', '--allow-read'], { from: 'user' });
    assert.deepEqual(cmd.processedArgs, ['app.wasm', ['http://example.com/', '--allow-read']]);
    const r = readCapabilityOptions(cmd.opts(), readFile);
    assert.equal(manifestToCanonicalJson(r.deny), '{"allow":{},"deny":{"net":true},"version":1}');
  });

  it('requireEqualsForScopedFlags rewrites only bare scoped flags before "--"', () => {
    const out = requireEqualsForScopedFlags(['--allow-read', '--allow-read=/a', '--allow-time', '--deny-env', 'x', '--', '--allow-net']);
    assert.deepEqual(out.slice(1, 3), ['--allow-read=/a', '--allow-time']);
    assert.match(out[0]!, /^--allow-read=/);
    assert.match(out[3]!, /^--deny-env=/);
    assert.deepEqual(out.slice(4), ['x', '--', '--allow-net']);
  });

  it('--allow-all is broad; --deny-all also takes the console; --allow-undeclared is read', () => {
    const r = read(['--allow-all', '--deny-all', '--allow-undeclared']);
    assert.deepEqual(r.broad, ['--allow-all']);
    assert.equal(r.denyConsole, true);
    assert.equal(r.allowUndeclared, true);
    assert.equal(Object.keys(r.deny.deny).length, 6);
  });

  it('--capabilities takes a list or files, repeated ones are merged', () => {
    const r = read(['--capabilities', 'console.write', '--capabilities=profile.json', '--capabilities', 'conf/molt.toml']);
    assert.equal(
      manifestToCanonicalJson(r.manifest!),
      '{"allow":{"console.write":true,"env":["HOME"],"fs.read":["/data"],"net":true,"time":true},"deny":{},"version":1}',
    );
  });

  // On a flag, bad input is a command line to correct: UsageError (64) naming the flag and
  // quoting the value, with the parser's error as its cause (SPEC section 8).
  const badFlags: [string, string[], typeof ManifestError, string, string][] = [
    ['bad host', ['--allow-net=exa mple.com'], ScopeError, '--allow-net', '"exa mple.com"'],
    ['bad path in a repeat', ['--deny-read=/a', '--deny-read=/../b'], ScopeError, '--deny-read', '"/../b"'],
    ['empty value', ['--allow-env='], ManifestError, '--allow-env', '""'],
    ['port out of range', ['--allow-net=foo:99999'], ScopeError, '--allow-net', 'foo:99999'],
  ];
  for (const [name, argv, cls, where, quoted] of badFlags) {
    it(`refuses ${name} as a usage error`, () => {
      assert.throws(
        () => read(argv),
        (e: unknown) =>
          e instanceof UsageError &&
          e.exitCode === 64 &&
          e.message.startsWith(`${where}: `) &&
          e.message.includes(quoted) &&
          e.cause instanceof ManifestError &&
          e.cause.constructor === cls,
      );
    });
  }

  // In a --capabilities list or file: bad input, exit 65.
  const bad: [string, string[], typeof ManifestError, string, string][] = [
    ['unknown capability in --capabilities', ['--capabilities', 'net,disk'], UnknownCapabilityError, '--capabilities', '"disk"'],
    ['missing capabilities file', ['--capabilities', 'nope.json'], ManifestError, '--capabilities', '"nope.json"'],
  ];
  for (const [name, argv, cls, where, quoted] of bad) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => read(argv),
        (e: unknown) => e instanceof ManifestError && e.constructor === cls && e.where === where && e.message.includes(quoted),
      );
    });
  }

  it('a boolean flag given a value is a commander usage error', () => {
    assert.throws(
      () => parse(['--allow-time=wall']),
      (e: unknown) => e instanceof CommanderError && e.code === 'commander.unknownOption',
    );
  });

  it('--capabilities without a value is a commander usage error', () => {
    assert.throws(
      () => parse(['--capabilities']),
      (e: unknown) => e instanceof CommanderError && e.code === 'commander.optionMissingArgument',
    );
  });
});

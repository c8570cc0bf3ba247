/** Fuzzing the manifest input parsers: profile JSON, molt.toml, capability lists, flags. */
import { test } from 'node:test';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flagsToLayers } from '../../host/manifest/input/flags.js';
import { parseCapabilityList, parseMoltToml, parseProfileJson } from '../../host/manifest/input/index.js';
import { REPO } from '../node-host/helpers.js';
import { RUNS, textInput, typedOnly } from './support.js';

const JSON_SEEDS = [
  '{"allow": ["net","time"], "fs": {"read": ["/data"], "write": []}}',
  '{"version":1,"allow":{"net":["api.example.com:443"],"fs.read":["/data"],"time":true},"deny":{"net":["169.254.169.254"]}}',
  '{"version":1,"allow":{"env":["HOME","APP_*"],"console.write":true},"deny":{}}',
  '{"allow":{"net":["*.example.com","10.0.0.0/8","[::1]:80"]},"deny":{"fs.write":true}}',
];
const TOML_SEEDS = [
  ...['probe', 'hello', 'files', 'http-client'].map((g) => readFileSync(join(REPO, 'guest-examples', g, 'molt.toml'), 'utf8')),
  '[capabilities]\nallow = ["net", "time"]\n[capabilities.fs]\nread = ["/data"]\n',
  '[capabilities.allow]\nnet = ["a.example:443"]\n[capabilities.deny]\nnet = ["169.254.169.254"]\n',
];
const LIST_SEEDS = ['net,env', 'fs.read,fs.write,time', 'console.write', 'net, env ,time', 'all', ''];

test('parseProfileJson: random, mutated and structured JSON', () => {
  const structured = fc
    .record(
      {
        version: fc.oneof(fc.constant(1), fc.jsonValue()),
        allow: fc.oneof(
          fc.array(fc.constantFrom('net', 'time', 'env', 'fs.read', 'bogus', '')),
          fc.dictionary(fc.constantFrom('net', 'fs.read', 'env', 'time', 'x'), fc.jsonValue()),
        ),
        deny: fc.dictionary(fc.constantFrom('net', 'fs.write', 'env', '__proto__'), fc.jsonValue()),
        fs: fc.jsonValue(),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o));
  fc.assert(
    fc.property(
      fc.oneof(
        textInput(JSON_SEEDS),
        structured,
        fc.jsonValue().map((v) => JSON.stringify(v)),
      ),
      (text) => {
        typedOnly(() => parseProfileJson(text, 'fuzz.json'));
      },
    ),
    { numRuns: RUNS },
  );
});

test('parseMoltToml: random and mutated TOML', () => {
  fc.assert(
    fc.property(textInput(TOML_SEEDS), (text) => typedOnly(() => parseMoltToml(text, 'molt.toml'))),
    { numRuns: RUNS },
  );
});

test('parseCapabilityList: random and mutated lists', () => {
  fc.assert(
    fc.property(textInput(LIST_SEEDS), (text) => typedOnly(() => parseCapabilityList(text, '--capabilities'))),
    { numRuns: RUNS },
  );
});

test('flagsToLayers: random flag values', () => {
  const scoped = fc.oneof(
    fc.constant(undefined),
    fc.constant(true),
    fc.array(
      fc.oneof(fc.constant(true as const), textInput(['/data', 'api.example.com:443', 'HOME', 'APP_*', '10.0.0.0/8', '*.x.org', '/a,/b'])),
      { maxLength: 4 },
    ),
  );
  const flag = fc.option(fc.boolean(), { nil: undefined });
  const values = fc.record(
    {
      allowRead: scoped,
      allowWrite: scoped,
      allowNet: scoped,
      allowEnv: scoped,
      allowTime: flag,
      allowConsole: flag,
      allowAll: flag,
      denyRead: scoped,
      denyWrite: scoped,
      denyNet: scoped,
      denyEnv: scoped,
      denyTime: flag,
      denyConsole: flag,
      denyAll: flag,
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(values, (v) => typedOnly(() => flagsToLayers(v as Parameters<typeof flagsToLayers>[0]))),
    { numRuns: RUNS },
  );
});

/**
 * Parse once (issue 16): a scope is parsed where it enters (a flag, a file, the embedded
 * section) and nowhere after. The `run` path is driven in process, exactly as `molt-wasm
 * run` does it (readProvenance, readCapabilityOptions, policyFromOptions, host.prepare with
 * preopens, a prompt and the denial lines, the guest's start), with a counter on every scope
 * parser. Before the typed rules, one `--allow-read=/data` went through PathScope.parse 7
 * times before the first check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { policyFromOptions, readCapabilityOptions } from '../../host/cli/capability-options.js';
import { RUN_DEFAULT_GRANTS } from '../../host/cli/defaults.js';
import { planPreopens } from '../../host/gate/preopens.js';
import { embedManifest, readProvenance } from '../../host/manifest/index.js';
import { createHost } from '../../host/node/host.js';
import { EnvScope, NetScope, normalizeManifest, PathScope, PolicyEngine, PolicyRules } from '../../host/policy/index.js';
import { denialHint } from '../../host/run/denial-notices.js';
import { capture, REPO, tempDir } from '../node-host/helpers.js';

/** Counts every call of the three scope parsers, by input text. Returns the counts and an undo. */
function countParses(): { counts: Map<string, number>; total: () => number; restore: () => void } {
  const counts = new Map<string, number>();
  const bump = (kind: string, input: string): void => void counts.set(`${kind} ${input}`, (counts.get(`${kind} ${input}`) ?? 0) + 1);
  const path = PathScope.parse;
  const net = NetScope.parse;
  const env = EnvScope.parse;
  PathScope.parse = (input: string, where?: string) => (bump('path', input), path.call(PathScope, input, where));
  NetScope.parse = (input: string, where?: string) => (bump('net', input), net.call(NetScope, input, where));
  EnvScope.parse = (input: string, where?: string) => (bump('env', input), env.call(EnvScope, input, where));
  return {
    counts,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    restore: () => {
      PathScope.parse = path;
      NetScope.parse = net;
      EnvScope.parse = env;
    },
  };
}

test('the run path parses each scope once: flags, embedded manifest, precedence, subject, preopens, prompt, hints', async (t) => {
  const work = tempDir('molt-parse-once-');
  mkdirSync(join(work, 'data', 'out'), { recursive: true });
  const tool = { name: 'molt-wasm-test', version: '0' };
  // cp: a preview1 module (no transpile), re-embedded with a manifest of scoped grants.
  const bytes = embedManifest(
    new Uint8Array(readFileSync(join(REPO, 'guest-examples/dist/cp.wasm'))),
    {
      version: 1,
      allow: { 'console.write': true, 'fs.read': ['/data'], 'fs.write': ['/data/out'], env: ['HOME'] },
      deny: { net: ['10.0.0.0/8'] },
    },
    tool,
  );
  const spy = countParses();
  t.after(spy.restore);

  const embedded = readProvenance(bytes);
  assert.equal(embedded.status, 'verified');
  // The embedded section's four scopes, each once.
  assert.equal(spy.total(), 4);
  const caps = readCapabilityOptions({ allowRead: ['/data'], denyRead: ['/data/secret'], allowEnv: ['HOME'] }, () => '');
  const policy = policyFromOptions(caps, embedded, RUN_DEFAULT_GRANTS);
  // Plus the flags' three, each once: resolving the layers parsed nothing again.
  assert.equal(spy.total(), 4 + 3, [...spy.counts].join('; '));

  const engine = new PolicyEngine();
  const host = createHost({ engine, cacheDir: join(work, 'cache') });
  const err = capture();
  const guest = await host.prepare(bytes, {
    manifest: policy.manifest,
    embedded,
    dirs: { '/data': join(work, 'data') },
    args: ['cp'],
    stderr: err.sink,
    denialNotices: policy.hints,
    prompt: () => 'deny',
  });
  planPreopens(policy.manifest, { '/data': join(work, 'data') });
  // A denial line, worked out from the same context the run uses.
  assert.equal(denialHint(policy.hints, 'fs.read', { kind: 'path', path: '/data/secret/x' }), ', denied by --deny-read');
  assert.equal(
    denialHint(policy.hints, 'net', { kind: 'net', host: 'example.com' }),
    ', not declared in the manifest; run again with --allow-net=example.com --allow-undeclared',
  );
  // The checks themselves read targets, never scopes.
  assert.equal(engine.check(guest.subject, 'fs.read', { kind: 'path', path: '/data/a' }), 'ok');
  assert.equal(engine.check(guest.subject, 'fs.read', { kind: 'path', path: '/data/secret/a' }), 'missing');
  assert.deepEqual(engine.query(guest.subject, 'fs.read', { kind: 'path', path: '/data/secret/a' }).reason, {
    kind: 'denied',
    rule: '/data/secret',
  });
  await guest.start();

  assert.deepEqual(Object.fromEntries(spy.counts), {
    // Once from the embedded section, once from --allow-read: two inputs, one parse each.
    'path /data': 2,
    'path /data/out': 1,
    'path /data/secret': 1,
    'env HOME': 2,
    'net 10.0.0.0/8': 1,
  });
});

test('a manifest the policy core made maps back to its rules: normalising, compiling and merging it parse nothing', (t) => {
  const m = normalizeManifest({ version: 1, allow: { 'fs.read': ['/a', '/b/'], net: ['x.example.com:443'] }, deny: { env: ['AWS_*'] } });
  const spy = countParses();
  t.after(spy.restore);
  assert.equal(normalizeManifest(m), m, 'idempotent, and the same object');
  assert.equal(PolicyRules.fromManifest(m).toManifest(), m);
  new PolicyEngine().createSubject(m, { ceiling: m });
  assert.equal(spy.total(), 0);
  // A manifest from outside (a JSON document) is parsed, once per scope.
  const copy = JSON.parse(JSON.stringify(m)) as typeof m;
  assert.deepEqual(normalizeManifest(copy), m);
  assert.equal(spy.total(), 4);
});

test('revoke parses only the scope it names, however many allow scopes the subject has', (t) => {
  const e = new PolicyEngine();
  const paths = Array.from({ length: 50 }, (_, i) => `/d${i}`);
  const s = e.createSubject({ version: 1, allow: { 'fs.read': paths }, deny: {} });
  const spy = countParses();
  t.after(spy.restore);
  assert.equal(e.revoke(s, 'fs.read', '/d7'), 'ok');
  assert.equal(e.grant(s, 'fs.read', '/d7/x'), 'ok');
  assert.deepEqual(Object.fromEntries(spy.counts), { 'path /d7': 1, 'path /d7/x': 1 });
  assert.equal(e.check(s, 'fs.read', { kind: 'path', path: '/d7/y' }), 'missing');
  assert.equal(e.check(s, 'fs.read', { kind: 'path', path: '/d7/x/z' }), 'ok');
  assert.equal(e.check(s, 'fs.read', { kind: 'path', path: '/d8' }), 'ok');
});

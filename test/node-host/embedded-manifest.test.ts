/**
 * `manifest: 'embedded'`: an embedder gets the CLI's reading of a built binary (its verified
 * embedded manifest) without parsing the sections itself. It grants what the manifest
 * declares and nothing beyond; a binary without a manifest gets nothing (the library's zero
 * default, not the CLI's console.write); a tampered binary is refused before it runs. The
 * default (no `manifest`) stays zero capabilities even for a binary that carries one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHost, ProvenanceError, type AuditRecord } from '../../host/index.js';
import { readCustomSections, withoutMoltSections } from '../../host/manifest/wasm/sections.js';
import { capture, REPO, tempDir } from './helpers.js';

const host = createHost({ cacheDir: join(tempDir('molt-embedded-'), 'cache') });

/** A built guest example (manifest from its molt.toml), or a failure naming the fix. */
function example(name: string): Uint8Array {
  const path = join(REPO, 'guest-examples', 'dist', `${name}.wasm`);
  assert.ok(existsSync(path), `${path} missing: run npm run build:guests`);
  return new Uint8Array(readFileSync(path));
}

test("env.wasm under 'embedded': console.write and env=GREETING, as its molt.toml declares", async () => {
  const out = capture();
  const r = await host.run(example('env'), { manifest: 'embedded', env: { GREETING: 'hello', OTHER: 'x' }, stdout: out.sink });
  assert.equal(r.outcome, 'returned', r.error?.message);
  assert.equal(out.text(), 'GREETING=hello\n');
  // The same call under the policy the engine holds for the subject: exactly the manifest.
  assert.equal(host.engine.check(r.subject, 'env', { kind: 'env', name: 'GREETING' }), 'ok');
  assert.equal(host.engine.check(r.subject, 'env', { kind: 'env', name: 'OTHER' }), 'missing');
  assert.equal(host.engine.check(r.subject, 'time'), 'missing');
});

test("'embedded' grants nothing the manifest does not declare: hello.wasm (console only) cannot read the clock or env", async () => {
  const audit: AuditRecord[] = [];
  const out = capture();
  const r = await host.run(example('hello'), { manifest: 'embedded', stdout: out.sink, audit: (a) => audit.push(a) });
  assert.equal(r.exitCode, 0, r.error?.message);
  assert.equal(out.text(), 'hello from a molt-wasm component\n');
  assert.equal(host.engine.check(r.subject, 'time'), 'missing');
  assert.equal(host.engine.check(r.subject, 'net', { kind: 'net', host: 'example.com', port: 443 }), 'missing');
  assert.ok(
    audit.some((a) => a.capability === 'console.write' && a.decision === 'allow'),
    JSON.stringify(audit),
  );
});

test('the default stays zero capabilities, even for a binary with an embedded manifest', async () => {
  const out = capture();
  const r = await host.run(example('hello'), { stdout: out.sink });
  assert.equal(r.outcome, 'capability-trap');
  assert.equal(r.exitCode, 77);
  assert.equal(out.text(), '');
});

test("'embedded' on a binary without a manifest grants nothing (not the CLI's console.write)", async () => {
  const bare = withoutMoltSections(example('hello'));
  assert.equal(readCustomSections(bare, 'molt:capabilities').length, 0);
  const out = capture();
  const r = await host.run(bare, { manifest: 'embedded', stdout: out.sink });
  assert.equal(r.outcome, 'capability-trap');
  assert.equal(r.exitCode, 77);
  assert.match(r.error?.message ?? '', /console\.write/);
  assert.equal(out.text(), '');
});

/** hello.wasm with one byte of its embedded manifest changed (`console.write` -> `console.writf`). */
function tampered(): Uint8Array {
  const bytes = example('hello');
  const text = Buffer.from(bytes).toString('latin1');
  const at = text.indexOf('"console.write"');
  assert.ok(at > 0 && text.indexOf('"console.write"', at + 1) === -1, 'one manifest to tamper with');
  const copy = new Uint8Array(bytes);
  copy[at + '"console.writ'.length] = 'f'.charCodeAt(0);
  return copy;
}

test("'embedded' refuses a tampered manifest with ProvenanceError before anything runs", async () => {
  const out = capture();
  await assert.rejects(host.run(tampered(), { manifest: 'embedded', stdout: out.sink }), (e: unknown) => {
    assert.ok(e instanceof ProvenanceError, String(e));
    assert.match((e as Error).message, /modified after build/);
    return true;
  });
  assert.equal(out.text(), '');
});

test("'embedded' works the same in a worker (timeoutMs), tampered binaries refused there too", async () => {
  const out = capture();
  const r = await host.run(example('env'), { manifest: 'embedded', env: { GREETING: 'hi' }, stdout: out.sink, timeoutMs: 60_000 });
  assert.equal(r.exitCode, 0, r.error?.message);
  assert.equal(out.text(), 'GREETING=hi\n');
  await assert.rejects(host.run(tampered(), { manifest: 'embedded', timeoutMs: 60_000 }), /modified after build/);
});

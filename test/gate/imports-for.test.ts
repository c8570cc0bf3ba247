/**
 * createGatedWasiFor (host/gate/index.ts): the import object of a guest that imports only some
 * interfaces, as `molt-wasm serve` builds one per request. What it leaves out is absent (not
 * an ungated stand-in), what it builds is the same gated code as createGatedWasi's (an
 * outgoing request the policy does not allow is still denied, and audited), and with every
 * interface named it is the whole object.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRecord } from '../../host/gate/audit.js';
import { createGatedWasi, createGatedWasiFor, disposeGatedWasi } from '../../host/gate/index.js';
import { nodePlatform } from '../../host/node/platform.js';
import { PolicyEngine, emptyManifest } from '../../host/policy/index.js';

function subjectOf(engine: PolicyEngine) {
  return engine.createSubject(emptyManifest(), 'imports-for test');
}

/** What a wasi:http/proxy component built by the serve tests imports (test/serve/proxy-guest.wat). */
const PROXY_IMPORTS = new Set(['wasi:http/outgoing-handler', 'wasi:http/types', 'wasi:io/error', 'wasi:io/poll', 'wasi:io/streams']);

test('only the parts holding an imported interface are built; the others are absent', () => {
  const engine = new PolicyEngine();
  const imports = createGatedWasiFor({ engine, subject: subjectOf(engine), platform: nodePlatform }, PROXY_IMPORTS);
  try {
    const keys = Object.keys(imports);
    for (const i of PROXY_IMPORTS) assert.ok(keys.includes(i), `${i} is supplied`);
    for (const prefix of ['wasi:filesystem/', 'wasi:sockets/', 'wasi:cli/', 'wasi:clocks/', 'wasi:random/', 'molt:capabilities/'])
      assert.deepEqual(
        keys.filter((k) => k.startsWith(prefix)),
        [],
        `nothing under ${prefix}`,
      );
  } finally {
    disposeGatedWasi(imports);
  }
});

test('a part that is built is gated: an outgoing request the policy does not allow is denied and audited', () => {
  const engine = new PolicyEngine();
  const audit: AuditRecord[] = [];
  const imports = createGatedWasiFor(
    { engine, subject: subjectOf(engine), platform: nodePlatform, audit: (r) => void audit.push(r) },
    PROXY_IMPORTS,
  );
  try {
    const T = imports['wasi:http/types']!;
    const req = new T.OutgoingRequest(new T.Fields());
    req.setScheme({ tag: 'HTTP' });
    req.setAuthority('127.0.0.1:9');
    req.setPathWithQuery('/');
    assert.throws(
      () => imports['wasi:http/outgoing-handler']!.handle(req, undefined),
      (e: unknown) => (e as { tag?: unknown }).tag === 'HTTP-request-denied',
    );
    assert.ok(
      audit.some((r) => r.operation === 'wasi:http/outgoing-handler#handle' && r.decision === 'deny'),
      JSON.stringify(audit),
    );
  } finally {
    disposeGatedWasi(imports);
  }
});

test('with every interface named, the same interfaces as createGatedWasi', () => {
  const engine = new PolicyEngine();
  const whole = createGatedWasi({ engine, subject: subjectOf(engine), platform: nodePlatform });
  const named = createGatedWasiFor({ engine, subject: subjectOf(engine), platform: nodePlatform }, new Set(Object.keys(whole)));
  try {
    assert.deepEqual(Object.keys(named).sort(), Object.keys(whole).sort());
  } finally {
    disposeGatedWasi(whole);
    disposeGatedWasi(named);
  }
});

// Models prompt spoofing (Deno CVE-2023-28446 / CVE-2024-27936 class: the guest shapes what an
// answer grants): `always` on a net question grants "the host of the target, any port", and
// the host was taken as a policy scope. A guest asking for the name `*.com` (an HTTP authority
// or a lookup name: neither refuses `*`) or `10.0.0.0/8` (a lookup name) turned the user's
// "always" for one odd host into a wildcard or CIDR grant, while the name itself, no valid
// host, was still refused. A net target that is neither a host name nor an IP address is
// now refused without a question.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Gate } from '../../host/gate/gate.js';
import { PromptGate, type PromptQuestion } from '../../host/gate/prompt.js';
import { PolicyEngine } from '../../host/policy/index.js';

function setup() {
  const engine = new PolicyEngine();
  const subject = engine.createSubject({ version: 1, allow: {}, deny: {} });
  const asked: PromptQuestion[] = [];
  const prompt = new PromptGate({ engine, ask: (q) => (asked.push(q), 'always') });
  const gate = new Gate(engine, subject, undefined, prompt);
  const net = (host: string, port?: number) =>
    gate.allows(
      'net',
      port === undefined ? { kind: 'net', host } : { kind: 'net', host, port },
      'wasi:sockets/ip-name-lookup',
      'resolve-addresses',
    );
  return { engine, subject, asked, net };
}

test('a net target spelled as a pattern is refused without a question, and grants nothing', () => {
  const s = setup();
  for (const host of ['*.com', '*.example.com', '10.0.0.0/8', '[::]/0', '0.0.0.0/0']) {
    assert.equal(s.net(host, 443), false, host);
  }
  assert.equal(s.asked.length, 0, JSON.stringify(s.asked.map((q) => q.target)));
  for (const host of ['anything.com', 'api.example.com', '10.1.2.3']) {
    assert.equal(s.engine.check(s.subject, 'net', { kind: 'net', host, port: 443 }), 'missing', host);
  }
});

test('a host name or an address is still asked about, and always grants that host', () => {
  const s = setup();
  assert.equal(s.net('api.example.com', 443), true);
  assert.equal(s.net('10.1.2.3', 80), true);
  assert.deepEqual(
    s.asked.map((q) => q.scope),
    ['api.example.com', '10.1.2.3'],
  );
  assert.equal(s.engine.check(s.subject, 'net', { kind: 'net', host: 'other.example.com', port: 443 }), 'missing');
});

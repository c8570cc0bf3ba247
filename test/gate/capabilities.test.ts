/** molt:capabilities answers with the engine's codes, in the engine's order (SPEC sections 2 and 6). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCapabilitiesInterface, MOLT_CAPABILITIES_IMPORT } from '../../host/gate/capabilities.js';
import { Gate } from '../../host/gate/gate.js';
import { PolicyEngine } from '../../host/policy/index.js';

interface CapsInterface {
  check(name: string): string;
  checkId(id: number): string;
}

function setup(): { engine: PolicyEngine; subject: number; caps: CapsInterface } {
  const engine = new PolicyEngine();
  const subject = engine.createSubject({ version: 1, allow: { time: true }, deny: {} });
  const caps = createCapabilitiesInterface(new Gate(engine, subject))[MOLT_CAPABILITIES_IMPORT] as unknown as CapsInterface;
  return { engine, subject, caps };
}

test('checkId on a live subject: ok, missing, cap-invalid for unknown ids', () => {
  const { engine, subject, caps } = setup();
  assert.deepEqual([caps.checkId(6), caps.checkId(2), caps.checkId(0), caps.checkId(99)], ['ok', 'missing', 'cap-invalid', 'cap-invalid']);
  for (const id of [0, 2, 6, 99]) assert.equal(caps.checkId(id), engine.check(subject, id), `id ${id}`);
});

test('after the subject is dropped, checkId answers subject-invalid first, as the engine does', () => {
  const { engine, subject, caps } = setup();
  engine.dropSubject(subject);
  for (const id of [0, 6, 99, 0xffffffff]) {
    assert.equal(caps.checkId(id), 'subject-invalid', `id ${id}`);
    assert.equal(caps.checkId(id), engine.check(subject, id), `id ${id}`);
  }
  assert.equal(caps.check('bogus'), 'subject-invalid');
});

// Prompt flooding (docs/prompts.md): a guest that keeps causing questions, hoping one is
// answered yes by habit, gets at most PROMPT_BURST questions per capability within
// PROMPT_WINDOW_MS; after that, and after a `deny all` answer, requests of that capability
// are denied without asking (audited `unasked`). The clock is injected: no wall-clock bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Gate } from '../../host/gate/gate.js';
import type { AuditRecord } from '../../host/gate/audit.js';
import { PROMPT_BURST, PROMPT_WINDOW_MS, PromptGate, type PromptQuestion } from '../../host/gate/prompt.js';
import { PolicyEngine } from '../../host/policy/index.js';

const FS = 'wasi:filesystem/types';

function setup(answer: (q: PromptQuestion) => 'once' | 'deny' | 'deny-all', grants: Record<string, string[] | true> = {}) {
  const engine = new PolicyEngine();
  const subject = engine.createSubject({ version: 1, allow: grants, deny: {} });
  const asked: PromptQuestion[] = [];
  const records: AuditRecord[] = [];
  let clock = 1_000_000;
  const prompt = new PromptGate({ engine, ask: (q) => (asked.push(q), answer(q)), now: () => clock });
  const gate = new Gate(engine, subject, (r) => records.push(r), prompt);
  return {
    asked,
    records,
    advance: (ms: number) => void (clock += ms),
    read: (path: string) => gate.allows('fs.read', { kind: 'path', path }, FS, 'descriptor.open-at'),
    connect: (host: string) => gate.allows('net', { kind: 'net', host, port: 443 }, 'wasi:sockets/tcp', 'tcp-socket.start-connect'),
  };
}

test(`after ${PROMPT_BURST} questions about one capability within ${PROMPT_WINDOW_MS} ms, the rest are denied unasked`, () => {
  const s = setup(() => 'deny');
  for (let i = 0; i < PROMPT_BURST; i++) {
    assert.equal(s.read(`/f${i}`), false);
    s.advance(10);
  }
  assert.equal(s.asked.length, PROMPT_BURST);
  for (let i = 0; i < 100; i++) assert.equal(s.read(`/g${i}`), false);
  assert.equal(s.asked.length, PROMPT_BURST, 'no question past the bound');
  // Past the bound the capability stays silenced for the run, even after the window.
  s.advance(PROMPT_WINDOW_MS * 10);
  assert.equal(s.read('/later'), false);
  assert.equal(s.asked.length, PROMPT_BURST);
  assert.ok(s.records.some((r) => r.answer === 'unasked' && r.decision === 'deny' && r.source === 'prompt'));
  // Another capability is still asked about.
  assert.equal(s.connect('example.com'), false);
  assert.equal(s.asked.length, PROMPT_BURST + 1);
});

test('questions spread wider than the window never reach the bound', () => {
  const s = setup(() => 'deny');
  for (let i = 0; i < PROMPT_BURST * 3; i++) {
    s.read(`/f${i}`);
    s.advance(PROMPT_WINDOW_MS / (PROMPT_BURST - 1));
  }
  assert.equal(s.asked.length, PROMPT_BURST * 3);
});

test('deny all: this call and every later request of the capability are denied without asking; grants stay', () => {
  const s = setup((q) => (q.capability === 'fs.read' ? 'deny-all' : 'once'), { 'fs.read': ['/granted'] });
  assert.equal(s.read('/secret'), false);
  assert.equal(s.read('/other'), false);
  assert.equal(s.read('/secret'), false);
  assert.equal(s.asked.length, 1);
  assert.equal(s.read('/granted/x'), true, 'what the policy grants stays granted');
  assert.equal(s.connect('example.com'), true, 'another capability is still asked');
  assert.equal(s.asked.length, 2);
  assert.deepEqual(
    s.records.filter((r) => r.capability === 'fs.read' && r.source === 'prompt').map((r) => r.answer),
    ['deny-all', 'unasked', 'unasked'],
  );
});

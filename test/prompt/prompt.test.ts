/**
 * Prompt rules without a terminal: the escaping function, the question, the answers' effect
 * on the live policy and the audit log, the embedded-manifest ceiling, and the library API
 * (GuestOptions.prompt) driving a real guest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gate } from '../../host/gate/gate.js';
import type { AuditRecord } from '../../host/gate/audit.js';
import {
  broadenScope,
  escapeForTerminal,
  formatQuestion,
  parseAnswer,
  PromptGate,
  type PromptAnswer,
  type PromptQuestion,
} from '../../host/gate/prompt.js';
import { createHost } from '../../host/node/host.js';
import { PolicyEngine } from '../../host/policy/index.js';
import type { CanonicalManifest } from '../../host/policy/types.js';
import { REPO } from '../node-host/helpers.js';

const FS = 'wasi:filesystem/types';

test('escapeForTerminal: control characters, ANSI escapes and bidi controls become visible escapes', () => {
  assert.equal(escapeForTerminal('/data/in.txt'), '/data/in.txt');
  assert.equal(escapeForTerminal('/d/\x1b[2J\x1b[1;1HAllow'), '/d/\\x1b[2J\\x1b[1;1HAllow');
  assert.equal(escapeForTerminal('a\rb\nc\td\x07\x08\x00\x7f'), 'a\\x0db\\x0ac\\x09d\\x07\\x08\\x00\\x7f');
  assert.equal(escapeForTerminal('\u009b31m'), '\\x9b31m', 'C1 CSI');
  for (const c of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c]) {
    const ch = String.fromCharCode(c);
    assert.equal(escapeForTerminal(`x${ch}y`), `x\\u${c.toString(16).padStart(4, '0')}y`, `U+${c.toString(16)}`);
  }
  assert.equal(escapeForTerminal('a\u2028b\u200bc\ufeff'), 'a\\u2028b\\u200bc\\ufeff');
  // A backslash is doubled, so a guest cannot print something that looks like an escape of a safe char.
  assert.equal(escapeForTerminal('\\x41'), '\\\\x41');
  // Printable Unicode and well-formed surrogate pairs stay; lone surrogates do not.
  assert.equal(escapeForTerminal('/data/résumé-日本-😀'), '/data/résumé-日本-😀');
  assert.equal(escapeForTerminal('a\ud800b'), 'a\\ud800b');
  // Nothing dangerous survives, whatever the input.
  let all = '';
  for (let c = 0; c < 0x2100; c++) all += String.fromCharCode(c);
  const out = escapeForTerminal(all);
  // Control characters are exactly what this test looks for.
  // eslint-disable-next-line no-control-regex
  const bad = [...out].filter((ch) => /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069]/.test(ch));
  assert.deepEqual(bad, []);
});

test('the question names the capability, the target and the broadening scope, escaped', () => {
  assert.equal(
    formatQuestion('fs.read', '/data/in.txt', '/data'),
    'Allow read access to /data/in.txt? [y]es once / [a]lways for /data / [n]o / [d]eny all read requests / [N]ever for this run',
  );
  assert.equal(
    formatQuestion('time', null, null),
    'Allow time access? [y]es once / [a]lways / [n]o / [d]eny all time requests / [N]ever for this run',
  );
  assert.equal(
    formatQuestion('fs.write', '/d/\u202etxt.exe', '/d'),
    'Allow write access to /d/\\u202etxt.exe? [y]es once / [a]lways for /d / [n]o / [d]eny all write requests / [N]ever for this run',
  );
  assert.equal(broadenScope({ kind: 'path', path: '/data/in.txt' }), '/data');
  assert.equal(broadenScope({ kind: 'path', path: '/data' }), '/');
  assert.equal(broadenScope({ kind: 'path', path: '/' }), '/');
  assert.equal(broadenScope({ kind: 'net', host: 'api.example.com', port: 443 }), 'api.example.com');
  assert.equal(broadenScope({ kind: 'env', name: 'HOME' }), 'HOME');
  assert.equal(broadenScope(undefined), null);
  assert.deepEqual(['y', 'yes\n', 'a', 'A', 'n', 'no', 'N', 'never', 'd', 'D', 'deny all', '', 'x', 'yy', 'ya'].map(parseAnswer), [
    'once',
    'once',
    'always',
    'always',
    'deny',
    'deny',
    'never',
    'never',
    'deny-all',
    'deny-all',
    'deny-all',
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
});

function setup(
  manifest: CanonicalManifest,
  answers: PromptAnswer[],
  opts: { ceiling?: CanonicalManifest; allowUndeclared?: boolean; now?: () => number } = {},
) {
  const engine = new PolicyEngine();
  const subject = engine.createSubject(manifest);
  const asked: PromptQuestion[] = [];
  const records: AuditRecord[] = [];
  const prompt = new PromptGate({
    engine,
    ask: (q) => {
      asked.push(q);
      const a = answers.shift();
      if (a === undefined) throw new Error('asked more than expected');
      return a;
    },
    ...opts,
  });
  const gate = new Gate(engine, subject, (r) => records.push(r), prompt);
  const read = (path: string, func = 'descriptor.open-at') => gate.allows('fs.read', { kind: 'path', path }, FS, func);
  return { engine, subject, asked, records, gate, read };
}

const NONE: CanonicalManifest = { version: 1, allow: {}, deny: {} };

test('y allows this call only; a grants the parent directory; n denies this call; N never asks again', () => {
  const s = setup(NONE, ['once', 'deny', 'always', 'never']);
  assert.equal(s.read('/data/a.txt'), true, 'y');
  assert.equal(s.read('/data/a.txt', 'descriptor.read'), true, 'the handle y opened may be read');
  assert.equal(s.asked.length, 1);
  assert.equal(s.engine.check(s.subject, 'fs.read', { kind: 'path', path: '/data/a.txt' }), 'missing', 'y granted nothing');
  assert.equal(s.read('/data/a.txt'), false, 'n');
  assert.equal(s.read('/data/b.txt'), true, 'a');
  assert.equal(s.asked[2]!.scope, '/data');
  assert.equal(s.read('/data/c.txt'), true, 'covered by the grant: not asked');
  assert.equal(s.asked.length, 3);
  assert.equal(s.read('/other/x'), false, 'N');
  assert.equal(s.read('/other/x'), false, 'never asked again');
  assert.equal(s.asked.length, 4);
  assert.equal(s.read('/data/d.txt'), true, 'N on /other/x left the /data grant alone');
  const prompted = s.records.filter((r) => r.source === 'prompt');
  assert.deepEqual(
    prompted.map((r) => [r.target, r.decision, r.answer, r.scope]),
    [
      ['/data/a.txt', 'allow', 'once', undefined],
      ['/data/a.txt', 'allow', 'once', undefined],
      ['/data/a.txt', 'deny', 'deny', undefined],
      ['/data/b.txt', 'allow', 'always', '/data'],
      ['/other/x', 'deny', 'never', '/other/x'],
    ],
  );
  assert.equal(s.asked[0]!.operation, `${FS}#descriptor.open-at`);
});

test('an explicit deny is never asked about (deny always wins), nor an invalid subject', () => {
  const s = setup({ version: 1, allow: { 'fs.read': ['/data'] }, deny: { 'fs.read': ['/data/secret'], time: true } }, []);
  assert.equal(s.read('/data/secret/k'), false);
  assert.equal(s.gate.allowsId(6, 'wasi:clocks/wall-clock', 'now'), false);
  assert.equal(s.asked.length, 0);
  // `a` on /data/x does not lift the deny below it.
  const t = setup({ version: 1, allow: {}, deny: { 'fs.read': ['/data/secret'] } }, ['always']);
  assert.equal(t.read('/data/x'), true);
  assert.equal(t.read('/data/secret/k'), false);
  assert.equal(t.asked.length, 1);
});

test('the embedded manifest is the ceiling: beyond it only under --allow-undeclared, audited', () => {
  const ceiling: CanonicalManifest = { version: 1, allow: { 'fs.read': ['/data/in'], env: ['HOME', 'PROBE_*'] }, deny: {} };
  const s = setup(NONE, ['always', 'always'], { ceiling });
  assert.equal(s.read('/etc/passwd'), false, 'beyond the ceiling: denied without asking');
  assert.equal(s.asked.length, 0);
  assert.equal(s.read('/data/in/a.txt'), true);
  assert.equal(s.asked[0]!.scope, '/data/in', 'the broadening stays inside the ceiling');
  assert.equal(s.gate.allowsId(5, 'wasi:cli/environment', 'get-environment'), true);
  assert.deepEqual(s.asked[1]!.scope, ['HOME', 'PROBE_*'], 'unscoped: always grants what the ceiling declares');
  assert.equal(s.engine.check(s.subject, 'env', { kind: 'env', name: 'PATH' }), 'missing');

  const u = setup(NONE, ['always'], { ceiling, allowUndeclared: true });
  assert.equal(u.read('/etc/passwd'), true);
  assert.equal(u.asked[0]!.undeclared, true);
  const rec = u.records.find((r) => r.source === 'prompt')!;
  assert.equal(rec.undeclared, true);
  assert.equal(rec.scope, '/etc');
});

test('a callback that throws counts as deny', () => {
  const engine = new PolicyEngine();
  const subject = engine.createSubject(NONE);
  const gate = new Gate(
    engine,
    subject,
    undefined,
    new PromptGate({
      engine,
      ask: () => {
        throw new Error('ui gone');
      },
    }),
  );
  assert.equal(gate.allows('fs.read', { kind: 'path', path: '/a' }, FS, 'descriptor.open-at'), false);
});

test("library API: GuestOptions.prompt decides a real guest's denied calls", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'molt-prompt-'));
  try {
    writeFileSync(join(dir, 'a.txt'), 'hello\n');
    const host = createHost({ cacheDir: join(dir, 'cache') });
    const asked: string[] = [];
    const answers: PromptAnswer[] = ['once', 'deny', 'always', 'deny'];
    let out = '';
    const records: AuditRecord[] = [];
    const r = await host.run(join(REPO, 'guest-examples', 'dist', 'probe.wasm'), {
      manifest: { version: 1, allow: { 'console.write': true }, deny: {} },
      args: ['probe', 'read:/data/a.txt', 'read:/data/b.txt', 'write:/data/new.txt', 'stat:/data/a.txt'],
      dirs: { '/data': dir },
      stdout: (b) => void (out += new TextDecoder().decode(b)),
      audit: (rec) => records.push(rec),
      prompt: (q) => {
        asked.push(`${q.capability} ${q.target}`);
        return answers.shift() ?? 'deny';
      },
    });
    assert.equal(r.exitCode, 0, out);
    assert.equal(out, 'read:/data/a.txt ok\nread:/data/b.txt EACCES\nwrite:/data/new.txt ok\nstat:/data/a.txt EACCES\n');
    assert.deepEqual(asked, ['fs.read /data/a.txt', 'fs.read /data/b.txt', 'fs.write /data/new.txt', 'fs.read /data/a.txt']);
    assert.ok(records.some((x) => x.source === 'prompt' && x.answer === 'always' && x.scope === '/data' && x.capability === 'fs.write'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

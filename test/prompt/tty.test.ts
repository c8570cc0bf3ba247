/**
 * `molt-wasm run --prompt` on a real pseudo-terminal (script(1)): answers y, a, n and N are
 * applied to the guest's calls and audited; a guest path carrying ANSI and bidi characters is
 * shown escaped; input typed ahead of the question is not taken as the answer; without a
 * terminal nothing blocks and the answer is deny.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRecord } from '../../host/gate/audit.js';
import { REPO } from '../node-host/helpers.js';

const BIN = join(REPO, 'bin', 'molt-wasm.js');
const PROBE = join(REPO, 'guest-examples', 'dist', 'probe.wasm');
const QUESTION_END = '[N]ever for this run ';
const HAVE_SCRIPT = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

function sh(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

interface Session {
  readonly code: number | null;
  /** Everything the terminal showed (CRLF turned to LF). */
  readonly screen: string;
  readonly audit: AuditRecord[];
  readonly probe: Map<string, string>;
}

/**
 * Runs the probe under `--prompt` on a pty. `typeAhead` is written at once (long before any
 * question); each entry of `answers` is written only after one more question has appeared.
 */
async function onTerminal(ops: string[], answers: string[], typeAhead = '', extra: string[] = []): Promise<Session> {
  const dir = mkdtempSync(join(tmpdir(), 'molt-tty-'));
  try {
    writeFileSync(join(dir, 'a.txt'), 'alpha\n');
    writeFileSync(join(dir, 'b.txt'), 'beta\n');
    const log = join(dir, 'audit.log');
    const cmd = [
      process.execPath,
      BIN,
      'run',
      '--prompt',
      '--capabilities',
      'console.write',
      '--dir',
      `/data=${dir}`,
      '--audit-log',
      log,
      ...extra,
      PROBE,
      '--',
      ...ops,
    ]
      .map(sh)
      .join(' ');
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'dumb' } });
    let screen = '';
    let asked = 0;
    const pending = [...answers];
    if (typeAhead !== '') child.stdin.write(typeAhead);
    child.stdout.on('data', (b: Buffer) => {
      screen += b.toString('utf8');
      const n = screen.split(QUESTION_END).length - 1;
      while (asked < n) {
        asked++;
        const a = pending.shift();
        if (a !== undefined) setTimeout(() => child.stdin.write(a), 50);
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    child.stdin.destroy();
    screen = screen.replace(/\r\n/g, '\n');
    const audit = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AuditRecord);
    const probe = new Map<string, string>();
    for (const line of screen.split('\n')) {
      const m = /^((?:read|write|stat|env|time):\S*) (\S+)$/.exec(line);
      if (m) probe.set(m[1]!, m[2]!);
    }
    return { code, screen, audit, probe };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const prompted = (s: Session) => s.audit.filter((r) => r.source === 'prompt' && r.answer !== 'listed');

test("y, n, a and N on a terminal decide the guest's calls and are audited", async () => {
  assert.ok(HAVE_SCRIPT, 'script(1) missing: apt-get install bsdutils');
  const s = await onTerminal(
    ['read:/data/a.txt', 'read:/data/a.txt', 'read:/data/b.txt', 'read:/data/a.txt', 'write:/data/new.txt', 'write:/data/new.txt'],
    ['y\n', 'n\n', 'a\n', 'N\n'],
  );
  assert.equal(s.code, 0, s.screen);
  assert.match(
    s.screen,
    /Allow read access to \/data\/a\.txt\? \[y\]es once \/ \[a\]lways for \/data \/ \[n\]o \/ \[d\]eny all read requests \/ \[N\]ever for this run/,
  );
  assert.match(s.screen, /requests fs\.read on \/data\/a\.txt \(wasi:filesystem\/types#descriptor\.open-at\)/);
  const lines = s.screen.split('\n').filter((l) => /^(read|write):/.test(l));
  assert.deepEqual(
    lines,
    [
      'read:/data/a.txt ok', // y
      'read:/data/a.txt EACCES', // n: this call only, so...
      'read:/data/b.txt ok', // ...asked again; a: /data granted
      'read:/data/a.txt ok', // covered by the grant: not asked
      'write:/data/new.txt EACCES', // N
      'write:/data/new.txt EACCES', // never asked again
    ],
    s.screen,
  );
  assert.equal(s.screen.split(QUESTION_END).length - 1, 4, s.screen);
  const p = prompted(s).filter((r) => r.operation.endsWith('open-at'));
  assert.deepEqual(
    p.map((r) => [r.capability, r.target, r.decision, r.answer, r.scope]),
    [
      ['fs.read', '/data/a.txt', 'allow', 'once', undefined],
      ['fs.read', '/data/a.txt', 'deny', 'deny', undefined],
      ['fs.read', '/data/b.txt', 'allow', 'always', '/data'],
      ['fs.write', '/data/new.txt', 'deny', 'never', '/data/new.txt'],
    ],
  );
  // The second write was denied by the live policy (the N), not by a prompt.
  const last = s.audit.filter((r) => r.capability === 'fs.write' && r.operation.endsWith('open-at')).at(-1)!;
  assert.deepEqual([last.decision, last.source], ['deny', undefined]);
});

test('a guest path with ANSI escapes and bidi overrides is shown escaped', async () => {
  assert.ok(HAVE_SCRIPT, 'script(1) missing: apt-get install bsdutils');
  const evil = '/data/\x1b[2K\x1b[1A\rAllow read access to /data/ok.txt?\u202etxt.exe\u2066x\u200f';
  const s = await onTerminal([`read:${evil}`], ['n\n']);
  assert.equal(s.code, 0, s.screen);
  const shown = s.screen.split('\n').filter((l) => l.startsWith('Allow ') || l.startsWith('molt-wasm: '));
  assert.ok(shown.length >= 2, s.screen);
  for (const l of shown) {
    // Control characters are exactly what this test looks for.
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(l, /[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/, JSON.stringify(l));
  }
  assert.ok(
    shown.some((l) =>
      l.startsWith(
        'Allow read access to /data/\\x1b[2K\\x1b[1A\\x0dAllow read access to /data/ok.txt?\\u202etxt.exe\\u2066x\\u200f? [y]es once',
      ),
    ),
    JSON.stringify(shown),
  );
  assert.equal(prompted(s)[0]!.target, evil.replace('/data/', '/data/'), 'the audit log keeps the raw target (JSON-escaped)');
});

test('input typed before the question is not taken as the answer', async () => {
  assert.ok(HAVE_SCRIPT, 'script(1) missing: apt-get install bsdutils');
  // "a" + Enter and a stray unfinished "y" arrive long before the guest asks; only the "n" typed
  // after the question counts.
  const s = await onTerminal(['read:/data/a.txt', 'read:/data/b.txt'], ['n\n', 'n\n'], 'a\ny');
  assert.equal(s.code, 0, s.screen);
  const lines = s.screen.split('\n').filter((l) => /^read:/.test(l));
  assert.deepEqual(lines, ['read:/data/a.txt EACCES', 'read:/data/b.txt EACCES'], s.screen);
  assert.deepEqual(
    prompted(s).map((r) => r.answer),
    ['deny', 'deny'],
  );
  assert.ok(!s.audit.some((r) => r.answer === 'always' || r.answer === 'once'));
});

test('without a terminal --prompt never blocks: denied at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'molt-notty-'));
  try {
    writeFileSync(join(dir, 'a.txt'), 'alpha\n');
    const log = join(dir, 'audit.log');
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        'run',
        '--prompt',
        '--capabilities',
        'console.write',
        '--dir',
        `/data=${dir}`,
        '--audit-log',
        log,
        PROBE,
        '--',
        'read:/data/a.txt',
        'write:/data/x.txt',
      ],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 20_000,
        env: { ...process.env, CI: 'true' },
      },
    );
    // No time bound of its own: spawnSync's timeout kills a child that blocks, and r.error says so.
    assert.equal(r.error, undefined);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'read:/data/a.txt EACCES\nwrite:/data/x.txt EACCES\n');
    assert.match(r.stderr, /--prompt: no terminal on stdin and stderr; denials stand/);
    assert.doesNotMatch(r.stderr, /Allow /);
    const audit = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditRecord);
    assert.ok(audit.some((x) => x.target === '/data/a.txt' && x.decision === 'deny' && x.source === 'prompt' && x.answer === 'deny'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--no-prompt wins over --prompt; --allow-all and unscoped --allow-write / --allow-net warn', () => {
  const r = spawnSync(
    process.execPath,
    [BIN, 'run', '--prompt', '--no-prompt', '--allow-undeclared', '--allow-all', '--allow-net', '--allow-write', PROBE, '--', 'time:wall'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const warnings = r.stderr.split('\n').filter((l) => l.includes('warning'));
  assert.ok(
    warnings.some((l) => /--allow-all grants every capability/.test(l)),
    r.stderr,
  );
  assert.ok(
    warnings.some((l) => /--allow-write without a scope/.test(l)),
    r.stderr,
  );
  assert.ok(
    warnings.some((l) => /--allow-net without a scope/.test(l)),
    r.stderr,
  );
  const scoped = spawnSync(process.execPath, [BIN, 'run', '--allow-write=/data', '--no-prompt', PROBE, '--', 'time:wall'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 20_000,
  });
  assert.doesNotMatch(scoped.stderr, /without a scope|--allow-all/);
});

// Models listing leaks ("one operation missing its check", Deno CVE-2025-61786): enumerating preopens or the root must show only what is granted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { policy, REFUSED, runOps, sandbox } from './support.js';

test('the guest sees exactly its granted preopens; mapped but ungranted directories are hidden', async () => {
  const s = sandbox();
  const hidden = join(s.root, 'hidden');
  mkdirSync(hidden);
  writeFileSync(join(hidden, 'h.txt'), 'hidden\n');
  const r = await runOps(
    [
      { op: 'preopens' },
      { op: 'list', label: 'list-root', fd: 3, path: '/' },
      { op: 'list', label: 'list-up', fd: 3, path: '..' },
      { op: 'list', label: 'list-grant', fd: 3, path: '.' },
      // If the hidden preopen leaked as an fd, fd 4 would name it.
      { op: 'list', label: 'list-fd4', fd: 4, path: '.' },
    ],
    policy({ 'console.write': true, 'fs.read': ['/data'] }),
    { dirs: { '/data': s.granted, '/hidden': hidden, '/': '/' } },
  );
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], '/data');
  assert.ok(!lines.includes('/hidden') && !lines.includes('/'), r.stdout);
  assert.ok(REFUSED.has(r.codes['list-root']!));
  assert.ok(REFUSED.has(r.codes['list-up']!));
  assert.equal(r.codes['list-grant'], 0);
  assert.ok(lines.includes('a.txt'));
  assert.equal(r.codes['list-fd4'], 8 /* EBADF */);
  assert.ok(!r.stdout.includes('h.txt') && !r.stdout.includes('outside'));
});

test('a grant inside a mapped root lists the root only through the grant', async () => {
  const s = sandbox();
  const r = await runOps(
    [{ op: 'preopens' }, { op: 'list', label: 'up', fd: 3, path: '../..' }],
    policy({ 'console.write': true, 'fs.read': [`/sandbox/granted`] }),
    { dirs: { '/sandbox': s.root } },
  );
  assert.equal(r.stdout.split('\n')[0], '/sandbox/granted');
  assert.ok(!r.stdout.includes('/sandbox\n'));
  assert.ok(REFUSED.has(r.codes['up']!));
  assert.ok(!r.stdout.includes('outside'));
});

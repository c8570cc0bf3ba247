// Models Deno CVE-2024-34346 / GHSA-m87g-7g5m-wpx4: reading /proc/self/environ or /proc/self/mem to get the environment or memory without the env grant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { policy, REFUSED, runOps, sandbox } from './support.js';

test('/proc/self/* is unreachable: no preopen covers it, whatever the spelling', async () => {
  const s = sandbox();
  const marker = `MOLT_PROC_MARKER_${Date.now()}`;
  process.env[marker] = 'leaked';
  try {
    const r = await runOps(
      [
        { op: 'cat', label: 'abs', fd: 3, path: '/proc/self/environ' },
        { op: 'cat', label: 'dotdot', fd: 3, path: '../../../../../../../../proc/self/environ' },
        { op: 'cat', label: 'mem', fd: 3, path: '../../../../../../../../proc/self/mem' },
        { op: 'cat', label: 'fd', fd: 3, path: '../../../../../../../../proc/self/fd/0' },
        { op: 'list', label: 'list', fd: 3, path: '../../../../../../../../proc' },
        // fd 4 does not exist: there is no second preopen to reach /proc through.
        { op: 'cat', label: 'fd4', fd: 4, path: 'self/environ' },
        { op: 'environ' },
      ],
      // The guest may read its grant, but has no env grant at all.
      policy({ 'console.write': true, 'fs.read': ['/data'] }),
      { dirs: { '/data': s.granted }, env: { [marker]: 'leaked', PATH: '/bin' } },
    );
    for (const l of ['abs', 'dotdot', 'mem', 'fd', 'list']) assert.ok(REFUSED.has(r.codes[l]!), `${l}: ${r.codes[l]}`);
    assert.equal(r.codes['fd4'], 8 /* EBADF */);
    assert.ok(!r.stdout.includes(marker));
    assert.ok(!r.stdout.includes('leaked'));
    assert.ok(!r.stdout.includes('PATH='));
  } finally {
    delete process.env[marker];
  }
});

test('with / mapped but only /etc granted, /proc stays out of reach', async () => {
  const r = await runOps(
    [
      { op: 'preopens' },
      // The root preopen is hidden (not granted), so fd 3 is /etc: go up from it.
      { op: 'cat', label: 'up', fd: 3, path: '../proc/self/environ' },
      { op: 'cat', label: 'abs', fd: 3, path: '/proc/self/environ' },
      { op: 'cat', label: 'fd4', fd: 4, path: 'proc/self/environ' },
    ],
    policy({ 'console.write': true, 'fs.read': ['/etc'] }),
    { dirs: { '/': '/' } },
  );
  assert.equal(r.stdout.split('\n')[0], '/etc');
  assert.ok(REFUSED.has(r.codes['up']!), `up: ${r.codes['up']}`);
  assert.ok(REFUSED.has(r.codes['abs']!), `abs: ${r.codes['abs']}`);
  assert.equal(r.codes['fd4'], 8 /* EBADF: the hidden root is no fd */);
  assert.ok(!r.stdout.includes('<<'));
});

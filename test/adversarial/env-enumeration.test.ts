// Models environment enumeration under a scoped grant (Deno CVE-2025-48934: Deno.env.toObject() listing variables outside the allowed names).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { policy, runOps } from './support.js';

const ENV = {
  APP_NAME: 'molt',
  APP_MODE: 'test',
  APPX: 'almost-prefix',
  HOME: '/home/x',
  AWS_SECRET_ACCESS_KEY: 'hunter2',
  app_lower: 'case',
};

test('environ_get lists only the granted names and prefixes', async () => {
  const r = await runOps([{ op: 'environ' }], policy({ 'console.write': true, env: ['APP_*', 'HOME'] }), { env: ENV });
  const seen = r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .sort();
  assert.deepEqual(seen, ['APP_MODE=test', 'APP_NAME=molt', 'HOME=/home/x']);
  assert.ok(!r.stdout.includes('hunter2'));
});

test('a deny inside the allow removes the name from the listing too', async () => {
  const r = await runOps([{ op: 'environ' }], policy({ 'console.write': true, env: ['APP_*'] }, { env: ['APP_MODE'] }), { env: ENV });
  assert.deepEqual(
    r.stdout.split('\n').filter((l) => l !== ''),
    ['APP_NAME=molt'],
  );
});

test('no env grant: the listing is empty, nothing leaks, and no trap', async () => {
  const r = await runOps([{ op: 'environ' }], policy({ 'console.write': true }), { env: ENV });
  // SPEC section 5: an ungranted get-environment reads as empty (audited), never a trap.
  assert.equal(r.result.exitCode, 0);
  assert.equal(r.result.outcome, 'returned');
  assert.equal(r.stdout, '');
});

// Models a guest trying to end the host process (the shim's wasi:cli/exit calls process.exit; SPEC section 5): proc_exit and exit-with-code must only end the guest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildComponent } from '../node-host/helpers.js';
import * as guests from '../node-host/guests/guests.js';
import { host, policy, runOps } from './support.js';

test('proc_exit ends only the guest; the host runs the next guest', async () => {
  let exited = false;
  const original = process.exit;
  // If anything called process.exit, the test process would die; catch it instead.
  process.exit = ((code?: number) => {
    exited = true;
    throw new Error(`process.exit(${code}) was called`);
  }) as typeof process.exit;
  try {
    for (const code of [0, 1, 3, 255]) {
      const r = await runOps(
        [
          { op: 'exit', code },
          { op: 'open', label: 'after', fd: 3, path: 'x' },
        ],
        policy({ 'console.write': true }),
      );
      assert.equal(r.result.exitCode, code);
      assert.equal(r.result.outcome, 'exited');
      assert.ok(!r.stdout.includes('after'), 'the guest kept running after proc_exit');
    }
    const c = await host.run(await buildComponent(guests.exit), { manifest: policy({ 'console.write': true }), args: ['exit', '42'] });
    assert.equal(c.exitCode, 42);
    const next = await runOps([{ op: 'preopens' }], policy({ 'console.write': true }));
    assert.equal(next.result.exitCode, 0);
    assert.equal(next.result.outcome, 'returned');
  } finally {
    process.exit = original;
  }
  assert.equal(exited, false);
});

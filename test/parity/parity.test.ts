/**
 * SPEC section 7 under node:test: every fixture through every available runner; each op's
 * outcome must equal the fixture's expectation (so runners agree with each other too).
 * One subtest per fixture and runner, so a failure names both.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLocalServer } from './compare.js';
import { isControl, loadFixtures, fixtureManifest, type RunEnv } from './fixture.js';
import { allRunners } from './runners/index.js';

const fixtures = loadFixtures();

describe('parity fixtures', () => {
  it('cover at least 60 operations and every capability', () => {
    const ops = fixtures.flatMap((f) => f.operations.filter((s) => !isControl(s)).map((s) => (s as { op: string }).op));
    assert.ok(ops.length >= 60, `only ${ops.length} operations`);
    const kinds = new Set(ops.map((o) => o.split(':')[0]));
    for (const k of [
      'read',
      'write',
      'stat',
      'readdir',
      'mkdir',
      'unlink',
      'rename',
      'env',
      'time',
      'lookup',
      'connect',
      'fetch',
      'check',
      'check-id',
    ]) {
      assert.ok(kinds.has(k), `no ${k} op`);
    }
    const controls = new Set(fixtures.flatMap((f) => f.operations.filter(isControl).map((c) => c.control)));
    for (const c of ['grant', 'revoke', 'deny', 'drop-subject']) assert.ok(controls.has(c as never), `no ${c} control`);
  });

  for (const f of fixtures.filter((x) => x.policyError !== undefined)) {
    it(`${f.name}: the policy is refused with ${f.policyError}`, () => {
      assert.throws(
        () => fixtureManifest(f),
        (e: Error) => e.name === f.policyError,
      );
    });
  }
});

for (const runner of allRunners()) {
  describe(`parity runner ${runner.name}`, () => {
    let env: RunEnv;
    let close: () => Promise<void>;
    let unavailable: string | undefined;
    before(async () => {
      const a = await runner.available();
      if (a !== true) unavailable = a;
      const server = await startLocalServer();
      env = { port: server.port };
      close = server.close;
    });
    after(async () => close());

    for (const f of fixtures.filter((x) => x.policyError === undefined)) {
      it(f.name, async (t) => {
        // An unavailable runner (no Chromium, a probe not built) fails: a clone that cannot
        // run a runner must not report parity it did not check.
        if (unavailable !== undefined) assert.fail(`runner ${runner.name} unavailable: ${unavailable}`);
        const outcomes = await runner.run(f, env);
        assert.equal(outcomes.length, f.operations.length);
        const wrong: string[] = [];
        let compared = 0;
        f.operations.forEach((s, i) => {
          const got = outcomes[i];
          if (isControl(s)) return;
          if (got === 'n/a') return;
          compared++;
          if (got !== s.expect) wrong.push(`#${i} ${s.op}: expected ${s.expect}, got ${got}`);
        });
        assert.deepEqual(wrong, [], `${runner.name} disagrees with ${f.name}`);
        // The WASM-in-Node runner expresses every op kind through WASI (its two probes).
        if (runner.name === 'wasm-node') {
          const na = f.operations.flatMap((s, i) => (!isControl(s) && outcomes[i] === 'n/a' ? [`#${i} ${s.op}`] : []));
          assert.deepEqual(na, [], `wasm-node left ops of ${f.name} unanswered`);
        }
        if (compared === 0) t.diagnostic(`${runner.name} could express none of ${f.name}'s operations`);
      });
    }
  });
}

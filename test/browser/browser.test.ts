/**
 * The browser checks under node:test (so `npm test` covers them): the same demo checks as
 * `npm run test:browser`, in Debian's Chromium. Fails when /usr/bin/chromium is missing
 * (a prerequisite, never a skip). The parity fixtures run in the browser through test/parity/parity.test.ts, which
 * includes the browser runner.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../../scripts/build-browser.js';
import { demoChecks } from './checks.js';
import { chromiumMissing, openSession } from './harness.js';

const missing = chromiumMissing();

describe('browser host in Chromium', { concurrency: false }, () => {
  for (const check of demoChecks(resolve(ROOT, 'test-results', 'browser-demo.png'))) {
    it(check.name, { timeout: 180_000 }, async () => {
      assert.equal(missing, null, 'Chromium is a prerequisite of npm test (.ci/run installs it)');
      const session = await openSession();
      try {
        await check.run(session);
      } catch (e) {
        if (session.errors.length > 0) (e as Error).message += ` (page errors: ${session.errors.join('; ')})`;
        throw e;
      } finally {
        await session.close();
      }
    });
  }
});

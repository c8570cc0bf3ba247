/**
 * `npm run test:browser`: drives Debian's Chromium (/usr/bin/chromium, never a downloaded
 * browser) against the served demo page: the demo checks of test/browser/checks.ts (hello
 * prints, files with fs.write withheld is denied and logged, or asked about with "Ask before
 * denying" and the library prompt callback, tampered binaries are refused,
 * sockets are denied), a screenshot at test-results/browser-demo.png, and every parity fixture
 * through the browser runner. Prints `N passed, M failed`; exits 1 on any failure. Without
 * Chromium: a skip message and exit 0.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { disagreements, runParity } from '../test/parity/compare.js';
import { loadFixtures } from '../test/parity/fixture.js';
import { browserRunner } from '../test/parity/runners/browser.js';
import { demoChecks } from '../test/browser/checks.js';
import { chromiumMissing, ensureBundle, openSession } from '../test/browser/harness.js';
import { ROOT } from './build-browser.js';

const SCREENSHOT = resolve(ROOT, 'test-results', 'browser-demo.png');

async function main(): Promise<number> {
  const missing = chromiumMissing();
  if (missing !== null) {
    console.log(`test:browser: skipped: ${missing}`);
    return 0;
  }
  await ensureBundle();
  let passed = 0;
  let failed = 0;
  const report = (ok: boolean, name: string, detail = ''): void => {
    if (ok) passed++;
    else failed++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `\n     ${detail}` : ''}`);
  };

  for (const check of demoChecks(SCREENSHOT)) {
    // A fresh page per check: one check's state never leaks into the next.
    const session = await openSession();
    try {
      await check.run(session);
      report(true, check.name);
    } catch (e) {
      const errors = session.errors.length > 0 ? ` (page errors: ${session.errors.join('; ')})` : '';
      report(false, check.name, `${(e as Error).message}${errors}`);
    } finally {
      await session.close();
    }
  }
  console.log(`screenshot: ${SCREENSHOT}`);

  const available = await browserRunner.available();
  if (available !== true) {
    console.log(`parity (browser): skipped: ${available}`);
  } else {
    const parity = await runParity([browserRunner], loadFixtures());
    const bad = disagreements(parity);
    for (const f of loadFixtures()) {
      const rows = parity.rows.filter((r) => r.fixture === f.name && !r.control);
      const wrong = bad.filter((b) => b.startsWith(`${f.name} #`) || b.startsWith(`${f.name}:`));
      const expressed = rows.filter((r) => r.outcomes['browser'] !== 'n/a').length;
      report(wrong.length === 0, `parity ${f.name}: ${expressed}/${rows.length} ops in the browser`, wrong.join('\n     '));
    }
    for (const e of parity.errors) report(false, `parity error`, e);
  }
  console.log(`\n${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exit(await main());
}

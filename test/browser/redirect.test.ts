/**
 * The browser host never follows a redirect (SPEC section 5; the SSRF class of Spin
 * GHSA-f3h7-gpjj-wcvh): in Chromium, an allowed origin answers 302 to another origin (even
 * one the policy allows), the guest gets a clear error (internal-error; host/browser/
 * http-redirects.ts) instead of the target's response, and the target is never contacted.
 * Needs JSPI (Chromium 137+) for the guest to wait on fetch; skips cleanly without Chromium.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countingServer } from '../net/helpers.js';
import { chromiumMissing, openSession } from './harness.js';

const missing = chromiumMissing();

test(
  'Chromium: a 302 from an allowed origin is not followed; the guest sees an error, the target sees nothing',
  { skip: missing ?? false, timeout: 180_000 },
  async () => {
    const target = await countingServer('127.0.0.1', 0, { status: 200, headers: { 'access-control-allow-origin': '*' } });
    const origin = await countingServer('127.0.0.1', 0, {
      status: 302,
      headers: { location: `http://127.0.0.1:${target.port}/secret`, 'access-control-allow-origin': '*' },
    });
    const session = await openSession();
    try {
      const out = (await session.page.evaluate(
        async ([from, to]: [string, string]) => {
          if (typeof (WebAssembly as unknown as { Suspending?: unknown }).Suspending !== 'function') return null;
          const m = await import(new URL('dist/molt-browser.js', location.href).href);
          const bytes = new Uint8Array(await (await fetch('dist/examples/http-client.wasm')).arrayBuffer());
          let text = '';
          // Both origins allowed: what is tested is that the HOST does not follow.
          await m.createHost({ jspi: true }).run(bytes, {
            manifest: { version: 1, allow: { 'console.write': true, net: [from, to] }, deny: {} },
            args: ['http-client', `http://${from}/start`],
            console: (t: string) => (text += t),
          });
          return text;
        },
        [`127.0.0.1:${origin.port}`, `127.0.0.1:${target.port}`],
      )) as string | null;
      assert.notEqual(out, null, 'this Chromium has no JSPI: the redirect check cannot run');
      assert.equal(origin.connections() > 0, true, 'the allowed origin was asked');
      assert.equal(target.connections(), 0, 'the redirect target was contacted');
      // internal-error is case 38 of wasi:http error-code; http-client prints the case number.
      assert.match(out!, /request failed: error-code 38/);
      assert.doesNotMatch(out!, /status:/);
    } finally {
      await session.close();
      await origin.close();
      await target.close();
    }
  },
);

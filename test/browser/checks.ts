/**
 * The browser checks, shared by `npm run test:browser` (scripts/test-browser.ts) and
 * node:test (test/browser/browser.test.ts): each drives the demo page in Chromium the way a
 * user would (pick an example, toggle grants, press Run) and reads what the page shows.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Session } from './harness.js';

export interface Check {
  readonly name: string;
  run(session: Session): Promise<void>;
}

class CheckFailed extends Error {}
function expect(cond: boolean, message: string): void {
  if (!cond) throw new CheckFailed(message);
}

/* eslint-disable @typescript-eslint/no-explicit-any */
interface DemoState { ready: boolean; runs: number; lastExit: number | null; lastOutcome: string; error: string }
const demoState = (page: any): Promise<DemoState> => page.evaluate(() => (window as any).moltDemo);

async function ready(page: any): Promise<void> {
  await page.waitForFunction(() => (window as any).moltDemo?.ready === true || (window as any).moltDemo?.error, null, { timeout: 30_000 });
  const s = await demoState(page);
  expect(s.error === '', `the demo failed to start: ${s.error}`);
}

/** Selects a bundled example and waits until it is loaded and runnable. */
async function pick(page: any, name: string): Promise<void> {
  await page.selectOption('#example', `examples/${name}.wasm`);
  await page.waitForFunction((n: string) => document.getElementById('guest-info')?.textContent?.startsWith(`${n}.wasm`) && !(document.getElementById('run') as HTMLButtonElement).disabled, name, { timeout: 15_000 });
}

/** Presses Run and waits for the run to finish (components are transpiled on first run). */
async function run(page: any): Promise<DemoState> {
  const before = (await demoState(page)).runs;
  await page.click('#run');
  await page.waitForFunction((n: number) => (window as any).moltDemo.runs > n, before, { timeout: 90_000 });
  return demoState(page);
}

async function decisions(page: any): Promise<Array<{ decision: string; capability: string; operation: string; target: string; code: string }>> {
  return page.$$eval('#log tbody tr', (rows: Element[]) =>
    rows.map((r) => {
      const c = Array.from(r.querySelectorAll("td")).map((td) => td.textContent ?? '');
      return { decision: c[1]!, capability: c[2]!, operation: c[3]!, target: c[4]!, code: c[5]! };
    }),
  );
}

export function demoChecks(screenshot: string): Check[] {
  return [
    {
      name: 'demo page loads with a verified embedded manifest',
      async run({ page }) {
        await ready(page);
        await pick(page, 'hello');
        const badge = await page.textContent('#provenance');
        expect(/^verified/.test(badge ?? ''), `provenance badge says ${JSON.stringify(badge)}`);
      },
    },
    {
      name: 'hello with console.write prints its greeting',
      async run({ page }) {
        await ready(page);
        await pick(page, 'hello');
        expect(await page.isChecked('#grant-console\\.write'), 'console.write should be granted by default');
        const s = await run(page);
        const out = (await page.textContent('#output')) ?? '';
        expect(s.lastExit === 0, `exit ${s.lastExit} (${s.lastOutcome}); output ${JSON.stringify(out)}`);
        expect(/hello/i.test(out), `output ${JSON.stringify(out)} has no greeting`);
        const d = await decisions(page);
        expect(d.some((r) => r.decision === 'allow' && r.capability === 'console.write'), 'no console.write allow in the decision log');
      },
    },
    {
      name: 'files with fs.write withheld: the write is denied and logged',
      async run({ page }) {
        await ready(page);
        await pick(page, 'files');
        await page.uncheck('#grant-fs\\.write');
        await run(page);
        const d = await decisions(page);
        expect(d.some((r) => r.decision === 'allow' && r.capability === 'fs.read'), 'no fs.read allow in the decision log');
        const denied = d.filter((r) => r.decision === 'deny' && r.capability === 'fs.write');
        expect(denied.length > 0, `no fs.write deny in the decision log: ${JSON.stringify(d)}`);
        const after = (await page.textContent('#fs-after')) ?? '';
        mkdirSync(dirname(screenshot), { recursive: true });
        await page.screenshot({ path: screenshot, fullPage: true });
        expect(after.includes('/data/in.txt'), `the seeded filesystem is missing: ${after}`);
      },
    },
    {
      name: 'a tampered binary is refused before it runs',
      async run({ page }) {
        await ready(page);
        // Flip a byte of hello's code (not its molt sections): component_sha256 no longer matches.
        const result = await page.evaluate(async () => {
          const m = await import(new URL('dist/molt-browser.js', location.href).href);
          const bytes = new Uint8Array(await (await fetch('dist/examples/hello.wasm')).arrayBuffer());
          bytes[20] = bytes[20]! ^ 0xff;
          try {
            await m.createHost().run(bytes, { manifest: { version: 1, allow: { 'console.write': true }, deny: {} } });
            return 'ran';
          } catch (e) {
            return (e as Error).name;
          }
        });
        expect(result === 'ProvenanceError', `expected ProvenanceError, got ${result}`);
      },
    },
    {
      name: 'http-client: fetch allowed by authority (JSPI), another authority HTTP-request-denied',
      async run({ page }) {
        await ready(page);
        const r = await page.evaluate(async () => {
          if (typeof (WebAssembly as any).Suspending !== 'function') return null;
          const m = await import(new URL('dist/molt-browser.js', location.href).href);
          const bytes = new Uint8Array(await (await fetch('dist/examples/http-client.wasm')).arrayBuffer());
          const out: string[] = [];
          for (const net of [[location.host], ['example.com']]) {
            let text = '';
            await m.createHost({ jspi: true }).run(bytes, {
              manifest: { version: 1, allow: { 'console.write': true, net }, deny: {} },
              args: ['http-client', location.origin + '/index.html'],
              console: (t: string) => (text += t),
            });
            out.push(text);
          }
          return out;
        });
        if (r === null) return; // no JSPI in this engine: the blocking fetch cannot wait (README)
        expect(/status: 200/.test(r[0]!), `allowed request printed ${JSON.stringify(r[0])}`);
        expect(/HTTP-request-denied/.test(r[1]!), `denied request printed ${JSON.stringify(r[1])}`);
      },
    },
    {
      name: 'sockets are denied with access-denied without net, not-supported with it',
      async run({ page }) {
        await ready(page);
        const codes = await page.evaluate(async () => {
          const m = await import(new URL('dist/molt-browser.js', location.href).href);
          const engine = new m.PolicyEngine();
          const host = m.createHost({ engine });
          const probe = new Uint8Array(await (await fetch('dist/examples/hello.wasm')).arrayBuffer());
          const out: string[] = [];
          for (const allow of [{}, { net: true }]) {
            const g = await host.prepare(probe, { manifest: { version: 1, allow, deny: {} } });
            try {
              g.imports['wasi:sockets/tcp-create-socket']!.createTcpSocket('ipv4');
              out.push('ok');
            } catch (e) {
              out.push(String(e));
            }
          }
          return out;
        });
        expect(codes[0] === 'access-denied' && codes[1] === 'not-supported', `got ${JSON.stringify(codes)}`);
      },
    },
  ];
}

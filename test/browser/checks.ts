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
function expect(cond: boolean, message: string): asserts cond {
  if (!cond) throw new CheckFailed(message);
}

interface DemoState {
  ready: boolean;
  runs: number;
  lastExit: number | null;
  lastOutcome: string;
  error: string;
}
const demoState = (page: any): Promise<DemoState> => page.evaluate(() => (window as any).moltDemo);

async function ready(page: any): Promise<void> {
  await page.waitForFunction(() => (window as any).moltDemo?.ready === true || (window as any).moltDemo?.error, null, { timeout: 30_000 });
  const s = await demoState(page);
  expect(s.error === '', `the demo failed to start: ${s.error}`);
}

/** Selects a bundled example and waits until it is loaded and runnable. */
async function pick(page: any, name: string): Promise<void> {
  await page.selectOption('#example', `examples/${name}.wasm`);
  await page.waitForFunction(
    (n: string) =>
      document.getElementById('guest-info')?.textContent?.startsWith(`${n}.wasm`) &&
      !(document.getElementById('run') as HTMLButtonElement).disabled,
    name,
    { timeout: 15_000 },
  );
}

/** Presses Run and waits for the run to finish (components are transpiled on first run). */
async function run(page: any): Promise<DemoState> {
  const before = (await demoState(page)).runs;
  await page.click('#run');
  await page.waitForFunction((n: number) => (window as any).moltDemo.runs > n, before, { timeout: 90_000 });
  return demoState(page);
}

async function decisions(
  page: any,
): Promise<Array<{ decision: string; capability: string; operation: string; target: string; code: string; source: string }>> {
  return page.$$eval('#log tbody tr', (rows: Element[]) =>
    rows.map((r) => {
      const c = Array.from(r.querySelectorAll('td')).map((td) => td.textContent ?? '');
      return { decision: c[1]!, capability: c[2]!, operation: c[3]!, target: c[4]!, code: c[5]!, source: c[6]! };
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
        expect(
          d.some((r) => r.decision === 'allow' && r.capability === 'console.write'),
          'no console.write allow in the decision log',
        );
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
        expect(
          d.some((r) => r.decision === 'allow' && r.capability === 'fs.read'),
          'no fs.read allow in the decision log',
        );
        const denied = d.filter((r) => r.decision === 'deny' && r.capability === 'fs.write');
        expect(denied.length > 0, `no fs.write deny in the decision log: ${JSON.stringify(d)}`);
        const after = (await page.textContent('#fs-after')) ?? '';
        mkdirSync(dirname(screenshot), { recursive: true });
        await page.screenshot({ path: screenshot, fullPage: true });
        expect(after.includes('/data/in.txt'), `the seeded filesystem is missing: ${after}`);
      },
    },
    {
      name: 'Ask before denying: accepting the dialog allows the withheld write once (source prompt)',
      async run({ page }) {
        await ready(page);
        await pick(page, 'files');
        await page.uncheck('#grant-fs\\.write');
        await page.check('#ask');
        const asked: string[] = [];
        page.once('dialog', (d: any) => {
          asked.push(`${d.type()}: ${d.message()}`);
          void d.accept();
        });
        const s = await run(page);
        expect(asked.length === 1 && asked[0]!.startsWith('confirm: '), `dialogs: ${JSON.stringify(asked)}`);
        expect(
          /requests fs\.write on \/data\/out\.txt/.test(asked[0]!) && asked[0]!.includes('wasi:filesystem/types#descriptor.open-at'),
          `question: ${JSON.stringify(asked[0])}`,
        );
        const d = await decisions(page);
        expect(s.lastExit === 0, `exit ${s.lastExit} (${s.lastOutcome}): ${JSON.stringify(d)}`);
        const prompted = d.filter((r) => r.capability === 'fs.write' && r.source.startsWith('prompt'));
        expect(
          prompted.some((r) => r.decision === 'allow' && r.source === 'prompt (once)'),
          `no prompt allow in the log: ${JSON.stringify(d)}`,
        );
        expect(!d.some((r) => r.decision === 'deny'), `a denial in the log: ${JSON.stringify(d)}`);
      },
    },
    {
      name: 'Ask before denying: dismissing the dialog denies the write (source prompt)',
      async run({ page }) {
        await ready(page);
        await pick(page, 'files');
        await page.uncheck('#grant-fs\\.write');
        await page.check('#ask');
        let asked = 0;
        page.once('dialog', (d: any) => {
          asked++;
          void d.dismiss();
        });
        const s = await run(page);
        const d = await decisions(page);
        expect(asked === 1, `${asked} dialogs`);
        expect(s.lastExit === 1, `exit ${s.lastExit} (${s.lastOutcome}): ${JSON.stringify(d)}`);
        const denied = d.filter((r) => r.decision === 'deny' && r.capability === 'fs.write');
        expect(denied.length === 1 && denied[0]!.source === 'prompt (deny)', `fs.write denials: ${JSON.stringify(denied)}`);
        const out = (await page.textContent('#output')) ?? '';
        expect(/access/.test(out), `the guest did not report the denial: ${JSON.stringify(out)}`);
      },
    },
    {
      name: 'library prompt callback: deny vs once, and the embedded manifest is the ceiling',
      async run({ page }) {
        await ready(page);
        const r = await page.evaluate(async () => {
          const m = await import(new URL('dist/molt-browser.js', location.href).href);
          const fetchBytes = async (n: string) => new Uint8Array(await (await fetch(`dist/examples/${n}.wasm`)).arrayBuffer());
          const seed = { ...((await (await fetch('dist/examples/examples.json')).json()).files as Record<string, string>) };
          delete seed['/data/out.txt'];
          delete seed['/data/copy.txt'];
          const go = async (name: string, answer: string, opts: Record<string, unknown>) => {
            const fs = new m.MemoryFs(seed);
            const asked: any[] = [];
            const records: any[] = [];
            const res = await m.createHost({ files: fs }).run(await fetchBytes(name), {
              ...opts,
              audit: (x: any) => records.push(x),
              prompt: (q: any) => {
                asked.push({ capability: q.capability, operation: q.operation, target: q.target, undeclared: q.undeclared, text: q.text });
                return answer;
              },
            });
            return {
              exit: res.exitCode,
              asked,
              prompted: records
                .filter((x) => x.source === 'prompt')
                .map((x) => `${x.decision} ${x.capability} ${x.answer}${x.undeclared ? ' undeclared' : ''}`),
              files: fs.list(),
            };
          };
          const readOnly = { version: 1, allow: { 'console.write': true, 'fs.read': ['/data'] }, deny: {} };
          // cp writes /copy.txt: outside files' and cp's embedded fs.write ["/data"].
          const rootRead = { version: 1, allow: { 'console.write': true, 'fs.read': ['/'] }, deny: {} };
          const cpArgs = ['cp', '/data/in.txt', '/copy.txt'];
          return {
            deny: await go('files', 'deny', { manifest: readOnly, args: ['files'] }),
            once: await go('files', 'once', { manifest: readOnly, args: ['files'] }),
            ceiling: await go('cp', 'once', { manifest: rootRead, args: cpArgs }),
            undeclared: await go('cp', 'once', { manifest: rootRead, args: cpArgs, promptUndeclared: true }),
          };
        });
        const show = JSON.stringify(r);
        expect(r.deny.exit === 1 && r.deny.asked.length === 1 && !r.deny.files.includes('/data/out.txt'), `deny: ${show}`);
        expect(
          r.deny.asked[0].capability === 'fs.write' && r.deny.asked[0].target === '/data/out.txt' && r.deny.asked[0].undeclared === false,
          `question: ${show}`,
        );
        expect(r.deny.prompted.join('|') === 'deny fs.write deny', `deny audit: ${show}`);
        expect(r.once.exit === 0 && r.once.asked.length === 1 && r.once.files.includes('/data/out.txt'), `once: ${show}`);
        expect(r.once.prompted[0] === 'allow fs.write once', `once audit: ${show}`);
        expect(
          r.ceiling.exit === 1 && r.ceiling.asked.length === 0 && !r.ceiling.files.includes('/copy.txt'),
          `beyond the ceiling: ${show}`,
        );
        expect(
          r.undeclared.exit === 0 && r.undeclared.asked.length === 1 && r.undeclared.asked[0].undeclared === true,
          `promptUndeclared: ${show}`,
        );
        expect(
          r.undeclared.files.includes('/copy.txt') && r.undeclared.prompted.includes('allow fs.write once undeclared'),
          `undeclared audit: ${show}`,
        );
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
        // JSPI (Chrome/Edge 137+) is a prerequisite of this check, not an option: without it the
        // blocking fetch cannot wait (README), and the check must say so rather than pass.
        expect(r !== null, 'this Chromium has no JSPI (WebAssembly.Suspending): it needs 137 or later');
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

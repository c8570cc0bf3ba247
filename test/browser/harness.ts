/**
 * Node side of the browser tests: finds Debian's Chromium, builds the bundle when needed,
 * serves web/ and opens a page with playwright-core. Never downloads a browser: without
 * /usr/bin/chromium (or MOLT_CHROMIUM) the tests fail with the reason `chromiumMissing()` gives.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBrowser, WEB } from '../../scripts/build-browser.js';
import { startServer } from '../../scripts/demo-web.js';

export const CHROMIUM = process.env['MOLT_CHROMIUM'] ?? '/usr/bin/chromium';

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Why the browser tests cannot run here, or null when they can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} not found (apt-get update && apt-get install -y chromium); the browser tests need it`;
}

let site: Promise<string> | undefined;
/**
 * Builds the page once per process into a temporary site (web/*.html, *.css and a fresh
 * dist/): always the current sources, and parallel test processes never share output.
 */
export function ensureBundle(): Promise<string> {
  site ??= (async () => {
    const root = mkdtempSync(join(tmpdir(), 'molt-web-'));
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
    for (const n of readdirSync(WEB)) if (/\.(html|css)$/.test(n)) copyFileSync(join(WEB, n), join(root, n));
    await buildBrowser({ quiet: true, out: join(root, 'dist') });
    return root;
  })();
  return site;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface Session {
  readonly url: string;
  readonly page: any;
  /** Uncaught page errors, for diagnostics. */
  readonly errors: string[];
  close(): Promise<void>;
}

/** Serves web/ on a free port and opens a fresh Chromium profile on it. */
export async function openSession(path = ''): Promise<Session> {
  const root = await ensureBundle();
  const { chromium } = await import('playwright-core');
  const { server, url } = await startServer(0, root);
  const profile = mkdtempSync(join(tmpdir(), 'molt-chromium-'));
  let context: any;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  } catch (e) {
    await closeServer(server);
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e: Error) => errors.push(e.message));
  await page.goto(url + path);
  return {
    url,
    page,
    errors,
    async close() {
      await context.close();
      await closeServer(server);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
}

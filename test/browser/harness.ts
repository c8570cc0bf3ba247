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
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
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

export interface Session {
  readonly url: string;
  readonly page: any;
  /** Uncaught page errors, for diagnostics. */
  readonly errors: string[];
  close(): Promise<void>;
}

/**
 * One Chromium per process, shared by the sessions (launching one is the slow part: seconds
 * per session on a loaded machine). Each session gets its own browser context, which is a
 * fresh profile of its own (no storage, cache or service worker shared with another). The
 * browser closes once no session has been open for IDLE_CLOSE_MS, so a script or test file
 * that ends does not wait on it; a session opened later launches a new one.
 */
const IDLE_CLOSE_MS = 2000;
let browser: Promise<any> | undefined;
let openSessions = 0;
let idleTimer: NodeJS.Timeout | undefined;

function sharedBrowser(): Promise<any> {
  if (idleTimer !== undefined) clearTimeout(idleTimer);
  idleTimer = undefined;
  browser ??= (async () => {
    const { chromium } = await import('playwright-core');
    return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  })();
  const launching = browser;
  // A failed launch is not cached: the next session tries again.
  launching.catch(() => {
    if (browser === launching) browser = undefined;
  });
  return launching;
}

function sessionClosed(): void {
  openSessions--;
  if (openSessions > 0 || browser === undefined) return;
  idleTimer = setTimeout(() => {
    const closing = browser;
    browser = undefined;
    idleTimer = undefined;
    void closing?.then((b) => b.close()).catch(() => undefined);
  }, IDLE_CLOSE_MS);
}

/** Serves web/ on a free port and opens a page on it in a fresh browser context. */
export async function openSession(path = ''): Promise<Session> {
  const root = await ensureBundle();
  const { server, url } = await startServer(0, root);
  openSessions++;
  let context: any;
  try {
    context = await (await sharedBrowser()).newContext();
  } catch (e) {
    await closeServer(server);
    sessionClosed();
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
      sessionClosed();
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
}

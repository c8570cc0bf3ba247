/**
 * Running `molt-wasm serve` in the tests: the CLI of this checkout as a child process on an
 * ephemeral port (`--listen 127.0.0.1:0`; the bound address comes from its stderr line),
 * plain node:http requests (one connection each), and local upstream servers on ephemeral
 * ports, one of which holds its answer until the test releases it (a request kept in flight
 * without any clock). The only time bounds are hang guards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MOLT_BIN, REPO_ROOT } from '../cli-run.js';

/** A hang guard, not a measurement: a server that never says it listens fails the test. */
const START_GUARD_MS = 180_000;

export interface Served {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the server wrote on stderr so far. */
  stderr(): string;
  /** Resolves when stderr contains `text`. */
  waitFor(text: string): Promise<void>;
  /** Sends `signal` and resolves to the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** The exit code, once the server exits on its own (no signal sent). */
  readonly exited: Promise<number | null>;
}

export async function serve(args: readonly string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, [MOLT_BIN, 'serve', '--listen', '127.0.0.1:0', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    err += d;
    for (const w of waiters.splice(0)) {
      if (err.includes(w.text)) w.resolve();
      else waiters.push(w);
    }
  });
  child.stdout!.resume();
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const waitFor = (text: string): Promise<void> =>
    err.includes(text) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ text, resolve }));

  let guard: NodeJS.Timeout | undefined;
  const listening = await Promise.race([
    waitFor(' on http://').then(() => true),
    exited.then(() => false),
    new Promise<boolean>((resolve) => (guard = setTimeout(() => resolve(false), START_GUARD_MS))),
  ]);
  clearTimeout(guard);
  if (!listening) {
    child.kill('SIGKILL');
    throw new Error(`molt-wasm serve did not start (exit ${child.exitCode}):\n${err}`);
  }
  await new Promise((r) => setTimeout(r, 0));
  const m = / on (http:\/\/[^/\s]+)\//.exec(err);
  return {
    url: m![1]!,
    child,
    stderr: () => err,
    waitFor,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request on a connection of its own. `chunked`: the body is sent without a length. */
export function get(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array; chunked?: boolean } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { ...o.headers };
    const req = httpRequest(url, { method: o.method ?? (o.body !== undefined ? 'POST' : 'GET'), headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (o.body !== undefined) {
      if (o.chunked) req.setHeader('transfer-encoding', 'chunked');
      req.end(o.body);
    } else req.end();
  });
}

export interface Upstream {
  readonly port: number;
  /** Requests it has received (path each). */
  readonly seen: string[];
  /** Resolves when it has received `n` requests. */
  received(n: number): Promise<void>;
  /** Lets held answers go (`hold` upstreams). */
  release(): void;
  close(): Promise<void>;
}

/** A local server on an ephemeral port answering "up"; with `hold`, only after release(). */
export async function upstream(hold = false): Promise<Upstream> {
  const seen: string[] = [];
  const waiting: { n: number; resolve: () => void }[] = [];
  let released = !hold;
  const held: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.url ?? '');
    for (const w of waiting.splice(0)) {
      if (seen.length >= w.n) w.resolve();
      else waiting.push(w);
    }
    const answer = (): void => void res.end('up');
    if (released) answer();
    else held.push(answer);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    received: (n) => (seen.length >= n ? Promise.resolve() : new Promise((resolve) => waiting.push({ n, resolve }))),
    release() {
      released = true;
      for (const a of held.splice(0)) a();
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

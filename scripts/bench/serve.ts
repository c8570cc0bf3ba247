/**
 * `npm run bench -- --only serve`: requests per second and p99 latency of `molt-wasm serve`
 * (gating on: the policy is checked on every gated call; a fresh instance per request on one
 * worker per core) against `jco serve` (@bytecodealliance/jco 1.35.0, installed once into the
 * bench cache like `jco run` for the startup suite) in its two modes: by default (one
 * instance reused for every request, on the main thread: the issue 17 target's baseline) and
 * with `--isolate-requests instance` (a fresh instance per request, on the main thread: the
 * like-for-like comparison). Same component, same autocannon load (connections, duration),
 * side by side in one run: the three servers take turns, each side's figure is the median
 * over its turns. Components: test/serve/proxy-guest.wat (hand-written, tiny) and
 * test/serve/componentize-js/hello.js (componentize-js, a StarlingMonkey engine per instance).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import autocannon from 'autocannon';
import { buildJsProxy, buildWatProxy } from '../../test/serve/build.js';
import { CLI, ensureJco } from './paths.js';
import { median } from './stats.js';

export interface ServeSide {
  readonly rps: number;
  readonly p99Ms: number;
  readonly turns: number;
  /** Requests over all turns that failed or were not 2xx: a side with any has no ratio. */
  readonly failed: number;
  /**
   * The server's CPU time (user + system, every process of its group: `jco serve` runs its
   * server in a child) over all turns, per completed request, in ms. Less sensitive to other
   * load on the machine than req/s. NaN where /proc is not there to read.
   */
  readonly cpuMsPerRequest: number;
}

export interface ServeResult {
  readonly component: string;
  readonly connections: number;
  readonly seconds: number;
  readonly molt: ServeSide;
  /** jco serve as it runs by default: one instance reused for every request. */
  readonly jco: ServeSide;
  /** jco serve --isolate-requests instance: a fresh instance per request. */
  readonly jcoIsolated: ServeSide;
  /** molt-wasm serve's requests/s over jco serve's (default mode): the target's ratio. */
  readonly ratio: number;
  /** molt-wasm serve's requests/s over jco serve --isolate-requests instance's. */
  readonly ratioIsolated: number;
}

interface Running {
  readonly url: string;
  readonly child: ChildProcess;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Spawns `argv` and resolves once `url` answers 200 (a hang guard of two minutes). */
async function startServer(argv: readonly string[], url: string | null, log: (s: string) => void): Promise<Running> {
  // Its own process group: `jco serve` runs its server in a child node process and does not
  // pass signals on, so stopping only the process we started would leave that server running
  // (holding our stderr pipe, so the bench never exited). stop() signals the whole group.
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (err += d));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) {
      killGroup(child, 'SIGKILL');
      throw new Error(`${argv.join(' ')} exited ${child.exitCode}:\n${err}`);
    }
    if (Date.now() > deadline) {
      killGroup(child, 'SIGKILL');
      throw new Error(`${argv.join(' ')} did not answer:\n${err}`);
    }
    const bound = url ?? / on (http:\/\/[^/\s]+)\//.exec(err)?.[1] ?? null;
    if (bound !== null) {
      try {
        const r = await fetch(`${bound}/`);
        await r.arrayBuffer();
        if (r.status === 200) {
          log(`  started ${bound}`);
          return { url: bound, child };
        }
      } catch {
        // not listening yet
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Signals every process of the server's group; one already gone is not an error. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // the group has no process left
  }
}

async function stop(r: Running): Promise<void> {
  if (r.child.exitCode === null) {
    killGroup(r.child, 'SIGTERM');
    const killer = setTimeout(() => killGroup(r.child, 'SIGKILL'), 10_000);
    await once(r.child, 'exit');
    clearTimeout(killer);
  }
  // What outlived the process we started (a server it spawned) goes too.
  killGroup(r.child, 'SIGKILL');
}

/** Linux clock ticks per second (USER_HZ), what /proc/PID/stat counts CPU time in. */
const CLOCK_TICKS = 100;

/** CPU ms (user + system) of every live process in process group `pgid`; NaN without /proc. */
function groupCpuMs(pgid: number): number {
  let ticks = 0;
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      } catch {
        continue; // gone since the listing
      }
      // After the command name, which may hold spaces: state ppid pgrp ... utime(14) stime(15).
      const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      if (Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12]);
    }
  } catch {
    return NaN;
  }
  return (ticks * 1000) / CLOCK_TICKS;
}

async function load(
  server: Running,
  connections: number,
  seconds: number,
): Promise<{ rps: number; p99Ms: number; bad: number; requests: number; cpuMs: number }> {
  const before = groupCpuMs(server.child.pid!);
  const r = await autocannon({ url: `${server.url}/`, connections, duration: seconds, pipelining: 1 });
  const cpuMs = groupCpuMs(server.child.pid!) - before;
  return { rps: r.requests.average, p99Ms: r.latency.p99, bad: r.non2xx + r.errors + r.timeouts, requests: r.requests.total, cpuMs };
}

export async function benchServe(opts: { quick: boolean; log: (s: string) => void }): Promise<ServeResult[]> {
  const { log } = opts;
  const jco = ensureJco(log);
  const connections = 16;
  const seconds = opts.quick ? 3 : 8;
  const turns = opts.quick ? 2 : 3;
  const components: { name: string; path: string; grants: string[] }[] = [
    { name: 'proxy-guest.wat (hand-written)', path: await buildWatProxy(), grants: [] },
    // StarlingMonkey reads the monotonic clock on every request.
    { name: 'hello.js (componentize-js)', path: await buildJsProxy(), grants: ['--allow-time'] },
  ];
  const out: ServeResult[] = [];
  for (const c of components) {
    log(`serve: ${c.name}, ${connections} connections, ${turns} x ${seconds} s per side`);
    const jcoPort = await freePort();
    const isolatedPort = await freePort();
    const servers: Running[] = [];
    try {
      const molt = await startServer([CLI, 'serve', '--listen', '127.0.0.1:0', ...c.grants, c.path], null, log);
      servers.push(molt);
      const jcoServer = await startServer(
        [jco, 'serve', '--host', '127.0.0.1', '--port', String(jcoPort), c.path],
        `http://127.0.0.1:${jcoPort}`,
        log,
      );
      servers.push(jcoServer);
      const jcoIsolated = await startServer(
        [jco, 'serve', '--isolate-requests', 'instance', '--host', '127.0.0.1', '--port', String(isolatedPort), c.path],
        `http://127.0.0.1:${isolatedPort}`,
        log,
      );
      servers.push(jcoIsolated);
      // Warm all three (JIT, caches) before anything counts.
      for (const s of servers) await load(s, connections, 1);
      type Turn = { rps: number; p99Ms: number; bad: number; requests: number; cpuMs: number };
      const m: Turn[] = [];
      const j: Turn[] = [];
      const ji: Turn[] = [];
      for (let t = 0; t < turns; t++) {
        for (const [side, url, into] of [
          ['molt-wasm serve', molt, m],
          ['jco serve', jcoServer, j],
          ['jco serve --isolate-requests instance', jcoIsolated, ji],
        ] as const) {
          const r = await load(url, connections, seconds);
          if (r.bad > 0) log(`  ${side}: ${r.bad} requests failed or were not 2xx`);
          log(
            `  ${side}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99Ms} ms, ${r.requests > 0 ? (r.cpuMs / r.requests).toFixed(3) : 'n/a'} ms CPU/request`,
          );
          into.push(r);
        }
      }
      const served = (xs: Turn[]): number => xs.reduce((a, x) => a + x.requests, 0);
      const side = (xs: Turn[]): ServeSide => ({
        rps: median(xs.map((x) => x.rps)),
        p99Ms: median(xs.map((x) => x.p99Ms)),
        turns: xs.length,
        failed: xs.reduce((a, x) => a + x.bad, 0),
        // No request served: no figure (not Infinity).
        cpuMsPerRequest: served(xs) > 0 ? xs.reduce((a, x) => a + x.cpuMs, 0) / served(xs) : NaN,
      });
      const ms = side(m);
      const js = side(j);
      const jis = side(ji);
      // A side that served nothing, or failed requests (a server dying mid-run counts its
      // errors quickly), has no ratio: never an infinite or flattering "win".
      const valid = (x: ServeSide): boolean => x.rps > 0 && x.failed === 0;
      const over = (b: ServeSide): number => (valid(b) && valid(ms) ? ms.rps / b.rps : NaN);
      const ratio = over(js);
      const ratioIsolated = over(jis);
      out.push({ component: c.name, connections, seconds, molt: ms, jco: js, jcoIsolated: jis, ratio, ratioIsolated });
      const show = (x: number): string => (Number.isNaN(x) ? 'n/a' : `${x.toFixed(2)}x`);
      log(`  ratio ${show(ratio)} (over jco serve --isolate-requests instance: ${show(ratioIsolated)})`);
    } finally {
      for (const s of servers) await stop(s);
    }
  }
  return out;
}

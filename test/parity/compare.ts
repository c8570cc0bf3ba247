/**
 * The parity harness: runs every available runner on every fixture and holds each outcome
 * against the fixture's expectation and against the other runners (SPEC section 7). Used by
 * scripts/parity.ts (the table) and test/parity/parity.test.ts (node:test).
 */
import { Worker } from 'node:worker_threads';
import { fixtureManifest, isControl, loadFixtures, type Fixture, type Outcome, type Runner } from './fixture.js';

export interface Row {
  readonly fixture: string;
  readonly step: number;
  /** The op (with `$PORT` as written) or `[control] revoke fs.read /data`. */
  readonly label: string;
  readonly expect: string;
  /** Runner name -> outcome. */
  readonly outcomes: Readonly<Record<string, Outcome>>;
  readonly control: boolean;
  /** Runners whose outcome differs from the expectation (n/a never counts). */
  readonly mismatched: readonly string[];
}

export interface ParityReport {
  readonly runners: readonly string[];
  readonly skipped: readonly { runner: string; reason: string }[];
  readonly rows: readonly Row[];
  /** Fixture-level failures (policy errors, a runner that threw). */
  readonly errors: readonly string[];
}

/**
 * A local HTTP server (also a plain TCP listener for connect ops) on 127.0.0.1, in a worker
 * thread: a component guest runs in this thread and blocks it while it waits on a pollable
 * (preview2-shim waits synchronously), so a server on this thread's event loop could never
 * answer the guest's request.
 */
export async function startLocalServer(): Promise<{ port: number; close(): Promise<void> }> {
  const worker = new Worker(
    `const { createServer } = require('node:http');
     const { parentPort } = require('node:worker_threads');
     const server = createServer((_req, res) => {
       // CORS: the browser runner's page (another loopback origin) fetches this too.
       res.writeHead(200, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' });
       res.end('parity\\n');
     });
     server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));`,
    { eval: true },
  );
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (p: number) => resolve(p));
    worker.once('error', reject);
  });
  return {
    port,
    close: async () => {
      await worker.terminate();
    },
  };
}

function controlLabel(s: { control: string; cap?: string; scope?: string }): string {
  return `[control] ${[s.control, s.cap, s.scope].filter((x) => x !== undefined).join(' ')}`;
}

/** Checks a fixture whose policy must be refused; returns an error message or null. */
function checkPolicyError(f: Fixture): string | null {
  try {
    fixtureManifest(f);
  } catch (e) {
    const name = (e as Error).name;
    return name === f.policyError ? null : `${f.name}: expected policy error ${f.policyError}, got ${name}: ${(e as Error).message}`;
  }
  return `${f.name}: expected policy error ${f.policyError}, but the policy resolved`;
}

export async function runParity(runners: readonly Runner[], fixtures: readonly Fixture[] = loadFixtures()): Promise<ParityReport> {
  const active: Runner[] = [];
  const skipped: { runner: string; reason: string }[] = [];
  for (const r of runners) {
    const a = await r.available();
    if (a === true) active.push(r);
    else skipped.push({ runner: r.name, reason: a });
  }
  const rows: Row[] = [];
  const errors: string[] = [];
  const server = await startLocalServer();
  try {
    for (const f of fixtures) {
      if (f.policyError !== undefined) {
        const err = checkPolicyError(f);
        if (err !== null) errors.push(err);
        rows.push({ fixture: f.name, step: -1, label: '[policy]', expect: f.policyError, outcomes: {}, control: true, mismatched: [] });
        continue;
      }
      const results: Record<string, readonly Outcome[]> = {};
      for (const r of active) {
        try {
          results[r.name] = await r.run(f, { port: server.port });
        } catch (e) {
          errors.push(`${f.name}: runner ${r.name} failed: ${(e as Error).stack ?? String(e)}`);
        }
      }
      f.operations.forEach((s, i) => {
        const outcomes: Record<string, Outcome> = {};
        for (const name of Object.keys(results)) outcomes[name] = results[name]![i] ?? 'missing-outcome';
        if (isControl(s)) {
          rows.push({ fixture: f.name, step: i, label: controlLabel(s), expect: '', outcomes, control: true, mismatched: [] });
          return;
        }
        const mismatched = Object.entries(outcomes)
          .filter(([, o]) => o !== 'n/a' && o !== s.expect)
          .map(([n]) => n);
        rows.push({ fixture: f.name, step: i, label: s.op, expect: s.expect, outcomes, control: false, mismatched });
      });
    }
  } finally {
    await server.close();
  }
  return { runners: active.map((r) => r.name), skipped, rows, errors };
}

/** Every disagreement, with the fixture and op, one per line. Runners agreeing with the fixture agree with each other. */
export function disagreements(report: ParityReport): string[] {
  const out = [...report.errors];
  for (const row of report.rows) {
    if (row.mismatched.length === 0) continue;
    const got = row.mismatched.map((n) => `${n}=${row.outcomes[n]}`).join(', ');
    out.push(`${row.fixture} #${row.step} ${row.label}: expected ${row.expect}, got ${got}`);
  }
  return out;
}

/** The one table: op by runner, with the expected code; `!` marks a disagreement. */
export function formatTable(report: ParityReport): string {
  const head = ['fixture', '#', 'operation', 'expect', ...report.runners];
  const lines: string[][] = [head];
  for (const row of report.rows) {
    if (row.step === -1) {
      lines.push([
        row.fixture,
        '-',
        row.label,
        row.expect,
        ...report.runners.map(() => (report.errors.some((e) => e.startsWith(row.fixture + ':')) ? '! not refused' : 'refused')),
      ]);
      continue;
    }
    const cells = report.runners.map((n) => {
      const o = row.outcomes[n] ?? '';
      if (row.control) return o === 'control' ? '' : `! ${o}`;
      return row.mismatched.includes(n) ? `! ${o}` : o;
    });
    lines.push([row.fixture, String(row.step), row.label, row.expect, ...cells]);
  }
  const widths = head.map((_, c) => Math.max(...lines.map((l) => (l[c] ?? '').length)));
  const fmt = (l: string[]): string =>
    l
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const skipped = report.skipped.map((s) => `skipped runner ${s.runner}: ${s.reason}`);
  return [fmt(lines[0]!), rule, ...lines.slice(1).map(fmt), ...skipped].join('\n');
}

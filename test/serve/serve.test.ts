/**
 * `molt-wasm serve` with a hand-written proxy component (test/serve/proxy-guest.wat): a
 * request answered, a fresh instance per request, outgoing HTTP allowed and denied by the
 * same flags as `run` (audited with the request id), and every bound: timeout (504), body
 * (413), header count (431), concurrency (503), a trap (500, reason on stderr only), and the
 * drain on SIGTERM. The server runs as a child on an ephemeral port (helpers.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildWatProxy } from './build.js';
import { get, serve, upstream, type Served, type Upstream } from './helpers.js';

let app: string;
before(async () => {
  app = await buildWatProxy();
});

describe('serve: one server, many requests', () => {
  let s: Served;
  let allowed: Upstream;
  let other: Upstream;
  let auditLog: string;
  before(async () => {
    allowed = await upstream();
    other = await upstream();
    auditLog = join(mkdtempSync(join(tmpdir(), 'molt-serve-audit-')), 'audit.jsonl');
    s = await serve([
      `--allow-net=127.0.0.1:${allowed.port}`,
      '--max-body',
      '1000',
      '--timeout',
      '3000',
      '--workers',
      '2',
      '--audit-log',
      auditLog,
      app,
    ]);
  });
  after(async () => {
    await s?.stop();
    await allowed?.close();
    await other?.close();
  });

  it("answers a request with the guest's response (status, body, a length)", async () => {
    const r = await get(`${s.url}/`);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'count=1\n');
    assert.equal(r.headers['content-length'], '8');
  });

  it('gives every request a fresh instance: a counter in guest memory never passes 1', async () => {
    const bodies = [];
    for (let i = 0; i < 6; i++) bodies.push((await get(`${s.url}/`)).body);
    // And concurrently, over both workers.
    bodies.push(...(await Promise.all([1, 2, 3, 4].map(() => get(`${s.url}/`)))).map((r) => r.body));
    assert.deepEqual(new Set(bodies), new Set(['count=1\n']));
  });

  it('lets the guest call a granted host, and the guest sees HTTP-request-denied for another', async () => {
    const ok = await get(`${s.url}/fetch/127.0.0.1:${allowed.port}`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'upstream 200\n');
    assert.equal(allowed.seen.length, 1);

    const denied = await get(`${s.url}/fetch/127.0.0.1:${other.port}`);
    assert.equal(denied.status, 502);
    assert.equal(denied.body, 'denied\n');
    assert.equal(other.seen.length, 0, 'the denied upstream was never reached');
  });

  it('writes one audit record per decision, carrying the request id', async () => {
    const records = readFileSync(auditLog, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const net = records.filter((r) => r['capability'] === 'net' && r['operation'] === 'wasi:http/outgoing-handler#handle');
    const deny = net.find((r) => r['decision'] === 'deny' && r['target'] === `127.0.0.1:${other.port}`);
    const allow = net.find((r) => r['decision'] === 'allow' && r['target'] === `127.0.0.1:${allowed.port}`);
    assert.ok(deny, `a deny record for the other upstream in ${JSON.stringify(net)}`);
    assert.ok(allow, 'an allow record for the granted upstream');
    assert.equal(typeof deny['request'], 'number');
    assert.equal(typeof allow['request'], 'number');
    assert.notEqual(deny['request'], allow['request'], 'two requests, two ids');
  });

  it('answers a guest trap with 500, no host detail to the client, one line on stderr', async () => {
    const before = s.stderr();
    const r = await get(`${s.url}/trap`);
    assert.equal(r.status, 500);
    assert.equal(r.body, 'Internal Server Error\n');
    await s.waitFor('the guest trapped');
    const lines = s.stderr().slice(before.length).trim().split('\n');
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /^molt-wasm: request \d+: the guest trapped: .*unreachable/);
    assert.equal((await get(`${s.url}/`)).status, 200, 'the server goes on');
  });

  it('stops a guest that runs past --timeout: 504, and the next request is served', async () => {
    const r = await get(`${s.url}/spin`);
    assert.equal(r.status, 504);
    assert.match(s.stderr(), /request \d+: the guest ran past the timeout and was stopped/);
    for (let i = 0; i < 3; i++) assert.equal((await get(`${s.url}/`)).body, 'count=1\n');
  });

  it('refuses a body over --max-body with 413, declared or streamed, and takes one within it', async () => {
    const within = await get(`${s.url}/echo`, { body: 'x'.repeat(1000) });
    assert.equal(within.status, 200);
    assert.equal(within.body, 'read 1000\n');
    const declared = await get(`${s.url}/echo`, { body: 'x'.repeat(1001) });
    assert.equal(declared.status, 413);
    const streamed = await get(`${s.url}/echo`, { body: 'x'.repeat(5000), chunked: true });
    assert.equal(streamed.status, 413);
  });

  it('refuses more than 100 header fields with 431', async () => {
    const fields = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-h${i}`, 'v']));
    // With Host and Connection, 99 of ours make 101.
    const r = await get(`${s.url}/`, { headers: fields(99) });
    assert.equal(r.status, 431);
    assert.equal((await get(`${s.url}/`, { headers: fields(98) })).status, 200);
  });
});

describe('serve: --max-concurrency', () => {
  it('answers 503 past the limit while a request is in flight', async () => {
    const held = await upstream(true);
    const s = await serve([`--allow-net=127.0.0.1:${held.port}`, '--max-concurrency', '1', app]);
    try {
      const first = get(`${s.url}/fetch/127.0.0.1:${held.port}`);
      await held.received(1); // the first request is inside the guest now
      const second = await get(`${s.url}/`);
      assert.equal(second.status, 503);
      held.release();
      const r = await first;
      assert.equal(r.status, 200);
      assert.equal(r.body, 'upstream 200\n');
      assert.equal((await get(`${s.url}/`)).status, 200, 'a slot again once the first is done');
    } finally {
      held.release();
      await s.stop();
      await held.close();
    }
  });
});

describe('serve: SIGTERM', () => {
  it('stops accepting, lets the request in flight finish, then exits 0', async () => {
    const held = await upstream(true);
    const s = await serve([`--allow-net=127.0.0.1:${held.port}`, app]);
    try {
      const inFlight = get(`${s.url}/fetch/127.0.0.1:${held.port}`);
      await held.received(1);
      s.child.kill('SIGTERM');
      await s.waitFor('SIGTERM: no new requests');
      await assert.rejects(get(`${s.url}/`), 'no new connections once draining');
      held.release();
      const r = await inFlight;
      assert.equal(r.status, 200);
      assert.equal(r.body, 'upstream 200\n');
      // The drain ends the server by itself: a second signal here would stop it at once.
      assert.equal(await s.exited, 0);
    } finally {
      held.release();
      await s.stop('SIGKILL');
      await held.close();
    }
  });
});

// A real component guest (guest-examples/http-client, WAT) through the Node host and the
// network gate: the error-code variant the gate throws reaches the guest as
// `err(HTTP-request-denied)`, and an allowed request gets the loopback server's answer.
// The server runs in a worker thread: the guest blocks this thread while it waits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createHost } from '../../host/node/host.js';
import { capture, REPO } from '../node-host/helpers.js';
import { policy } from './helpers.js';

const WASM = join(REPO, 'guest-examples', 'dist', 'http-client.wasm');

const SERVER = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
let hits = 0;
const s = http.createServer((q, r) => { hits++; r.writeHead(203); r.end('ok'); });
s.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: s.address().port }));
parentPort.on('message', (m) => { if (m === 'hits') parentPort.postMessage({ hits }); else s.close(() => process.exit(0)); });
`;

async function withWorkerServer(fn: (port: number, hits: () => Promise<number>) => Promise<void>): Promise<void> {
  const w = new Worker(SERVER, { eval: true });
  const next = (): Promise<Record<string, number>> => new Promise((r) => w.once('message', r));
  const { port } = await next();
  try {
    await fn(port!, async () => {
      w.postMessage('hits');
      return (await next()).hits!;
    });
  } finally {
    w.postMessage('stop');
    await new Promise((r) => w.once('exit', r));
  }
}

test('http-client guest: allowed authority gets 203; a name not allowed is HTTP-request-denied in the guest', async () => {
  // A prerequisite, not an option: a missing guest fails the test instead of skipping it.
  assert.ok(existsSync(WASM), `${WASM} missing: run npm run build:guests`);
  await withWorkerServer(async (port, hits) => {
    const host = createHost();
    const out = capture();
    const err = capture();
    const manifest = policy({ 'console.write': true, net: [`127.0.0.1:${port}`] });
    const ok = await host.run(WASM, { manifest, args: ['http-client', `http://127.0.0.1:${port}/`], stdout: out.sink, stderr: err.sink });
    assert.equal(ok.exitCode, 0, err.text());
    assert.equal(out.text(), 'status: 203\n');
    const denied = capture();
    const r = await host.run(WASM, { manifest, args: ['http-client', `http://localhost:${port}/`], stdout: out.sink, stderr: denied.sink });
    assert.equal(r.exitCode, 1);
    assert.match(denied.text(), /request failed: HTTP-request-denied/);
    assert.equal(await hits(), 1);
  });
});

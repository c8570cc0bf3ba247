/**
 * Host memory through many request bodies held at once (the slow-body form of Wasmtime
 * GHSA-852m-cvvp-9p4w's class, host exhaustion through many resources): each request body
 * is bounded by --max-body (10 MiB) and requests by --max-concurrency (256), but nothing
 * bounded them together, so 256 clients each sending 10 MiB slowly made `molt-wasm serve`
 * hold 2.5 GiB before any guest ran (found by the red-team pass). The listener now charges
 * every body byte as it arrives against one budget for all requests and answers 503 to the
 * request that would pass it; a request's bytes are released when it ends.
 *
 * The listener is driven with a pool double that answers each request with the size of its
 * body, so the test is about the listener's accounting alone.
 */
import assert from 'node:assert/strict';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { test } from 'node:test';
import type { ServePool } from '../../host/serve/pool.js';
import type { Reply } from '../../host/serve/pool.js';
import type { RequestMessage } from '../../host/serve/protocol.js';
import { ServeServer } from '../../host/serve/server.js';
import { double } from '../support/test-double.js';

const KiB = 1024;

function answeringPool(): ServePool {
  return double<ServePool>({
    submit(message: RequestMessage, reply: Reply): () => void {
      reply.response(
        200,
        [['content-type', new TextEncoder().encode('text/plain')]],
        new TextEncoder().encode(`got ${message.body.length}\n`),
      );
      return () => {};
    },
  });
}

interface Answer {
  readonly status: number;
  readonly text: string;
}

function answerOf(req: ClientRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    req.on('response', (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    // The server may close the connection while a refused body is still being sent.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? undefined : reject(e)));
  });
}

/** A chunked POST whose first `bytes` are sent now; the caller ends it (or not). */
function openBody(port: number, bytes: number): ClientRequest {
  const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'transfer-encoding': 'chunked' } });
  req.write(Buffer.alloc(bytes, 0x61));
  return req;
}

/** Waits until the server holds `bytes` of request bodies (no wall-clock bound: the test runner's own). */
async function waitBuffered(server: ServeServer, bytes: number): Promise<void> {
  while (server.bufferedBytes < bytes) await new Promise((r) => setTimeout(r, 10));
}

/** A listener with a 64 KiB body limit and a 100 KiB budget on an ephemeral port, ended after `body`. */
async function withServer(body: (server: ServeServer, port: number) => Promise<void>): Promise<void> {
  const server = new ServeServer({
    pool: answeringPool(),
    maxBodyBytes: 64 * KiB,
    maxBufferedBytes: 100 * KiB,
    maxConcurrency: 100,
    log: () => {},
  });
  const { port } = await server.listen('127.0.0.1', 0);
  try {
    await body(server, port);
  } finally {
    // Ends connections still open (a failed assertion can leave one mid-body).
    const drained = server.drain();
    server.stopNow();
    await drained;
  }
}

test('request bodies held at once are bounded together: the one that would pass the budget is 503, the others go on', () =>
  withServer(async (server, port) => {
    // First: 60 KiB held (its body not ended yet).
    const first = openBody(port, 60 * KiB);
    const firstAnswer = answerOf(first);
    await waitBuffered(server, 60 * KiB);
    // Second: 60 KiB more would hold 120 KiB, past the 100 KiB budget.
    // Ended at once, so that a listener without the budget answers it (200) instead of waiting.
    const second = openBody(port, 60 * KiB);
    const secondAnswer = answerOf(second);
    second.end();
    const refused = await secondAnswer;
    assert.equal(refused.status, 503, `the second body should be refused, got ${refused.status} ${refused.text}`);
    // The first is untouched: it ends and is answered with its whole body.
    first.end(Buffer.alloc(4 * KiB, 0x62));
    assert.deepEqual(await firstAnswer, { status: 200, text: `got ${64 * KiB}\n` });
    // Its bytes were released when it ended: a third body of the same size fits again.
    const third = openBody(port, 60 * KiB);
    const thirdAnswer = answerOf(third);
    third.end();
    assert.deepEqual(await thirdAnswer, { status: 200, text: `got ${60 * KiB}\n` });
    while (server.inFlight > 0) await new Promise((r) => setTimeout(r, 10));
    assert.equal(server.bufferedBytes, 0, 'every byte is released once its request ended');
  }));

test('a body refused as too large (413) gives its bytes back to the budget', () =>
  withServer(async (_server, port) => {
    for (let i = 0; i < 4; i++) {
      const big = openBody(port, 80 * KiB);
      const answer = answerOf(big);
      big.end();
      assert.equal((await answer).status, 413, `round ${i}`);
    }
    const fits = openBody(port, 60 * KiB);
    const answer = answerOf(fits);
    fits.end();
    assert.deepEqual(await answer, { status: 200, text: `got ${60 * KiB}\n` });
  }));

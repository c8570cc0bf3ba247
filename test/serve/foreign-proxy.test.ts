/**
 * `molt-wasm serve` with a proxy component built by a foreign toolchain: componentize-js
 * (StarlingMonkey's fetch event, componentize-js/hello.js). A request answered; a fresh
 * instance per request (its JS counter never passes 1); fetch() to a granted upstream
 * works and to another is refused by the gate (the upstream never sees it, the audit log
 * has the denial with its request id); and without `time` the guest's first clock read
 * traps: a 500 with nothing of why, the reason on stderr.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildJsProxy } from './build.js';
import { get, serve, upstream, type Served, type Upstream } from './helpers.js';

let app: string;
before(async () => {
  app = await buildJsProxy();
});

describe('serve: a componentize-js proxy', () => {
  let s: Served;
  let allowed: Upstream;
  let other: Upstream;
  let auditLog: string;
  before(async () => {
    allowed = await upstream();
    other = await upstream();
    auditLog = join(mkdtempSync(join(tmpdir(), 'molt-serve-js-')), 'audit.jsonl');
    // StarlingMonkey reads the monotonic clock on every request: time is granted.
    s = await serve(['--allow-time', `--allow-net=127.0.0.1:${allowed.port}`, '--audit-log', auditLog, app]);
  });
  after(async () => {
    await s?.stop();
    await allowed?.close();
    await other?.close();
  });

  it('answers, with a fresh instance every time', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await get(`${s.url}/`);
      assert.equal(r.status, 200);
      assert.equal(r.body, 'hello from componentize-js, count=1\n');
      assert.equal(r.headers['x-served-by'], 'componentize-js');
    }
  });

  it('lets fetch() reach the granted upstream and refuses another one', async () => {
    const ok = await get(`${s.url}/fetch/127.0.0.1:${allowed.port}`);
    assert.equal(ok.body, 'upstream 200 up\n');
    const denied = await get(`${s.url}/fetch/127.0.0.1:${other.port}`);
    assert.equal(denied.status, 502);
    assert.match(denied.body, /^fetch failed: /);
    assert.equal(other.seen.length, 0, 'the refused upstream was never reached');
    const records = readFileSync(auditLog, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const deny = records.find((r) => r['capability'] === 'net' && r['decision'] === 'deny' && r['target'] === `127.0.0.1:${other.port}`);
    assert.ok(deny, 'the denial is audited');
    assert.equal(typeof deny['request'], 'number');
  });
});

describe('serve: a componentize-js proxy without time', () => {
  it('is a 500 per request, the capability named on stderr only', async () => {
    const s = await serve([app]);
    try {
      const r = await get(`${s.url}/`);
      assert.equal(r.status, 500);
      assert.equal(r.body, 'Internal Server Error\n');
      await s.waitFor("capability 'time' denied");
      assert.match(s.stderr(), /request \d+: capability denied: capability 'time' denied: wasi:clocks\//);
    } finally {
      await s.stop();
    }
  });
});

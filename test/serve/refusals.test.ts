/**
 * What `molt-wasm serve` refuses before it listens: a binary that is not a wasi:http/proxy
 * component (65, saying what it exports), bad flags (64, naming the flag, as `run`), and a
 * component whose memory is over --max-memory from the start (70).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { REPO_ROOT, runMolt } from '../cli-run.js';
import { buildWatProxy } from './build.js';

const DIST = join(REPO_ROOT, 'guest-examples', 'dist');
let app: string;
before(async () => {
  app = await buildWatProxy();
  for (const g of ['hello.wasm', 'wc.wasm']) assert.ok(existsSync(join(DIST, g)), `${g}: run npm run build:guests first`);
});

describe('serve refuses what is not a proxy (65)', () => {
  it('a command component, saying it exports wasi:cli/run', () => {
    const r = runMolt(['serve', '--listen', '127.0.0.1:0', join(DIST, 'hello.wasm')], { cwd: REPO_ROOT });
    assert.equal(r.code, 65, r.stderr);
    assert.match(
      r.stderr,
      /is not a wasi:http\/proxy component: it exports wasi:cli\/run@0\.2\.12 \(a command component: run it with molt-wasm run\)/,
    );
  });
  it('a preview1 core module, saying what it exports', () => {
    const r = runMolt(['serve', '--listen', '127.0.0.1:0', join(DIST, 'wc.wasm')], { cwd: REPO_ROOT });
    assert.equal(r.code, 65, r.stderr);
    assert.match(r.stderr, /is a core module \(it exports .*_start.*\), not a wasi:http\/proxy component/);
  });
  it('a file that is not wasm', () => {
    const r = runMolt(['serve', '--listen', '127.0.0.1:0', join(REPO_ROOT, 'package.json')], { cwd: REPO_ROOT });
    assert.equal(r.code, 65, r.stderr);
  });
});

describe('serve: bad flags are usage errors (64) naming the flag', () => {
  const cases: [string[], RegExp][] = [
    [['--listen', 'nowhere'], /--listen "nowhere": no port/],
    [['--listen', '127.0.0.1:70000'], /--listen "127\.0\.0\.1:70000": the port is over 65535/],
    [['--listen', '::1:80'], /an IPv6 address needs brackets/],
    [['--timeout', '0'], /--timeout "0"/],
    [['--max-body', 'lots'], /--max-body "lots"/],
    [['--max-concurrency', '0'], /--max-concurrency "0"/],
    [['--workers', 'two'], /--workers "two"/],
    [['--max-memory', '-1'], /--max-memory "-1"/],
    [['--max-host-heap', '1M'], /--max-host-heap "1M": expected a number of bytes of at least 16M/],
    [['--max-host-heap', 'big'], /--max-host-heap "big"/],
    [['--allow-net=bad host'], /--allow-net/],
  ];
  for (const [flags, message] of cases) {
    it(flags.join(' '), () => {
      const r = runMolt(['serve', ...flags, app], { cwd: REPO_ROOT });
      assert.equal(r.code, 64, r.stderr);
      assert.match(r.stderr, message);
    });
  }
});

describe('serve: --max-memory', () => {
  it('refuses a component whose memory starts over the limit (70) before listening', () => {
    // proxy-guest.wat starts with 2 pages (128 KiB).
    const r = runMolt(['serve', '--listen', '127.0.0.1:0', '--max-memory', '64K', app], { cwd: REPO_ROOT });
    assert.equal(r.code, 70, r.stderr);
    assert.match(r.stderr, /over the memory limit of 65536 bytes/);
    assert.doesNotMatch(r.stderr, /serving/);
  });
});

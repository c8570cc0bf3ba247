/**
 * --timeout / timeoutMs and --max-memory / maxMemoryBytes: a guest in an infinite loop or
 * blocked in a WASI call is stopped (124); memory growth past the limit fails inside the
 * guest; a memory already over the limit is refused (GuestMemoryLimitError, exit 70).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHost, GuestMemoryLimitError, GuestTimeoutError, limitMemories, UsageError } from '../../host/index.js';
import { parseByteSize, parseMaxHttpResources, parseMaxOpenFiles, parseTimeoutMs } from '../../host/node/limits-options.js';
import { buildComponent, capture, REPO, tempDir } from '../node-host/helpers.js';
import { guestWat, V } from '../node-host/guests/prelude.js';
import { wat2wasm } from '../adversarial/support.js';

const work = tempDir('molt-limits-');
const cache = join(work, 'cache');
const host = createHost({ cacheDir: cache });
const BIN = join(REPO, 'bin', 'molt-wasm.js');
const MiB = 1024 * 1024;

/** Core module: memory of `initial` pages; grows by 64 pages (4 MiB); exits 7 if that failed, 0 if not. */
const growCore = (initial: number) => `(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") ${initial})
  (func (export "_start")
    (if (i32.eq (memory.grow (i32.const 64)) (i32.const -1)) (then (call $exit (i32.const 7))))
    (call $exit (i32.const 0))))`;

/** Component: prints "grown" or "grow-failed" after growing its memory by 64 pages. */
const growComponent = {
  imports: [`wasi:cli/stdout@${V}`, `wasi:io/streams@${V}`, `wasi:cli/environment@${V}`],
  wat: guestWat(
    '',
    '(data (i32.const 2048) "grown\\ngrow-failed\\n")',
    `(if (i32.eq (memory.grow (i32.const 64)) (i32.const -1))
       (then (call $print (i32.const 2054) (i32.const 12)))
       (else (call $print (i32.const 2048) (i32.const 6))))`,
  ),
};

/** Sleeps an hour inside poll_oneoff on the monotonic clock. */
const SLEEPER = `(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 8) "\\00\\00\\00\\00\\00\\00\\00\\00" "\\00\\00\\00\\00\\00\\00\\00\\00" "\\01\\00\\00\\00\\00\\00\\00\\00" "\\00\\10\\a5\\d4\\e8\\00\\00\\00" "\\00\\00\\00\\00\\00\\00\\00\\00" "\\00\\00\\00\\00\\00\\00\\00\\00")
  (func (export "_start") (drop (call $poll (i32.const 8) (i32.const 200) (i32.const 1) (i32.const 300)))))`;

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'run', ...args], {
    encoding: 'utf8',
    input: '',
    timeout: 30000,
    env: { ...process.env, MOLT_WASM_CACHE_DIR: cache },
  });
  if (r.error) throw r.error; // spawnSync's own timeout: the guest was not stopped
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function file(name: string, bytes: Uint8Array): Promise<string> {
  const p = join(work, name);
  writeFileSync(p, bytes);
  return p;
}

test('limitMemories caps the maximum of defined and imported memories, and refuses an initial size over it', async () => {
  const imported = limitMemories(await wat2wasm('(module (import "m" "mem" (memory 1)))'), 3 * 65536 + 100) as Uint8Array<ArrayBuffer>;
  // Linking with a memory whose maximum is above the capped import maximum must now fail.
  const big = new WebAssembly.Memory({ initial: 1, maximum: 100 });
  await assert.rejects(WebAssembly.instantiate(imported, { m: { mem: big } }), WebAssembly.LinkError);
  await WebAssembly.instantiate(imported, { m: { mem: new WebAssembly.Memory({ initial: 1, maximum: 3 }) } });
  const defined = await wat2wasm('(module (memory (export "memory") 2 1000))');
  const inst = await WebAssembly.instantiate(limitMemories(defined, 3 * 65536) as Uint8Array<ArrayBuffer>);
  const mem = inst.instance.exports['memory'] as WebAssembly.Memory;
  assert.equal(mem.grow(1), 2);
  assert.throws(() => mem.grow(1), RangeError);
  // A lower maximum the module already had is kept.
  const low = await WebAssembly.instantiate(
    limitMemories(await wat2wasm('(module (memory (export "memory") 1 2))'), 100 * 65536) as Uint8Array<ArrayBuffer>,
  );
  assert.throws(() => (low.instance.exports['memory'] as WebAssembly.Memory).grow(2), RangeError);
  assert.throws(() => limitMemories(defined, 65536), GuestMemoryLimitError);
  assert.throws(() => limitMemories(defined, 65536), /memory 0 starts at 131072 bytes \(2 pages\), over the memory limit of 65536 bytes/);
});

test('core module: growth past maxMemoryBytes fails inside the guest (memory.grow = -1); without it, it succeeds', async () => {
  const bytes = await wat2wasm(growCore(1));
  assert.equal((await host.run(bytes, { maxMemoryBytes: MiB })).exitCode, 7);
  assert.equal((await host.run(bytes, { maxMemoryBytes: 8 * MiB })).exitCode, 0);
  assert.equal((await host.run(bytes)).exitCode, 0);
});

test('core module: an initial memory over the limit is refused with GuestMemoryLimitError (exit 70)', async () => {
  const bytes = await wat2wasm(growCore(32));
  const err = await host.run(bytes, { maxMemoryBytes: MiB }).then(
    () => assert.fail('ran'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof GuestMemoryLimitError);
  assert.equal(err.exitCode, 70);
});

test('component: every core module jco produced is capped; growth fails in the guest', async () => {
  const bytes = await buildComponent(growComponent);
  const manifest = { version: 1 as const, allow: { 'console.write': true as const }, deny: {} };
  const limited = capture();
  const r = await host.run(bytes, { manifest, stdout: limited.sink, maxMemoryBytes: MiB });
  assert.equal(r.exitCode, 0, r.error?.message);
  assert.equal(limited.text(), 'grow-failed\n');
  const free = capture();
  await host.run(bytes, { manifest, stdout: free.sink });
  assert.equal(free.text(), 'grown\n');
});

test('component: an initial memory over the limit is refused at instantiation', async () => {
  const bytes = await buildComponent(growComponent);
  await assert.rejects(
    host.run(bytes, { manifest: { version: 1, allow: { 'console.write': true }, deny: {} }, maxMemoryBytes: 65536 }),
    GuestMemoryLimitError,
  );
});

test('timeoutMs: a guest blocked in a WASI call (an hour-long poll_oneoff) is stopped', async () => {
  const t0 = Date.now();
  const r = await host.run(await wat2wasm(SLEEPER), { manifest: { version: 1, allow: { time: true }, deny: {} }, timeoutMs: 400 });
  assert.equal(r.outcome, 'timeout');
  assert.equal(r.exitCode, 124);
  assert.ok(r.error instanceof GuestTimeoutError);
  // An outcome, not a wall-clock bound (a worker's start-up is in any elapsed time): the guest
  // asked for an hour and was stopped; and not before its limit.
  assert.ok(Date.now() - t0 >= 390, `stopped after ${Date.now() - t0} ms, before the 400 ms limit`);
});

test('timeoutMs: a guest that finishes in time runs normally in its worker (output, exit code, memory limit)', async () => {
  const r = await host.run(await wat2wasm(growCore(1)), { timeoutMs: 10000, maxMemoryBytes: MiB });
  assert.equal(r.outcome, 'exited');
  assert.equal(r.exitCode, 7);
  await assert.rejects(host.prepare(await wat2wasm(growCore(1)), { timeoutMs: 100 }), UsageError);
});

test('molt-wasm run --timeout: a guest blocked in a WASI call (an hour-long sleep) exits 124', async () => {
  const r = cli('--allow-time', '--timeout', '500', await file('sleep.wasm', await wat2wasm(SLEEPER)));
  assert.equal(r.code, 124);
  assert.equal(r.stderr, 'molt-wasm: guest timed out after 500 ms\n');
  // No elapsed-time bound: it would include Node's start-up. The sleep was an hour and the
  // child was stopped well before spawnSync's 30 s timeout (cli() throws on that).
});

test('molt-wasm run --max-memory: growth fails in the guest; initial over the limit is exit 70; bad values are 64', async () => {
  const grow = await file('grow.wasm', await wat2wasm(growCore(1)));
  assert.equal(cli('--max-memory', '1M', grow).code, 7);
  assert.equal(cli('--max-memory', String(16 * MiB), grow).code, 0);
  assert.equal(cli(grow).code, 0);
  const big = cli('--max-memory', '1048576', await file('big.wasm', await wat2wasm(growCore(32))));
  assert.equal(big.code, 70);
  assert.match(big.stderr, /^molt-wasm: memory 0 starts at 2097152 bytes .* over the memory limit of 1048576 bytes\n$/);
  for (const bad of ['0', '-5', 'lots', '1.5', '10X']) {
    const r = cli('--max-memory', bad, grow);
    assert.equal(r.code, 64, bad);
  }
  for (const bad of ['0', '-1', '1s', 'soon']) assert.equal(cli('--timeout', bad, grow).code, 64, bad);
  for (const bad of ['0', '-1', '1.5', 'many', '65537']) {
    const r = cli('--max-open-files', bad, grow);
    assert.equal(r.code, 64, bad);
    assert.match(r.stderr, /--max-open-files/, bad);
  }
});

/** Makes `new fields()` in a loop and keeps every one (no capability needed). */
const FIELDS_HOARD = {
  imports: [`wasi:cli/stdout@${V}`, `wasi:io/streams@${V}`, `wasi:cli/environment@${V}`, `wasi:http/types@${V}`],
  wat: guestWat(
    `(import "wasi:http/types@${V}" "[constructor]fields" (func $fields (result i32)))`,
    '',
    '(loop $l (drop (call $fields)) (br $l))',
  ),
};

test('molt-wasm run --max-http-resources: the bound reaches the guest, on the main thread and in the --timeout worker; bad values are 64', async () => {
  const hoard = await file('hoard.wasm', await buildComponent(FIELDS_HOARD));
  const trap =
    /^molt-wasm: the guest trapped: wasi:http\/types#\[constructor\]fields: the guest holds (\d+) resources it made without a capability/;
  const byDefault = cli(hoard);
  assert.equal(byDefault.code, 70, byDefault.stderr);
  assert.equal(trap.exec(byDefault.stderr)?.[1], '1024');
  for (const args of [
    ['--max-http-resources', '10'],
    ['--timeout', '60000', '--max-http-resources', '10'],
  ]) {
    const r = cli(...args, hoard);
    assert.equal(r.code, 70, r.stderr);
    assert.equal(trap.exec(r.stderr)?.[1], '10', args.join(' '));
  }
  for (const bad of ['0', '-1', '1.5', 'many', '1048577']) {
    const r = cli('--max-http-resources', bad, hoard);
    assert.equal(r.code, 64, bad);
    assert.match(r.stderr, /--max-http-resources/, bad);
  }
});

test('limit option parsing', () => {
  assert.equal(parseByteSize('64M'), 64 * MiB);
  assert.equal(parseByteSize('64MiB'), 64 * MiB);
  assert.equal(parseByteSize('2g'), 2 * 1024 * MiB);
  assert.equal(parseByteSize('4096'), 4096);
  assert.throws(() => parseByteSize(''), UsageError);
  assert.equal(parseTimeoutMs('1500'), 1500);
  assert.throws(() => parseTimeoutMs(String(2 ** 31)), UsageError);
  assert.equal(parseMaxOpenFiles('64'), 64);
  assert.equal(parseMaxOpenFiles('65536'), 65536);
  assert.throws(() => parseMaxOpenFiles('0'), UsageError);
  assert.equal(parseMaxHttpResources('1048576'), 1048576);
  assert.throws(() => parseMaxHttpResources('0'), UsageError);
});

/**
 * The gate's checks that are not at `open-at`: calls on a descriptor or stream the guest
 * already holds (each re-checks, so a revocation is immediate and a write-only preopen's own
 * descriptor cannot be read), and the unscoped functions without an error channel that trap
 * (clocks' resolution and subscriptions, stderr and terminal handles) or answer none
 * (initial-cwd). Models "the check at open is the only check" (Node CVE-2024-36137:
 * fchown/fchmod on an already-open descriptor got past the permission model). Each case
 * fails if its check is removed: the platform underneath would answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGatedWasi } from '../../host/gate/index.js';
import type { WasiInterface } from '../support/test-double.js';
import type { IoError } from '../../host/gate/wasi.js';
import { CapabilityTrap } from '../../host/gate/trap.js';
import { nodePlatform } from '../../host/node/platform.js';
import { PolicyEngine } from '../../host/policy/index.js';
import type { CanonicalManifest } from '../../host/policy/types.js';
import { tempDir } from '../node-host/helpers.js';

function gated(allow: CanonicalManifest['allow'], cwd?: string) {
  const t = tempDir('molt-after-open-');
  mkdirSync(join(t, 'out'));
  writeFileSync(join(t, 'out', 'f.txt'), 'original');
  const engine = new PolicyEngine();
  const subject = engine.createSubject({ version: 1, allow, deny: {} });
  const imports = createGatedWasi({
    engine,
    subject,
    platform: nodePlatform,
    preopens: [{ guest: '/out', host: join(t, 'out') }],
    io: { args: [], env: {}, stdin: new Uint8Array(0), ...(cwd !== undefined ? { cwd } : {}) },
  });
  const dirs = () => imports['wasi:filesystem/preopens']!.getDirectories() as Array<[WasiInterface, string]>;
  return { t, engine, subject, imports, dirs };
}

const traps = (cap: string, fn: () => unknown, what: string) =>
  assert.throws(fn, (e: unknown) => e instanceof CapabilityTrap && e.capability === cap, what);

test('a write-only preopen is listed, but its own descriptor cannot be read (stat, read-directory, metadata)', () => {
  const { dirs } = gated({ 'fs.write': ['/out'] });
  const [[root, name]] = dirs() as [[WasiInterface, string]];
  assert.equal(name, '/out');
  assert.throws(
    () => root.stat(),
    (e: unknown) => e === 'access',
    'stat',
  );
  assert.throws(
    () => root.readDirectory(),
    (e: unknown) => e === 'access',
    'read-directory',
  );
  assert.throws(
    () => root.metadataHash(),
    (e: unknown) => e === 'access',
    'metadata-hash',
  );
});

test('revoking fs.write between open and write: the held descriptor and its stream are refused, the file unchanged', () => {
  const { t, engine, subject, dirs, imports } = gated({ 'fs.read': ['/out'], 'fs.write': ['/out'] });
  const [[root]] = dirs() as [[WasiInterface, string]];
  const file = root.openAt({}, 'f.txt', {}, { read: true, write: true }) as WasiInterface;
  const stream = file.writeViaStream(0n) as WasiInterface;
  engine.revoke(subject, 'fs.write');
  assert.throws(
    () => file.write(new TextEncoder().encode('X'), 0n),
    (e: unknown) => e === 'access',
    'descriptor.write',
  );
  assert.throws(
    () => file.writeViaStream(0n),
    (e: unknown) => e === 'access',
    'write-via-stream',
  );
  assert.throws(
    () => file.appendViaStream(),
    (e: unknown) => e === 'access',
    'append-via-stream',
  );
  assert.throws(
    () => file.setSize(0n),
    (e: unknown) => e === 'access',
    'set-size',
  );
  // The stream reports the failed operation with the filesystem's own code.
  assert.throws(
    () => stream.blockingWriteAndFlush(new TextEncoder().encode('X')),
    (e: unknown) =>
      (e as { tag?: string }).tag === 'last-operation-failed' &&
      imports['wasi:filesystem/types']!.filesystemErrorCode((e as { val: IoError }).val) === 'access',
    'stream write',
  );
  assert.equal(readFileSync(join(t, 'out', 'f.txt'), 'utf8'), 'original');
  // Reading is still granted, on the same descriptor.
  const [bytes] = file.read(8n, 0n) as [Uint8Array, boolean];
  assert.equal(new TextDecoder().decode(bytes), 'original');
});

test('revoking fs.read between open and read: the held descriptor and its stream are refused', () => {
  const { engine, subject, dirs } = gated({ 'fs.read': ['/out'] });
  const [[root]] = dirs() as [[WasiInterface, string]];
  const file = root.openAt({}, 'f.txt', {}, { read: true }) as WasiInterface;
  const stream = file.readViaStream(0n) as WasiInterface;
  engine.revoke(subject, 'fs.read');
  assert.throws(
    () => file.read(8n, 0n),
    (e: unknown) => e === 'access',
    'descriptor.read',
  );
  assert.throws(
    () => file.readViaStream(0n),
    (e: unknown) => e === 'access',
    'read-via-stream',
  );
  assert.throws(
    () => file.stat(),
    (e: unknown) => e === 'access',
    'stat',
  );
  assert.throws(() => stream.blockingRead(8n), 'stream read');
});

test('clocks without time: resolution and subscriptions trap too, not only now', () => {
  const { imports } = gated({});
  const mono = imports['wasi:clocks/monotonic-clock']!;
  const wall = imports['wasi:clocks/wall-clock']!;
  traps('time', () => mono.resolution(), 'monotonic resolution');
  traps('time', () => mono.subscribeInstant(0n), 'subscribe-instant');
  traps('time', () => mono.subscribeDuration(1n), 'subscribe-duration');
  traps('time', () => wall.resolution(), 'wall resolution');
  const { imports: granted } = gated({ time: true });
  assert.equal(typeof granted['wasi:clocks/monotonic-clock']!.resolution(), 'bigint');
});

test('stdio without console.write: stderr and the terminal handles trap; initial-cwd needs fs.read on it', () => {
  const { imports } = gated({}, '/out');
  traps('console.write', () => imports['wasi:cli/stderr']!.getStderr(), 'get-stderr');
  traps('console.write', () => imports['wasi:cli/terminal-stdout']!.getTerminalStdout(), 'get-terminal-stdout');
  traps('console.write', () => imports['wasi:cli/terminal-stderr']!.getTerminalStderr(), 'get-terminal-stderr');
  assert.equal(imports['wasi:cli/environment']!.initialCwd(), undefined);
  const { imports: withRead } = gated({ 'console.write': true, 'fs.read': ['/out'] }, '/out');
  assert.equal(withRead['wasi:cli/environment']!.initialCwd(), '/out');
  assert.ok(withRead['wasi:cli/stderr']!.getStderr());
});

/**
 * wasi:filesystem set-times through the gate on the Node platform: explicit nanosecond times,
 * `now` and `no-change`, on a descriptor and on a path (following a symlink or not), read back
 * exactly by stat (and by the host). Exact with the native addon (native/utimens); without it
 * the fallback keeps microseconds, which is what is asserted then. A denied fs.write is still
 * `access`, and a symlink out of the preopen is `not-permitted`, with nothing changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGatedWasi } from '../../host/gate/index.js';
import type { WasiInterface } from '../support/test-double.js';
import { nodePlatform } from '../../host/node/platform.js';
import { createTimeSetter, loadUtimens } from '../../host/node/set-times.js';
import { PolicyEngine } from '../../host/policy/index.js';
import type { CanonicalManifest } from '../../host/policy/types.js';
import { tempDir } from './helpers.js';

const EXACT = loadUtimens() !== null;
const NS = 1_000_000_000n;

interface Datetime {
  seconds: bigint;
  nanoseconds: number;
}
const ts = (seconds: bigint, nanoseconds: number) => ({ tag: 'timestamp', val: { seconds, nanoseconds } });
const NOW = { tag: 'now' };
const KEEP = { tag: 'no-change' };
const FOLLOW = { symlinkFollow: true };
const NOFOLLOW = { symlinkFollow: false };

/** What the platform can store: exact with the addon, microseconds (truncated) without. */
function stored(seconds: bigint, nanoseconds: number): Datetime {
  return { seconds, nanoseconds: EXACT ? nanoseconds : nanoseconds - (nanoseconds % 1000) };
}
function ns(d: Datetime): bigint {
  return d.seconds * NS + BigInt(d.nanoseconds);
}
function times(stat: unknown): [Datetime, Datetime] {
  const s = stat as { dataAccessTimestamp: Datetime; dataModificationTimestamp: Datetime };
  return [s.dataAccessTimestamp, s.dataModificationTimestamp];
}
/** The host's own view (ns) of a path: [atime, mtime]. */
function hostTimes(path: string, follow = true): [bigint, bigint] {
  const s = (follow ? statSync : lstatSync)(path, { bigint: true });
  return [s.atimeNs, s.mtimeNs];
}

function setup(allow: CanonicalManifest['allow']) {
  const t = tempDir('molt-times-');
  mkdirSync(join(t, 'sub'));
  writeFileSync(join(t, 'file'), 'x');
  writeFileSync(join(t, 'sub', 'inner'), 'y');
  writeFileSync(join(t, '..', `${t.split('/').pop()}-outside`), 'o');
  symlinkSync('file', join(t, 'link'));
  symlinkSync(`../${t.split('/').pop()}-outside`, join(t, 'escape'));
  const engine = new PolicyEngine();
  const subject = engine.createSubject({ version: 1, allow, deny: {} });
  const imports = createGatedWasi({ engine, subject, platform: nodePlatform, preopens: [{ guest: '/data', host: t }] });
  const [[root] = []] = imports['wasi:filesystem/preopens']!.getDirectories() as Array<[WasiInterface, string]>;
  return { t, root: root!, outside: join(t, '..', `${t.split('/').pop()}-outside`) };
}

const RW = { 'fs.read': ['/data'], 'fs.write': ['/data'] };

test('descriptor set-times: explicit ns, no-change, now', () => {
  const { t, root } = setup(RW);
  const f = root.openAt(NOFOLLOW, 'file', {}, { read: true, write: true });
  f.setTimes(ts(1_234_567_890n, 123_456_789), ts(987_654_321n, 999_999_999));
  assert.deepEqual(times(f.stat()), [stored(1_234_567_890n, 123_456_789), stored(987_654_321n, 999_999_999)]);
  assert.deepEqual(hostTimes(join(t, 'file')), times(f.stat()).map(ns));

  // no-change keeps the target's own value (not the directory's), to the nanosecond.
  f.setTimes(KEEP, ts(1_700_000_000n, 1));
  assert.deepEqual(times(f.stat()), [stored(1_234_567_890n, 123_456_789), stored(1_700_000_000n, 1)]);
  f.setTimes(ts(5n, 999_999_999), KEEP);
  assert.deepEqual(times(f.stat()), [stored(5n, 999_999_999), stored(1_700_000_000n, 1)]);

  // The last nanosecond of a second, and the epoch (WASI datetimes are unsigned).
  f.setTimes(ts(0n, 0), ts(4_102_444_799n, 999_999_999));
  assert.deepEqual(times(f.stat()), [stored(0n, 0), stored(4_102_444_799n, 999_999_999)]);

  // now is now (not 1970, not year 2446).
  const before = BigInt(Date.now() - 2000) * 1_000_000n;
  f.setTimes(NOW, KEEP);
  const after = BigInt(Date.now() + 2000) * 1_000_000n;
  const [a, m] = times(f.stat());
  assert.ok(ns(a) >= before && ns(a) <= after, `atime ${ns(a)} not in [${before}, ${after}]`);
  assert.deepEqual(m, stored(4_102_444_799n, 999_999_999));

  // A descriptor opened below a subdirectory descriptor names its own file.
  const sub = root.openAt(NOFOLLOW, 'sub', { directory: true }, { read: true });
  const inner = sub.openAt(NOFOLLOW, 'inner', {}, { read: true, write: true });
  inner.setTimes(ts(42n, 42), ts(43n, 43_000));
  assert.deepEqual(hostTimes(join(t, 'sub', 'inner')), [ns(stored(42n, 42)), ns(stored(43n, 43_000))]);

  // The preopen itself.
  root.setTimes(ts(100n, 1_000), ts(200n, 2_000));
  assert.deepEqual(hostTimes(t), [100n * NS + 1_000n, 200n * NS + 2_000n]);

  // Out of range nanoseconds: invalid, nothing changed.
  assert.throws(
    () => f.setTimes(ts(1n, 1_000_000_000), KEEP),
    (e) => e === 'invalid',
  );
});

test('set-times-at: follow sets the target, nofollow the link itself', () => {
  const { t, root } = setup(RW);
  const fileBefore = hostTimes(join(t, 'file'));
  const linkBefore = hostTimes(join(t, 'link'), false);

  root.setTimesAt(NOFOLLOW, 'link', ts(11n, 111_111_111), ts(22n, 222_222_222));
  assert.deepEqual(times(root.statAt(NOFOLLOW, 'link')), [stored(11n, 111_111_111), stored(22n, 222_222_222)]);
  assert.deepEqual(hostTimes(join(t, 'file')), fileBefore, 'the target is untouched');
  assert.notDeepEqual(linkBefore, hostTimes(join(t, 'link'), false));

  root.setTimesAt(FOLLOW, 'link', ts(33n, 333_333_333), ts(44n, 444_444_444));
  assert.deepEqual(times(root.statAt(FOLLOW, 'link')), [stored(33n, 333_333_333), stored(44n, 444_444_444)]);
  // The link keeps its mtime (reading it to follow it may refresh its atime: relatime).
  assert.deepEqual(times(root.statAt(NOFOLLOW, 'link'))[1], stored(22n, 222_222_222));

  // no-change keeps the target's own value (nofollow: the link's), not the directory's.
  const linkAtime = hostTimes(join(t, 'link'), false)[0];
  root.setTimesAt(NOFOLLOW, 'link', KEEP, ts(55n, 5));
  assert.deepEqual(hostTimes(join(t, 'link'), false), [EXACT ? linkAtime : linkAtime - (linkAtime % 1000n), ns(stored(55n, 5))]);
  root.setTimesAt(FOLLOW, 'link', ts(66n, 6), KEEP);
  assert.deepEqual(times(root.statAt(FOLLOW, 'link')), [stored(66n, 6), stored(44n, 444_444_444)]);

  // now, by path.
  const before = BigInt(Date.now() - 2000) * 1_000_000n;
  root.setTimesAt(FOLLOW, 'file', KEEP, NOW);
  const [a, m] = times(root.statAt(FOLLOW, 'file'));
  assert.ok(ns(m) >= before && ns(m) <= BigInt(Date.now() + 2000) * 1_000_000n, `mtime ${ns(m)}`);
  assert.deepEqual(a, stored(66n, 6));

  // Relative to a subdirectory descriptor, and through `.`.
  const sub = root.openAt(NOFOLLOW, 'sub', { directory: true }, { read: true });
  sub.setTimesAt(NOFOLLOW, './inner', ts(7n, 7), ts(8n, 8));
  assert.deepEqual(times(sub.statAt(NOFOLLOW, 'inner')), [stored(7n, 7), stored(8n, 8)]);
  sub.setTimesAt(FOLLOW, '.', ts(9n, 9_000), ts(10n, 10_000));
  assert.deepEqual(hostTimes(join(t, 'sub')), [9n * NS + 9_000n, 10n * NS + 10_000n]);

  assert.throws(
    () => root.setTimesAt(FOLLOW, 'missing', NOW, NOW),
    (e) => e === 'no-entry',
  );
  assert.throws(
    () => root.setTimesAt(FOLLOW, 'file/', NOW, NOW),
    (e) => e === 'not-directory',
  );
});

test('fs.write denied: access, and nothing changes; a symlink out is not-permitted', () => {
  const { t, root } = setup({ 'fs.read': ['/data'] });
  const file = hostTimes(join(t, 'file'));
  const f = root.openAt(NOFOLLOW, 'file', {}, { read: true });
  assert.throws(
    () => f.setTimes(ts(1n, 1), ts(2n, 2)),
    (e) => e === 'access',
  );
  assert.throws(
    () => root.setTimesAt(FOLLOW, 'file', ts(1n, 1), ts(2n, 2)),
    (e) => e === 'access',
  );
  assert.throws(
    () => root.setTimesAt(NOFOLLOW, 'link', NOW, NOW),
    (e) => e === 'access',
  );
  assert.deepEqual(hostTimes(join(t, 'file')), file);

  const rw = setup(RW);
  const out = hostTimes(rw.outside);
  assert.throws(
    () => rw.root.setTimesAt(FOLLOW, 'escape', ts(1n, 1), ts(2n, 2)),
    (e) => e === 'not-permitted',
  );
  assert.throws(
    () => rw.root.setTimesAt(FOLLOW, '../x', ts(1n, 1), ts(2n, 2)),
    (e) => e === 'not-permitted',
  );
  assert.deepEqual(hostTimes(rw.outside), out);
});

test('without the addon: seconds, not milliseconds; microseconds kept', () => {
  const { t } = setup(RW);
  const setter = createTimeSetter(null);
  assert.equal(setter.exact, false);
  const path = join(t, 'file');
  setter.set(path, ts(1_234_567_890n, 123_456_789) as never, ts(987_654_321n, 999_999_999) as never, true);
  assert.deepEqual(hostTimes(path), [1_234_567_890_123_456_000n, 987_654_321_999_999_000n]);
  setter.set(path, KEEP as never, ts(1_700_000_000n, 5_000) as never, true);
  assert.deepEqual(hostTimes(path), [1_234_567_890_123_456_000n, 1_700_000_000_000_005_000n]);
  const before = BigInt(Date.now() - 2000) * 1_000_000n;
  setter.set(path, NOW as never, KEEP as never, true);
  const [a, m] = hostTimes(path);
  assert.ok(a >= before && a <= BigInt(Date.now() + 2000) * 1_000_000n, `atime ${a}`);
  assert.equal(m, 1_700_000_000_000_005_000n);
  // nofollow on a symlink changes the link only.
  setter.set(join(t, 'link'), ts(3n, 0) as never, ts(4n, 0) as never, false);
  assert.deepEqual(hostTimes(join(t, 'link'), false), [3n * NS, 4n * NS]);
  assert.equal(hostTimes(path)[1], m);
});

// npm install / npm ci build the addon (package.json "install"); not having it here is a failure.
test('the native addon is built here (timestamps are exact)', () => {
  assert.equal(createTimeSetter().exact, true, 'native/utimens not built: npm rebuild (node-gyp needs g++, make, python3)');
});

/**
 * The native addon native/fsat (openat, fstatat, fstat, pread, close on held descriptors) is
 * C that a hostile guest drives: every name it gets, the guest chose. It must take ONE name
 * and nothing else (an embedded NUL is an error, not a shorter name; `/`, `.`, `..` are
 * errors, never resolved), never follow a symlink at that name, never resolve from the
 * process's working directory, open every descriptor close-on-exec, and close only what it
 * opened. Then a second process swapping the final name between a file and a symlink to a
 * secret outside, thousands of times, must never make an open through the backend read it.
 *
 * The addon must be built here (the CI installs its prerequisites): a missing addon is a
 * failure, never a skip. The `/proc/self/fd` way is tested by fsat-fallback.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { constants as os } from 'node:os';
import { join } from 'node:path';
import { NodeFsBackend } from '../../host/node/fs-backend.js';
import { fsNative, loadFsatAddon, STAT_SLOTS, type FsatAddon } from '../../host/node/fs-native.js';
import { sandbox, startSwapper } from './support.js';

const E = os.errno;
const O_RDONLY = 0;
const O_CREAT = 0o100;
const O_DIRECTORY = 0o200000;

function addon(): FsatAddon {
  const a = loadFsatAddon();
  assert.ok(a !== null, 'native/fsat is not built: run npm install (node-gyp, a C compiler and make are needed)');
  return a;
}

/** The descriptor of a successful openat, or the failure. */
function opened(r: number): { fd: number } {
  assert.ok(r >= 0, `openat failed: errno ${-r}`);
  return { fd: r };
}

test('the addon is built and the Node backend uses it on Linux', () => {
  addon();
  assert.equal(process.env.MOLT_WASM_NO_NATIVE_FS, undefined, 'this suite runs with the addon on');
  assert.ok(fsNative() !== null);
  assert.equal(new NodeFsBackend({ maxOpenFiles: 4 }).via, 'openat');
});

test('a name is one component: NUL, "/", ".", "..", empty and over-long names are errors, never resolved', () => {
  const a = addon();
  const s = sandbox();
  const dir = openSync(s.granted, 'r');
  const out = new BigInt64Array(STAT_SLOTS);
  try {
    // Each would reach something if it were passed on: a.txt (truncated at the NUL), the
    // secret outside (through "/" or ".."), the directory itself.
    writeFileSync(join(s.granted, 'a'), 'prefix of a NUL name\n');
    const names = ['a\0.txt', 'a\0', '../outside/secret.txt', '..', '.', '', 'x/', '/etc/passwd', 'x/../a.txt'];
    for (const name of names) {
      assert.equal(a.openat(dir, name, O_RDONLY, 0), -E.EINVAL, `openat ${JSON.stringify(name)}`);
      assert.equal(a.fstatat(dir, name, out), -E.EINVAL, `fstatat ${JSON.stringify(name)}`);
    }
    assert.equal(a.openat(dir, 'x'.repeat(5000), O_RDONLY, 0), -E.ENAMETOOLONG);
    // A valid name still opens (the checks above are not refusing everything).
    const { fd } = opened(a.openat(dir, 'a.txt', O_RDONLY, 0));
    assert.equal(readlinkSync(`/proc/self/fd/${fd}`), join(s.granted, 'a.txt'));
    const buf = new Uint8Array(16);
    assert.equal(new TextDecoder().decode(buf.subarray(0, a.pread(fd, buf, 0n))), 'inside\n');
    assert.equal(a.close(fd), 0);
  } finally {
    closeSync(dir);
  }
});

test('never the working directory, never a foreign descriptor, never a flag outside the set', () => {
  const a = addon();
  const s = sandbox();
  const dir = openSync(s.granted, 'r');
  try {
    // AT_FDCWD (-100) and other negative or non-integer numbers: EBADF, nothing resolved from the cwd.
    for (const bad of [-100, -1, 1.5, 2 ** 31, NaN, '3' as unknown as number]) {
      assert.equal(a.openat(bad, 'package.json', O_RDONLY, 0), -E.EBADF, String(bad));
    }
    assert.throws(() => a.openat(dir, 3 as unknown as string, O_RDONLY, 0), TypeError);
    // O_APPEND, O_TMPFILE, O_PATH with O_CREAT, O_WRONLY|O_RDWR: refused, not passed on.
    for (const flags of [0o2000, 0o20200000, 0o10000000 | O_CREAT, 3])
      assert.equal(a.openat(dir, 'n', flags, 0o666), -E.EINVAL, flags.toString(8));
    assert.equal(a.openat(dir, 'n', O_CREAT, 0o10000), -E.EINVAL, 'mode beyond 07777');
    assert.ok(!existsSync(join(s.granted, 'n')));
    // close() refuses a descriptor node:fs opened (and leaves it open).
    assert.equal(a.close(dir), -E.EBADF);
    assert.equal(readlinkSync(`/proc/self/fd/${dir}`), s.granted);
    // pread: a negative position is EINVAL, a non-Uint8Array a TypeError.
    const { fd } = opened(a.openat(dir, 'a.txt', O_RDONLY, 0));
    assert.equal(a.pread(fd, new Uint8Array(4), -1n), -E.EINVAL);
    assert.throws(() => a.pread(fd, new Uint16Array(4) as unknown as Uint8Array, 0n), TypeError);
    assert.throws(() => a.pread(fd, new Uint8Array(4), 0 as unknown as bigint), TypeError);
    assert.equal(a.close(fd), 0);
    assert.equal(a.close(fd), -E.EBADF, 'closed once only');
  } finally {
    closeSync(dir);
  }
});

test('a final symlink is never followed, by open, create, directory open or stat; descriptors are close-on-exec', () => {
  const a = addon();
  const s = sandbox();
  symlinkSync('../outside/secret.txt', join(s.granted, 'link'));
  symlinkSync('../outside/dir', join(s.granted, 'dirlink'));
  symlinkSync('../outside/created.txt', join(s.granted, 'dangling'));
  const dir = openSync(s.granted, 'r');
  const out = new BigInt64Array(STAT_SLOTS);
  try {
    assert.equal(a.openat(dir, 'link', O_RDONLY, 0), -E.ELOOP);
    assert.equal(a.openat(dir, 'dangling', O_CREAT | 1, 0o666), -E.ELOOP);
    assert.ok(!existsSync(join(s.outside, 'created.txt')), 'nothing created through the link');
    // O_DIRECTORY|O_NOFOLLOW on a symlink is ENOTDIR on Linux (the backend reports loop).
    assert.equal(a.openat(dir, 'dirlink', O_RDONLY | O_DIRECTORY, 0), -E.ENOTDIR);
    assert.equal(a.openat(dir, 'dirlink', a.O_PATH | O_DIRECTORY, 0), -E.ENOTDIR);
    // stat of the name is the link itself.
    assert.equal(a.fstatat(dir, 'link', out), 0);
    assert.equal(Number(out[2]) & 0o170000, 0o120000, 'S_IFLNK');
    const { fd } = opened(a.openat(dir, 'a.txt', O_RDONLY, 0));
    const flags = /flags:\s+([0-7]+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!;
    assert.ok((parseInt(flags, 8) & 0o2000000) !== 0, `O_CLOEXEC in ${flags}`);
    a.close(fd);
    const backend = new NodeFsBackend({ maxOpenFiles: 8 });
    const root = backend.openRoot(s.granted);
    const how = { read: true, write: false, create: false, exclusive: false, truncate: false, directory: false };
    assert.throws(
      () => backend.openAt(root, 'link', how),
      (e) => e === 'loop',
    );
    assert.throws(
      () => backend.openAt(root, 'dirlink', { ...how, directory: true }),
      (e) => e === 'loop',
    );
    assert.throws(
      () => backend.openAt(root, 'a\0.txt', how),
      (e) => e === 'invalid',
    );
    assert.throws(
      () => backend.openAt(root, '../outside/secret.txt', how),
      (e) => e === 'invalid',
    );
    backend.closeAll();
  } finally {
    closeSync(dir);
  }
});

test('an open does not stat; the type is asked once, when needed, and is the real one', () => {
  const s = sandbox();
  const backend = new NodeFsBackend({ maxOpenFiles: 8 });
  const root = backend.openRoot(s.granted);
  const how = { read: true, write: false, create: false, exclusive: false, truncate: false, directory: false };
  mkdirSync(join(s.granted, 'sub'), { recursive: true });
  // A directory opened without O_DIRECTORY (a plain read-only open) is still a directory.
  const dirNoFlag = backend.openAt(root, 'sub', how);
  const file = backend.openAt(root, 'a.txt', how);
  const dirFlag = backend.openAt(root, 'sub', { ...how, directory: true });
  assert.equal(backend.typeOf(dirNoFlag), 'directory');
  assert.equal(backend.typeOf(file), 'regular-file');
  assert.equal(backend.typeOf(dirFlag), 'directory');
  // Asked again after the name is replaced: the descriptor's own type, which cannot change.
  rmSync(join(s.granted, 'a.txt'));
  mkdirSync(join(s.granted, 'a.txt'));
  assert.equal(backend.typeOf(file), 'regular-file');
  for (const h of [dirNoFlag, file, dirFlag]) backend.close(h);
  backend.closeAll();
});

/** The swapper: `granted/f.txt` a file, then a symlink to the secret, then the file again. */
const SWAPPER = `
const fs = require('node:fs');
const [granted] = process.argv.slice(1);
const f = granted + '/f.txt', aside = granted + '/f.aside';
let n = 0;
const tryDo = (g) => { try { g(); } catch {} };
for (;;) {
  tryDo(() => fs.renameSync(f, aside));
  tryDo(() => fs.symlinkSync(n % 2 ? '../outside/secret.txt' : granted + '/../outside/secret.txt', f));
  tryDo(() => fs.unlinkSync(f));
  tryDo(() => fs.renameSync(aside, f));
  if (++n % 100 === 0) process.stdout.write(n + '\\n');
}
`;

test('a symlink racing in as the final name never lets an open through the addon read outside', async () => {
  const s = sandbox();
  writeFileSync(join(s.granted, 'f.txt'), 'INSIDE\n');
  const backend = new NodeFsBackend({ maxOpenFiles: 8 });
  assert.equal(backend.via, 'openat');
  const root = backend.openRoot(s.granted);
  const how = { read: true, write: false, create: false, exclusive: false, truncate: false, directory: false };
  const buf = new Uint8Array(64);
  const swapper = startSwapper(SWAPPER, [s.granted]);
  let opens = 0;
  let refused = 0;
  try {
    await swapper.started();
    const start = swapper.swaps();
    let calls = 0;
    while (swapper.swaps() - start < 3000 || calls < 2000) {
      calls++;
      assert.ok(calls <= 2_000_000, `the swapper made only ${swapper.swaps() - start} swaps`);
      if (calls % 200 === 0) await new Promise((r) => setImmediate(r));
      let fd: number;
      try {
        fd = backend.openAt(root, 'f.txt', how);
      } catch (e) {
        assert.ok(e === 'loop' || e === 'no-entry', `unexpected ${String(e)}`);
        refused++;
        continue;
      }
      try {
        const text = new TextDecoder().decode(buf.subarray(0, backend.readInto(fd, buf, 0n)));
        assert.ok(!text.includes(s.secret), `open ${calls}: the secret outside was read`);
        assert.equal(text, 'INSIDE\n');
        opens++;
      } finally {
        backend.close(fd);
      }
    }
  } finally {
    swapper.kill();
    backend.closeAll();
  }
  // The race was real: both outcomes happened.
  assert.ok(opens > 0 && refused > 0, `opens ${opens}, refused ${refused}`);
});

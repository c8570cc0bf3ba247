import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Errno, ERRNO_BY_ERROR_CODE, errnoFromThrown } from '../../host/preview1/index.js';
import { WasiErrno } from '../../host/preview1/errno.js';
import { Preview1Exit } from '../../host/preview1/exit.js';

// All 37 cases of wasi:filesystem/types error-code, with the errno Wasmtime maps each to.
const EXPECTED: Record<string, number> = {
  access: 2,
  'would-block': 6,
  already: 7,
  'bad-descriptor': 8,
  busy: 10,
  deadlock: 16,
  quota: 19,
  exist: 20,
  'file-too-large': 22,
  'illegal-byte-sequence': 25,
  'in-progress': 26,
  interrupted: 27,
  invalid: 28,
  io: 29,
  'is-directory': 31,
  loop: 32,
  'too-many-links': 34,
  'message-size': 35,
  'name-too-long': 37,
  'no-device': 43,
  'no-entry': 44,
  'no-lock': 46,
  'insufficient-memory': 48,
  'insufficient-space': 51,
  unsupported: 58,
  'not-directory': 54,
  'not-empty': 55,
  'not-recoverable': 56,
  'no-tty': 59,
  'no-such-device': 60,
  overflow: 61,
  'not-permitted': 63,
  pipe: 64,
  'read-only': 69,
  'invalid-seek': 70,
  'text-file-busy': 74,
  'cross-device': 75,
};

test('every WASI 0.2 error-code maps to the preview1 errno Wasmtime uses', () => {
  assert.deepEqual({ ...ERRNO_BY_ERROR_CODE }, EXPECTED);
  for (const [code, errno] of Object.entries(EXPECTED)) assert.equal(errnoFromThrown(code), errno, code);
});

test('errno constants match witx numbering at both ends and in the middle', () => {
  assert.equal(Errno.success, 0);
  assert.equal(Errno['2big'], 1);
  assert.equal(Errno.badf, 8);
  assert.equal(Errno.noent, 44);
  assert.equal(Errno.notcapable, 76);
});

test('jco-style { payload } wrappers and stream errors translate', () => {
  assert.equal(errnoFromThrown({ payload: 'access' }), Errno.acces);
  assert.equal(errnoFromThrown({ tag: 'closed' }), Errno.io);
  assert.equal(errnoFromThrown(new WasiErrno(Errno.spipe)), Errno.spipe);
});

test('anything that is not an error-code is left to propagate', () => {
  assert.equal(errnoFromThrown(new WebAssembly.RuntimeError('capability denied: time')), undefined);
  assert.equal(errnoFromThrown(new Preview1Exit(3)), undefined);
  assert.equal(errnoFromThrown(new Error('access')), undefined, 'an Error whose message is a code is still a bug');
  assert.equal(errnoFromThrown('access-denied'), undefined, 'a sockets code is not a filesystem code');
  assert.equal(errnoFromThrown(undefined), undefined);
  assert.equal(errnoFromThrown(Object.assign(new Error('x'), { payload: 'access' })), undefined);
});

/**
 * Translating what the WASI 0.2 layer throws into preview1 errno numbers.
 *
 * The 0.2 layer (preview2-shim, wrapped by molt-wasm's gate) reports an `error-code` by
 * throwing the case name as a string ('access', 'no-entry', ...). Those, and only those, become
 * errno values here. Anything else it throws (a capability trap, a guest-exit signal, a host
 * bug) is not a guest-visible error: the caller must rethrow it so that it ends the guest.
 */
import { Errno, type ErrnoValue } from './constants.js';

/** wasi:filesystem/types `error-code` case -> preview1 errno (Wasmtime's table, p1 on p2). */
export const ERRNO_BY_ERROR_CODE: Readonly<Record<string, ErrnoValue>> = {
  access: Errno.acces,
  'would-block': Errno.again,
  already: Errno.already,
  'bad-descriptor': Errno.badf,
  busy: Errno.busy,
  deadlock: Errno.deadlk,
  quota: Errno.dquot,
  exist: Errno.exist,
  'file-too-large': Errno.fbig,
  'illegal-byte-sequence': Errno.ilseq,
  'in-progress': Errno.inprogress,
  interrupted: Errno.intr,
  invalid: Errno.inval,
  io: Errno.io,
  'is-directory': Errno.isdir,
  loop: Errno.loop,
  'too-many-links': Errno.mlink,
  'message-size': Errno.msgsize,
  'name-too-long': Errno.nametoolong,
  'no-device': Errno.nodev,
  'no-entry': Errno.noent,
  'no-lock': Errno.nolck,
  'insufficient-memory': Errno.nomem,
  'insufficient-space': Errno.nospc,
  unsupported: Errno.notsup,
  'not-directory': Errno.notdir,
  'not-empty': Errno.notempty,
  'not-recoverable': Errno.notrecoverable,
  'no-tty': Errno.notty,
  'no-such-device': Errno.nxio,
  overflow: Errno.overflow,
  'not-permitted': Errno.perm,
  pipe: Errno.pipe,
  'read-only': Errno.rofs,
  'invalid-seek': Errno.spipe,
  'text-file-busy': Errno.txtbsy,
  'cross-device': Errno.xdev,
};

/**
 * Thrown inside this layer to return an errno from deep in a call (the preview1 functions'
 * early returns). Never leaves `createPreview1Imports`: the call wrapper turns it into the
 * function's return value. Not an Error on purpose: no stack capture, since guests probe in
 * tight loops (fd_prestat_get over every fd number looking for preopens).
 */
export class WasiErrno {
  constructor(readonly errno: ErrnoValue) {}
}

/** Shorthand for `throw new WasiErrno(errno)` in expression position. */
export function fail(errno: ErrnoValue): never {
  throw new WasiErrno(errno);
}

/**
 * The errno for a value thrown by this layer or the 0.2 layer, or `undefined` when it is not
 * a guest-visible error and must propagate unchanged.
 */
export function errnoFromThrown(thrown: unknown): ErrnoValue | undefined {
  if (thrown instanceof WasiErrno) return thrown.errno;
  if (typeof thrown === 'string') return ERRNO_BY_ERROR_CODE[thrown];
  if (thrown !== null && typeof thrown === 'object' && !(thrown instanceof Error)) {
    // jco-style `{ payload: 'access' }` error wrappers.
    const payload = (thrown as { payload?: unknown }).payload;
    if (typeof payload === 'string') return ERRNO_BY_ERROR_CODE[payload];
    // wasi:io/streams `stream-error`: a closed stream or a failed operation is EIO (Wasmtime).
    const tag = (thrown as { tag?: unknown }).tag;
    if (tag === 'closed' || tag === 'last-operation-failed') return Errno.io;
  }
  return undefined;
}

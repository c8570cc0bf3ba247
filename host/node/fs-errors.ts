/**
 * Node/system errors -> `wasi:filesystem/types#error-code` (the table Wasmtime uses for
 * preview2 on Unix). Anything unknown is `io`: a guest never sees a host stack or message.
 */
import { constants as osConstants } from 'node:os';

const CODE_BY_ERRNO_NAME: Readonly<Record<string, string>> = {
  EACCES: 'access',
  EAGAIN: 'would-block',
  EWOULDBLOCK: 'would-block',
  EALREADY: 'already',
  EBADF: 'bad-descriptor',
  EBUSY: 'busy',
  EDEADLK: 'deadlock',
  EDQUOT: 'quota',
  EEXIST: 'exist',
  EFBIG: 'file-too-large',
  EILSEQ: 'illegal-byte-sequence',
  EINPROGRESS: 'in-progress',
  EINTR: 'interrupted',
  EINVAL: 'invalid',
  EIO: 'io',
  EISDIR: 'is-directory',
  ELOOP: 'loop',
  EMLINK: 'too-many-links',
  EMSGSIZE: 'message-size',
  ENAMETOOLONG: 'name-too-long',
  ENODEV: 'no-device',
  ENOENT: 'no-entry',
  ENOLCK: 'no-lock',
  ENOMEM: 'insufficient-memory',
  // The guest's own descriptor limit is reported the same way (SPEC section 5).
  EMFILE: 'insufficient-memory',
  ENFILE: 'insufficient-memory',
  ENOSPC: 'insufficient-space',
  ENOTDIR: 'not-directory',
  ENOTEMPTY: 'not-empty',
  ENOTRECOVERABLE: 'not-recoverable',
  ENOTSUP: 'unsupported',
  EOPNOTSUPP: 'unsupported',
  ENOSYS: 'unsupported',
  ENOTTY: 'no-tty',
  ENXIO: 'no-such-device',
  EOVERFLOW: 'overflow',
  EPERM: 'not-permitted',
  EPIPE: 'pipe',
  EROFS: 'read-only',
  ESPIPE: 'invalid-seek',
  ETXTBSY: 'text-file-busy',
  EXDEV: 'cross-device',
};

const errnoNames = new Map<number, string>(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

/** The error-code for what a `node:fs` call threw. Argument errors (a NUL in a name) are `invalid`. */
export function fsErrorCode(e: unknown): string {
  const err = e as { code?: unknown; errno?: unknown };
  const name =
    typeof err.code === 'string' && err.code.startsWith('E') && !err.code.startsWith('ERR_')
      ? err.code
      : typeof err.errno === 'number'
        ? errnoNames.get(Math.abs(err.errno))
        : undefined;
  if (name !== undefined) return CODE_BY_ERRNO_NAME[name] ?? 'io';
  if (typeof err.code === 'string' && err.code.startsWith('ERR_')) return 'invalid';
  return 'io';
}

/** Error codes by errno number, filled on first use of each number. */
const codeByErrno: string[] = [];

/**
 * The error-code for an errno number (the native addon returns `-errno`; either sign is taken):
 * the same table as `fsErrorCode`, so both ways of reaching a file answer alike.
 */
export function fsErrorCodeOfErrno(errno: number): string {
  const n = Math.abs(errno);
  let code = codeByErrno[n];
  if (code === undefined) {
    const name = errnoNames.get(n);
    code = name === undefined ? 'io' : (CODE_BY_ERRNO_NAME[name] ?? 'io');
    if (Number.isInteger(n) && n < 4096) codeByErrno[n] = code;
  }
  return code;
}

/**
 * The native API's result shape. Denials a caller can handle come back as values, never as
 * exceptions, with the same code the guest would see through WIT (SPEC section 5), so the
 * parity suite can hold the two side by side. Only the WIT functions that have no error
 * channel (env listing without any `env` grant, clocks without `time`) throw: the native
 * analog of a trap is CapabilityDeniedError from host/errors.ts.
 */

/** `wasi:filesystem` error-code cases the native fs wrappers return. */
export type FsCode = 'access' | 'not-permitted' | 'no-entry' | 'exist' | 'not-directory' | 'is-directory' | 'not-empty' | 'io';

const FS_CODES: ReadonlySet<string> = new Set<FsCode>([
  'access',
  'not-permitted',
  'no-entry',
  'exist',
  'not-directory',
  'is-directory',
  'not-empty',
  'io',
]);

/** `wasi:sockets` error-code cases the native net wrappers return. */
export type NetCode = 'access-denied' | 'name-unresolvable' | 'connection-refused' | 'timeout' | 'unknown';

/** `wasi:http` error-code cases `fetch` returns. */
export type HttpCode = 'HTTP-request-denied' | 'destination-not-found' | 'connection-refused' | 'internal-error';

export type NativeResult<T, C extends string> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: C };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail<C extends string>(code: C): { ok: false; code: C } {
  return { ok: false, code };
}

/** Node's errno names to wasi:filesystem error codes (the subset a host call can produce). */
export function fsCodeOf(e: unknown): FsCode {
  // The filesystem backends throw wasi:filesystem error codes as strings.
  if (typeof e === 'string') return FS_CODES.has(e) ? (e as FsCode) : 'io';
  switch ((e as { code?: unknown })?.code) {
    case 'ENOENT':
      return 'no-entry';
    case 'EEXIST':
      return 'exist';
    case 'ENOTDIR':
      return 'not-directory';
    case 'EISDIR':
      return 'is-directory';
    case 'ENOTEMPTY':
      return 'not-empty';
    case 'EACCES':
      return 'access';
    case 'EPERM':
      return 'not-permitted';
    default:
      return 'io';
  }
}

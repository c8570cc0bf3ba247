/**
 * Per-call bounds on host memory a guest sizes (SPEC section 5, docs/limits.md). A length a
 * guest passes (a zero fill, a random-bytes count, a read or splice length) is a number, not
 * memory the guest has: without a bound a guest limited to 1 MiB of linear memory could make
 * the host allocate gigabytes in one call (the Wasmtime GHSA-852m-cvvp-9p4w family). Each bound
 * is either a short result the WIT allows (`read` and `splice` return "up to len"), work split
 * into fixed-size pieces (zero fills), or a trap where the WIT says the call traps (`write`
 * past `check-write`) or where no shorter answer is allowed (random bytes).
 * Platform-neutral.
 */

const KiB = 1024;

/** What `check-write` permits on the guest's stdout/stderr; a `write`/`write-zeroes` past it traps. */
export const STREAM_WRITE_PERMIT = 64 * KiB;
/** The most bytes one stdin `read` or one `splice` moves (the WIT allows fewer than asked). */
export const STREAM_READ_MAX = 64 * KiB;
/** Blocking writes and zero fills reach the sink in pieces of at most this many bytes. */
export const STREAM_CHUNK = 64 * KiB;
/** The most bytes `get-random-bytes` / `get-insecure-random-bytes` return; more traps. */
export const RANDOM_BYTES_MAX = 1024 * KiB;

/**
 * A guest asked one call for more host memory than its bound (above). A trap, not an error
 * value: jco's bindings treat a WebAssembly.RuntimeError as a trap (the instance is dead), and
 * the WIT gives these calls no error for it. The run ends with outcome `trap`, exit 70.
 */
export class HostLimitTrap extends WebAssembly.RuntimeError {
  override readonly name = 'HostLimitTrap';
  constructor(
    /** `wasi:random/random#get-random-bytes`. */
    readonly operation: string,
    /** The length the guest asked for. */
    readonly requested: bigint,
    /** The bound it exceeded. */
    readonly limit: number,
  ) {
    super(`${operation}: ${requested} bytes asked, at most ${limit} per call`);
  }
}

/** Throws HostLimitTrap when `len` is over `limit`; otherwise `len` as a number. */
export function requireWithin(len: bigint, limit: number, operation: string): number {
  if (len > BigInt(limit)) throw new HostLimitTrap(operation, len, limit);
  return Number(len);
}

/** `len` (a WIT u64) capped at `max`, as a number: for calls that may return fewer bytes. */
export function capLength(len: bigint, max: number): number {
  return len > BigInt(max) ? max : Number(len);
}

/**
 * A guest reached a bound on live resources it holds (LiveResources in host/gate/resource.ts).
 * A trap like HostLimitTrap: the calls that hand out resources have no error channel.
 */
export class ResourceLimitTrap extends WebAssembly.RuntimeError {
  override readonly name = 'ResourceLimitTrap';
  constructor(
    /** `wasi:http/types#[constructor]fields`. */
    readonly operation: string,
    /** The bound. */
    readonly limit: number,
    /** Where it is set (`--max-http-resources`). */
    readonly setting: string,
    /** What is counted (`resources it made without a capability`, `host resources`). */
    what = 'resources it made without a capability',
  ) {
    super(`${operation}: the guest holds ${limit} ${what}, the most it may (${setting})`);
  }
}

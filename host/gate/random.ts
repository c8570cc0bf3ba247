/**
 * `wasi:random/*` for one guest: the platform's implementations with the byte counts bounded.
 * `get-random-bytes(len)` must return exactly `len` bytes, and the platform allocates them
 * before jco asks the guest's `cabi_realloc` for room, so a guest with 1 MiB of memory asking
 * for 1 GiB would cost the host 1 GiB first. Past RANDOM_BYTES_MAX the call traps instead
 * (as Wasmtime's `max-random-size` does). Random is not a capability (SPEC section 5): nothing
 * else is checked. Platform-neutral.
 */
import { RANDOM_BYTES_MAX, requireWithin } from './host-limits.js';
import type { WasiImports, WasiImportsPart, WasiPlatform } from './types.js';

type BytesFn = (len: bigint) => Uint8Array;

function bounded(fn: BytesFn, operation: string): BytesFn {
  return (len: bigint) => {
    requireWithin(len, RANDOM_BYTES_MAX, operation);
    return fn(len);
  };
}

export function createGatedRandom(
  platform: WasiPlatform,
): WasiImportsPart<'wasi:random/random' | 'wasi:random/insecure' | 'wasi:random/insecure-seed'> {
  const { random, insecure, insecureSeed } = platform.random;
  const gatedRandom: WasiImports['wasi:random/random'] = {
    ...random,
    getRandomBytes: bounded((len) => random.getRandomBytes(len), 'wasi:random/random#get-random-bytes'),
  };
  const gatedInsecure: WasiImports['wasi:random/insecure'] = {
    ...insecure,
    getInsecureRandomBytes: bounded((len) => insecure.getInsecureRandomBytes(len), 'wasi:random/insecure#get-insecure-random-bytes'),
  };
  return {
    'wasi:random/random': gatedRandom,
    'wasi:random/insecure': gatedInsecure,
    'wasi:random/insecure-seed': insecureSeed,
  };
}

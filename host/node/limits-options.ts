/**
 * Parsing `--timeout MS`, `--max-memory BYTES`, `--max-open-files N`, `--max-http-resources N` and
 * `--max-host-resources N` (SPEC section 8). Strict on purpose: a
 * limit that silently became "no limit" (NaN, `10s`, a negative number) would be worse than
 * an error, so anything but a plain positive integer (bytes may take a binary suffix K, M,
 * G, optionally followed by `iB` or `B`) is a UsageError (exit 64).
 */
import { UsageError } from '../errors.js';

export interface GuestLimits {
  readonly timeoutMs?: number;
  readonly maxMemoryBytes?: number;
  readonly maxOpenFiles?: number;
  readonly maxHttpResources?: number;
  readonly maxHostResources?: number;
}

/** `--max-http-resources 256`: `wasi:http/types` resources one guest may make and hold at once, 1..1048576. */
export function parseMaxHttpResources(value: string): number {
  const n = /^[0-9]+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > 1048576) {
    throw new UsageError(`--max-http-resources ${JSON.stringify(value)}: expected a number of resources from 1 to 1048576`);
  }
  return n;
}

/** `--max-host-resources 4096`: resources any call hands one guest that it may hold at once, 1..1048576. */
export function parseMaxHostResources(value: string): number {
  const n = /^[0-9]+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > 1048576) {
    throw new UsageError(`--max-host-resources ${JSON.stringify(value)}: expected a number of resources from 1 to 1048576`);
  }
  return n;
}

/** `--max-open-files 64`: host file handles one guest may hold at once, 1..65536. */
export function parseMaxOpenFiles(value: string): number {
  const n = /^[0-9]+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > 65536) {
    throw new UsageError(`--max-open-files ${JSON.stringify(value)}: expected a number of files from 1 to 65536`);
  }
  return n;
}

/** `--timeout 1500`: milliseconds, a positive integer. */
export function parseTimeoutMs(value: string): number {
  if (!/^[0-9]+$/.test(value.trim())) {
    throw new UsageError(`--timeout ${JSON.stringify(value)}: expected a positive number of milliseconds`);
  }
  const ms = Number(value.trim());
  if (!Number.isSafeInteger(ms) || ms <= 0 || ms > 2 ** 31 - 1) {
    // setTimeout's own limit: a longer delay would fire at once.
    throw new UsageError(`--timeout ${JSON.stringify(value)}: expected 1..${2 ** 31 - 1} milliseconds`);
  }
  return ms;
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `--max-memory 67108864` or `64M` / `64MiB` (binary units). */
export function parseByteSize(value: string): number {
  const m = /^([0-9]+)\s*([kmg]?)(?:i?b)?$/i.exec(value.trim());
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  const bytes = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new UsageError(`--max-memory ${JSON.stringify(value)}: expected a positive number of bytes (e.g. 67108864 or 64M)`);
  }
  return bytes;
}

/** The limits from commander's option values (`undefined` when a flag is absent). */
export function readLimitOptions(opts: {
  readonly timeout?: unknown;
  readonly maxMemory?: unknown;
  readonly maxOpenFiles?: unknown;
  readonly maxHttpResources?: unknown;
  readonly maxHostResources?: unknown;
}): GuestLimits {
  return {
    ...(opts.maxHostResources !== undefined ? { maxHostResources: parseMaxHostResources(String(opts.maxHostResources)) } : {}),
    ...(opts.maxHttpResources !== undefined ? { maxHttpResources: parseMaxHttpResources(String(opts.maxHttpResources)) } : {}),
    ...(opts.maxOpenFiles !== undefined ? { maxOpenFiles: parseMaxOpenFiles(String(opts.maxOpenFiles)) } : {}),
    ...(opts.timeout !== undefined ? { timeoutMs: parseTimeoutMs(String(opts.timeout)) } : {}),
    ...(opts.maxMemory !== undefined ? { maxMemoryBytes: parseByteSize(String(opts.maxMemory)) } : {}),
  };
}

/**
 * `serve`'s own options (SPEC section 8): where to listen and how much it takes on. Strict
 * like the limits of `run` (host/node/limits-options.ts): anything but a plain value in
 * range is a UsageError (exit 64) naming the flag. Defaults are bounded: a server is never
 * unbounded because a flag was left out.
 */
import { availableParallelism } from 'node:os';
import { UsageError } from '../errors.js';
import { parseByteSize, parseTimeoutMs } from '../node/limits-options.js';
import { parseIpAddress } from '../policy/index.js';

export const DEFAULT_LISTEN = { host: '127.0.0.1', port: 8000 } as const;
/** Per request, from the moment a worker takes it. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Request body. */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Requests in flight (reading their body, waiting for a worker or running). */
export const DEFAULT_MAX_CONCURRENCY = 256;
/**
 * Request bodies held at once, all requests together: this, or twice `--max-body` when that
 * is larger (so bodies of the largest size always fit, two at a time).
 */
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/**
 * The JavaScript heap of each serving worker (V8's old generation): what the guests it runs
 * can make the host allocate through ungated constructors (`new fields()` in a loop costs no
 * guest memory and no capability). Past it the worker is ended and replaced, and its request
 * is a 500. Guest linear memory is apart from it (`--max-memory`).
 */
export const DEFAULT_MAX_HOST_HEAP_BYTES = 256 * 1024 * 1024;
/** Below this a worker cannot hold jco's bindings and a compiled proxy. */
export const MIN_MAX_HOST_HEAP_BYTES = 16 * 1024 * 1024;

export interface ServeSettings {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  /** Request bodies held at once (see DEFAULT_MAX_BUFFERED_BYTES). */
  readonly maxBufferedBytes: number;
  /** Each worker's JavaScript heap (see DEFAULT_MAX_HOST_HEAP_BYTES). */
  readonly maxHostHeapBytes: number;
  readonly maxConcurrency: number;
  readonly workers: number;
}

/** `HOST:PORT`, `[IPv6]:PORT` or a bare `PORT` (on 127.0.0.1). */
export function parseListen(value: string): { host: string; port: number } {
  const bad = (why: string): UsageError =>
    new UsageError(`--listen ${JSON.stringify(value)}: ${why} (expected HOST:PORT, e.g. 127.0.0.1:8000)`);
  const v = value.trim();
  let host: string;
  let portText: string;
  const bracketed = /^\[([^\]]+)\]:([0-9]+)$/.exec(v);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2]!;
    if (parseIpAddress(host) === null || !host.includes(':')) throw bad('the bracketed host is not an IPv6 address');
  } else if (/^[0-9]+$/.test(v)) {
    host = DEFAULT_LISTEN.host;
    portText = v;
  } else {
    const colon = v.lastIndexOf(':');
    if (colon <= 0) throw bad('no port');
    host = v.slice(0, colon);
    portText = v.slice(colon + 1);
    if (host.includes(':')) throw bad('an IPv6 address needs brackets');
    if (!/^[A-Za-z0-9.-]+$/.test(host)) throw bad('not a host name or address');
  }
  if (!/^[0-9]+$/.test(portText)) throw bad('the port is not a number');
  const port = Number(portText);
  if (port > 65535) throw bad('the port is over 65535');
  return { host, port };
}

function positiveInt(value: string, flag: string, max: number): number {
  const n = /^[0-9]+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max)
    throw new UsageError(`${flag} ${JSON.stringify(value)}: expected a whole number from 1 to ${max}`);
  return n;
}

/** The settings from commander's option values (`undefined` when a flag is absent). */
export function readServeSettings(opts: {
  readonly listen?: unknown;
  readonly timeout?: unknown;
  readonly maxBody?: unknown;
  readonly maxConcurrency?: unknown;
  readonly workers?: unknown;
  readonly maxHostHeap?: unknown;
}): ServeSettings {
  const listen = opts.listen === undefined ? DEFAULT_LISTEN : parseListen(String(opts.listen));
  let maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
  if (opts.maxBody !== undefined) {
    try {
      maxBodyBytes = parseByteSize(String(opts.maxBody));
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      throw new UsageError(`--max-body ${JSON.stringify(String(opts.maxBody))}: expected a positive number of bytes (e.g. 1048576 or 1M)`);
    }
  }
  let maxHostHeapBytes = DEFAULT_MAX_HOST_HEAP_BYTES;
  if (opts.maxHostHeap !== undefined) {
    const given = String(opts.maxHostHeap);
    let n: number | undefined;
    try {
      n = parseByteSize(given);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
    }
    if (n === undefined || n < MIN_MAX_HOST_HEAP_BYTES)
      throw new UsageError(`--max-host-heap ${JSON.stringify(given)}: expected a number of bytes of at least 16M (e.g. 256M)`);
    maxHostHeapBytes = n;
  }
  return {
    host: listen.host,
    port: listen.port,
    timeoutMs: opts.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseTimeoutMs(String(opts.timeout)),
    maxBodyBytes,
    maxBufferedBytes: Math.max(DEFAULT_MAX_BUFFERED_BYTES, 2 * maxBodyBytes),
    maxHostHeapBytes,
    maxConcurrency:
      opts.maxConcurrency === undefined
        ? DEFAULT_MAX_CONCURRENCY
        : positiveInt(String(opts.maxConcurrency), '--max-concurrency', 1_000_000),
    workers: opts.workers === undefined ? availableParallelism() : positiveInt(String(opts.workers), '--workers', 256),
  };
}

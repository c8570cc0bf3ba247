/**
 * The two guests the WASM-in-Node runner drives, and how their answers read:
 * - guest-examples/dist/probe.wasm (C, preview1 core module): fs, env, time ops;
 * - guest-examples/dist/probe-component.wasm (WAT component): molt:capabilities checks,
 *   wasi:sockets lookup/connect, wasi:http (fixture `fetch:URL` is its `http:URL`).
 * Each prints `ARG WORD` per op, or with `--exit ARG` reports one op as its exit code (for
 * guests without console.write); the tables below are the ones documented in probe.c and
 * probe-component.wat.
 */
import { dirname, posix, resolve } from 'node:path';
import { isIPv6 } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseIpAddress } from '../../../host/policy/index.js';
import type { Outcome, ParsedOp } from '../fixture.js';
import type { ProbeKind } from '../probe-schedule.js';

export type { ProbeKind };

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'guest-examples', 'dist');
export const PROBE_PATH = resolve(dist, 'probe.wasm');
export const PROBE_COMPONENT_PATH = resolve(dist, 'probe-component.wasm');

export interface ProbeCall {
  readonly probe: ProbeKind;
  /** The op as the probe's command line spells it. */
  readonly arg: string;
  /** Run in an instance of its own (no earlier op of the same guest may change its meaning). */
  readonly alone?: boolean;
  /** Guest paths the op names (fs ops), to read the C probe's ENOTCAPABLE. */
  readonly paths?: readonly string[];
}

/**
 * An IP literal in any spelling the policy accepts, as the probe parses it: `a.b.c.d`, or
 * eight hex groups for an IPv6 literal (kept IPv6, so `::ffff:127.0.0.1` reaches the gate as
 * the IPv4-mapped IPv6 address a guest would use); null for a name.
 */
export function probeAddress(host: string): string | null {
  if (isIPv6(host)) {
    // WHATWG URL normalises (embedded IPv4 becomes two hex groups); then expand `::`.
    const norm = new URL(`http://[${host}]/`).hostname.slice(1, -1);
    const [head, tail] = norm.split('::') as [string, string | undefined];
    const h = head === '' ? [] : head.split(':');
    const t = tail === undefined || tail === '' ? [] : tail.split(':');
    const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
    return groups.join(':');
  }
  const a = parseIpAddress(host);
  if (a === null || a.version !== 4) return null;
  const v = Number(a.value & 0xffffffffn);
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}

/**
 * Which probe performs the op, and its argument. Every op kind of the fixture format has a
 * WASI expression, so this never returns null today; a future native-only op would.
 */
export function probeCall(op: ParsedOp, raw: string): ProbeCall | null {
  switch (op.kind) {
    case 'read':
    case 'write':
    case 'stat':
    case 'readdir':
    case 'mkdir':
    case 'unlink':
      return { probe: 'core', arg: raw, paths: [op.path] };
    case 'rename':
      return { probe: 'core', arg: raw, paths: [op.from, op.to] };
    case 'env':
    case 'time':
      return { probe: 'core', arg: raw };
    case 'check':
    case 'check-id':
    case 'lookup':
      return { probe: 'component', arg: raw };
    case 'connect': {
      // A guest hands wasi:sockets an ip-address (numbers), so an IP literal's spelling is
      // resolved on the guest side, as libc's inet_pton/inet_aton would; names are looked up.
      const literal = probeAddress(op.host);
      // A literal is "an address the guest made up" (SPEC 5: it must itself be allowed). The
      // gate lets a guest connect to addresses its own earlier allowed lookups returned, so in
      // an instance that already looked up localhost, 127.0.0.1 would not be made up: the
      // literal connect runs in a guest of its own, as each native call stands alone.
      return literal === null
        ? { probe: 'component', arg: `connect:${op.host}:${op.port}` }
        : { probe: 'component', arg: `connect:${literal}:${op.port}`, alone: true };
    }
    case 'fetch':
      return { probe: 'component', arg: `http:${op.url}` };
  }
}

/** The C probe's result word to the fixture's outcome vocabulary (WASI errno -> WIT code). */
export function outcomeOfProbe(word: string): Outcome {
  switch (word) {
    case 'ok':
      return 'ok';
    case 'unset':
      return 'absent';
    case 'EACCES':
      return 'access';
    case 'EPERM':
    case 'ENOTCAPABLE':
      return 'not-permitted';
    case 'ENOENT':
      return 'no-entry';
    case 'EEXIST':
      return 'exist';
    default:
      return word;
  }
}

/** The component probe's word: `ok`/`ok:DETAIL`, or the interface's own code name, which is the fixture's. */
export function outcomeOfComponent(word: string): Outcome {
  return word === 'ok' || word.startsWith('ok:') ? 'ok' : word;
}

/** probe.c `--exit` table. */
const CORE_EXIT: Readonly<Record<number, string>> = {
  0: 'ok',
  1: 'EPERM',
  2: 'ENOENT',
  13: 'EACCES',
  17: 'EEXIST',
  20: 'ENOTDIR',
  21: 'EISDIR',
  22: 'EINVAL',
  39: 'ENOTEMPTY',
  40: 'ELOOP',
  76: 'ENOTCAPABLE',
  100: 'unset',
  101: 'other-errno',
  125: 'bad-op',
};

/** check-result (molt:capabilities), wasi:sockets/network error-code, wasi:http/types error-code: WIT case order. */
const CHECK_RESULT = ['ok', 'missing', 'subject-invalid', 'cap-invalid'];
const SOCKETS_ERROR = [
  'unknown',
  'access-denied',
  'not-supported',
  'invalid-argument',
  'out-of-memory',
  'timeout',
  'concurrency-conflict',
  'not-in-progress',
  'would-block',
  'invalid-state',
  'new-socket-limit',
  'address-not-bindable',
  'address-in-use',
  'remote-unreachable',
  'connection-refused',
  'connection-reset',
  'connection-aborted',
  'datagram-too-large',
  'name-unresolvable',
  'temporary-resolver-failure',
  'permanent-resolver-failure',
];
const HTTP_ERROR = [
  'DNS-timeout',
  'DNS-error',
  'destination-not-found',
  'destination-unavailable',
  'destination-IP-prohibited',
  'destination-IP-unroutable',
  'connection-refused',
  'connection-terminated',
  'connection-timeout',
  'connection-read-timeout',
  'connection-write-timeout',
  'connection-limit-reached',
  'TLS-protocol-error',
  'TLS-certificate-error',
  'TLS-alert-received',
  'HTTP-request-denied',
  'HTTP-request-length-required',
  'HTTP-request-body-size',
  'HTTP-request-method-invalid',
  'HTTP-request-URI-invalid',
  'HTTP-request-URI-too-long',
  'HTTP-request-header-section-size',
  'HTTP-request-header-size',
  'HTTP-request-trailer-section-size',
  'HTTP-request-trailer-size',
  'HTTP-response-incomplete',
  'HTTP-response-header-section-size',
  'HTTP-response-header-size',
  'HTTP-response-body-size',
  'HTTP-response-trailer-section-size',
  'HTTP-response-trailer-size',
  'HTTP-response-transfer-coding',
  'HTTP-response-content-coding',
  'HTTP-response-timeout',
  'HTTP-upgrade-failed',
  'HTTP-protocol-error',
  'loop-detected',
  'configuration-error',
  'internal-error',
];

/** probe-component.wat `--exit` table: 0..3 check-result, 10+n sockets, 40+n http, 125 bad op. */
function componentExitWord(code: number): string | undefined {
  if (code < 4) return CHECK_RESULT[code];
  if (code >= 10 && code < 10 + SOCKETS_ERROR.length) return SOCKETS_ERROR[code - 10];
  if (code >= 40 && code < 40 + HTTP_ERROR.length) return HTTP_ERROR[code - 40];
  return code === 125 ? 'bad-op' : undefined;
}

/**
 * wasi-libc answers ENOTCAPABLE itself when no preopen covers a path. The host lists only
 * granted directories (SPEC 5, get-directories), so for a path inside a directory the run
 * maps (`dirs`) the preopen is missing because the capability is: a capability denial,
 * `access`. Outside every mapped directory (an absolute path elsewhere) it is `not-permitted`.
 */
export function readNotCapable(call: ProbeCall, mapped: readonly string[]): Outcome {
  const inside = (p: string): boolean => {
    const n = posix.normalize(p);
    return mapped.some((d) => n === d || n.startsWith(d.endsWith('/') ? d : d + '/'));
  };
  return call.paths !== undefined && call.paths.length > 0 && call.paths.every(inside) ? 'access' : 'not-permitted';
}

/** A probe's result word (printed) to the fixture's vocabulary. */
export function outcomeOfWord(call: ProbeCall, word: string, mapped: readonly string[]): Outcome {
  if (call.probe === 'component') return outcomeOfComponent(word);
  return word === 'ENOTCAPABLE' ? readNotCapable(call, mapped) : outcomeOfProbe(word);
}

/** A probe's `--exit` code to the fixture's vocabulary (unknown codes stay visible as `exit N`). */
export function outcomeOfExit(call: ProbeCall, code: number, mapped: readonly string[]): Outcome {
  const word = call.probe === 'core' ? CORE_EXIT[code] : componentExitWord(code);
  return word === undefined ? `exit ${code}` : outcomeOfWord(call, word, mapped);
}

/**
 * The ONE place where molt-wasm opens an outgoing HTTP(S) connection in Node (SPEC section 5),
 * used by the guest path (host/node/http-worker.ts, behind host/gate/http.ts) and by the
 * native API (host/native/net.ts):
 *
 * - the connection goes to an address that was already checked, never to a fresh resolution:
 *   Node's `lookup` is replaced by one that answers only the checked addresses (DNS rebinding
 *   between check and connect gets nothing; Spin GHSA-f3h7-gpjj-wcvh, Deno CVE-2026-49860);
 * - the request still names the host: `Host` is the authority (Node writes `host[:port]`,
 *   `[v6]` bracketed) and TLS sends the name as SNI and verifies the certificate against it;
 * - no agent (no pooled socket from another request's resolution), and redirects are never
 *   followed (node:http does not follow them; the caller sees the 3xx).
 */
import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Address, type CheckedAddress } from '../net/address.js';

export type { CheckedAddress };

export interface PinnedTarget {
  readonly scheme: 'http:' | 'https:';
  /** The authority's host as the request names it: a name, or a canonical IP literal. */
  readonly host: string;
  readonly port: number;
  /** Every address the connection may go to; all checked, in resolver order. Not empty. */
  readonly addresses: readonly CheckedAddress[];
}

export interface PinnedRequestOptions {
  readonly method: string;
  /** Path and query, starting with `/`. */
  readonly path: string;
  /** Header entries in order; `Host` is never taken from here (it is the authority). */
  readonly headers?: readonly (readonly [string, string])[];
  /** Connect timeout in ms (Node's socket timeout). */
  readonly timeoutMs?: number | undefined;
}

/** A `lookup` that only ever answers the checked addresses (`all` for happy eyeballs). */
function pinnedLookup(addresses: readonly CheckedAddress[]): LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...a: unknown[]) => void) => {
    if (options?.all === true)
      callback(
        null,
        addresses.map((a) => ({ address: a.address, family: a.family })),
      );
    else {
      const first = addresses[0];
      if (first === undefined) callback(new Error('molt-wasm: no checked address'));
      else callback(null, first.address, first.family);
    }
  }) as LookupFunction;
}

/** Starts a request to `target`, pinned to its checked addresses. The caller ends it. */
export function pinnedRequest(target: PinnedTarget, options: PinnedRequestOptions): ClientRequest {
  if (target.addresses.length === 0) throw new Error('molt-wasm: a pinned request needs at least one checked address');
  // Only a canonical literal is connected to as written; any other text goes through the pinned lookup.
  const literal = Address.parse(target.host)?.text === target.host;
  const common = {
    method: options.method,
    host: target.host,
    port: target.port,
    path: options.path,
    agent: false as const,
    // A literal host needs no lookup (Node connects to it as is); it was checked as written.
    ...(literal ? {} : { lookup: pinnedLookup(target.addresses) }),
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  };
  const req =
    target.scheme === 'https:'
      ? // SNI is the name (never an IP literal, which TLS forbids as a server name).
        httpsRequest({ ...common, ...(literal ? {} : { servername: target.host }) })
      : httpRequest(common);
  for (const [name, value] of options.headers ?? []) {
    if (name.trim().toLowerCase() === 'host') continue;
    req.appendHeader(name, value);
  }
  return req;
}

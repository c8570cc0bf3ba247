/**
 * The browser host never follows a redirect (SPEC section 5). preview2-shim's browser HTTP
 * calls `fetch` with the default `redirect: "follow"`, which would take an allowed request to
 * whatever origin the server names, unchecked. So:
 *
 * - `handle` marks each request the gate let through with a header carrying a random token
 *   of this page (the guest never sees it: the request resource is gone once handed over);
 * - `fetch` is wrapped once: a call carrying the mark loses the header and is made with
 *   `redirect: "manual"`; every other fetch of the page is untouched;
 * - the browser hides a manual redirect's status and Location (an `opaqueredirect`
 *   response), so such an answer becomes a clear error: the guest gets `internal-error`
 *   with the message below, never a response from the redirect target. The guest's next
 *   request (to wherever it wants to go) is checked like the first.
 *
 * Browser only.
 */
import type { PlatformOutgoingHandler } from '../gate/types.js';
import type { FutureIncomingResponse, OutgoingRequest, RequestOptions } from '../gate/wasi.js';

const MARK = 'x-molt-wasm-no-follow';
const TOKEN = typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : String(Math.random()).slice(2);

export const REDIRECT_MESSAGE =
  'molt-wasm: the server answered with a redirect; the host never follows redirects (the browser hides where it points)';

let installed = false;

/** Wraps globalThis.fetch once (idempotent): marked requests never follow redirects. */
export function installNoFollowFetch(): void {
  if (installed || typeof globalThis.fetch !== 'function') return;
  installed = true;
  const original = globalThis.fetch.bind(globalThis);
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const headers = init?.headers;
    if (!(headers instanceof Headers) || headers.get(MARK) !== TOKEN) return original(input, init);
    headers.delete(MARK);
    const res = await original(input, { ...init, headers, redirect: 'manual' });
    if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400 && res.headers.has('location'))) {
      throw new TypeError(REDIRECT_MESSAGE);
    }
    return res;
  };
}

/** The platform's outgoing handler with every request marked no-follow. */
export function noFollowOutgoingHandler(inner: PlatformOutgoingHandler): PlatformOutgoingHandler {
  installNoFollowFetch();
  const enc = new TextEncoder();
  return {
    handle(request: OutgoingRequest, options: RequestOptions | undefined): FutureIncomingResponse {
      // preview2-shim's Fields hands out its live entry list; the shim reads it in handle.
      const entries: unknown = request.headers?.()?.entries?.();
      if (!Array.isArray(entries)) throw { tag: 'internal-error', val: 'molt-wasm: cannot mark the request no-follow' };
      entries.push([MARK, enc.encode(TOKEN)]);
      return inner.handle(request, options);
    },
  };
}

/**
 * A served request's target as the guest sees it (RFC 9112 section 3.2), or null when it is
 * none the server can read, which the client gets a 400 for (server.ts) and the guest never
 * sees. Pure: the server answers with it before a request goes to a worker, and the worker's
 * ServedRequest (incoming.ts) reads the target with it again.
 *
 * - origin form (`/p?q`, `//p`) and `*` (asterisk form): as written, with the `Host` authority;
 * - absolute form (`http://x/admin`, which every server must accept and whose authority wins
 *   over `Host`): its path and query (`/admin`), and its authority. Only `http` and `https`,
 *   a host right after `//` (WHATWG URL parsing reads `http:///admin` as host `admin`), no
 *   userinfo, and nothing the URL parser would rewrite: `\` (read as `/`), spaces, controls.
 *
 * Anything else, an absolute form the URL parser refuses (`http://[bad/`) or authority form
 * outside CONNECT (`x.example:22`), was handed to the guest as written: a guest checking
 * paths that start with `/admin` and a router parsing the target as a URL then disagree about
 * what was asked. Wasmtime gives the guest the origin form; for what cannot be read, so does
 * any HTTP server: 400.
 */
export interface ServedTarget {
  readonly pathWithQuery: string;
  /** The target's own authority (absolute form); undefined: the `Host` header's. */
  readonly authority?: string;
}

const ABSOLUTE = /^(https?):\/\/[^/?#\\]/i;
/** Visible ASCII but `\`: what a request target is made of (RFC 3986), nothing a parser would rewrite. */
const TARGET_CHARS = /^[!-[\]-~]+$/;

export function servedTarget(target: string): ServedTarget | null {
  if (!TARGET_CHARS.test(target)) return null;
  if (target.startsWith('/') || target === '*') return { pathWithQuery: target };
  if (!ABSOLUTE.test(target)) return null;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return null;
  }
  if (url.username !== '' || url.password !== '' || url.host === '') return null;
  return { pathWithQuery: `${url.pathname === '' ? '/' : url.pathname}${url.search}`, authority: url.host };
}

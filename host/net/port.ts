/**
 * Ports, checked in one place (SPEC section 5). A destination or a scope names a port in
 * 1..65535; a WASI socket address may also say 0 ("any port", for bind). Pure.
 */

/** A port a connection, a scope or an authority can name: an integer in 1..65535. */
export type Port = number & { readonly __brand: 'Port' };

export const MIN_PORT = 1;
export const MAX_PORT = 65535;

/** True when `n` is a port in 1..65535. */
export function isPort(n: unknown): n is Port {
  return typeof n === 'number' && Number.isInteger(n) && n >= MIN_PORT && n <= MAX_PORT;
}

/** True when `n` is a WASI socket address port: 0 ("any port") or 1..65535. */
export function isSocketPort(n: unknown): n is number {
  return n === 0 || isPort(n);
}

/**
 * Parses a port as written in an authority or a scope: 1 to 5 ASCII digits, in 1..65535.
 * Null for anything else (a sign, spaces, `0`, `65536`, an empty string).
 */
export function parsePort(text: string): Port | null {
  if (!/^[0-9]{1,5}$/.test(text)) return null;
  const n = Number(text);
  return isPort(n) ? n : null;
}

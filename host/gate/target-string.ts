/** A check target as one string (audit records, prompt questions): a path, an env name, `host` or `host:port`. */
import type { CheckTarget } from '../policy/types.js';

export function targetString(t: CheckTarget | undefined): string | null {
  if (t === undefined) return null;
  switch (t.kind) {
    case 'path':
      return t.path;
    case 'env':
      return t.name;
    case 'net':
      return t.port === undefined ? t.host : `${t.host}:${t.port}`;
  }
}

/** A guest-chosen string is shown (audit records, denial notices) up to this many characters. */
export const SHOWN_GUEST_TEXT_CHARS = 256;

/** `text`, cut to SHOWN_GUEST_TEXT_CHARS with its length said when longer: a guest chooses it, and it can be megabytes. */
export function shownGuestText(text: string): string {
  return text.length <= SHOWN_GUEST_TEXT_CHARS ? text : `${text.slice(0, SHOWN_GUEST_TEXT_CHARS)}... (${text.length} characters)`;
}

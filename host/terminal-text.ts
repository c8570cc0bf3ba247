/**
 * Text from outside the host (a guest's path or name, a binary's import and export names, its
 * provenance strings) made safe to print on a terminal. A leaf module: errors, the manifest
 * reader and the CLI all use it, and it imports nothing. Platform-neutral.
 */

/**
 * Characters shown as `\uXXXX`: the bidirectional overrides, embeddings, isolates and marks
 * (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C: Trojan Source, CVE-2021-42574 class),
 * line and paragraph separators, zero-width and other invisible format characters.
 */
const FORMAT = /[\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/;
/** What JSON.stringify leaves as is and a terminal acts on or hides: DEL, the C1 controls (CSI 0x9b, ...), FORMAT. */
const JSON_UNSAFE = /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g;

/**
 * Makes a guest-controlled string safe to show on a terminal: C0 and C1 control characters
 * (ESC, CR, LF, BEL, BS, CSI 0x9b, ...), DEL, the bidirectional overrides and marks
 * (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C), line and paragraph separators,
 * zero-width characters and lone surrogates become escapes (`\x1b`, `\u202e`); a backslash
 * becomes `\\` so an escape cannot be faked either. Everything else is kept as is.
 */
export function escapeForTerminal(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Surrogate pairs: kept when well-formed, escaped when lone.
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
        continue;
      }
      out += `\\u${hex(c, 4)}`;
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) {
      out += `\\u${hex(c, 4)}`;
      continue;
    }
    const ch = s[i]!;
    if (ch === '\\') out += '\\\\';
    else if (c < 0x20 || c === 0x7f) out += `\\x${hex(c, 2)}`;
    else if (c >= 0x80 && c <= 0x9f) out += `\\x${hex(c, 2)}`;
    else if (FORMAT.test(ch)) out += `\\u${hex(c, 4)}`;
    else out += ch;
  }
  return out;
}

/**
 * JSON text (JSON.stringify's output: `inspect --json`, a quoted name in a message) made safe
 * to show on a terminal while staying the same JSON: JSON.stringify escapes the C0 controls,
 * quotes, backslashes and lone surrogates, but leaves DEL, the C1 controls and the bidi and
 * other format characters raw, so a name could still reorder or hide what follows it. Each of
 * those becomes a `\uXXXX` escape, which a JSON reader turns back into the same character:
 * valid JSON in, the same value out. They only occur inside strings in JSON text.
 */
export function escapeJsonForTerminal(json: string): string {
  return json.replace(JSON_UNSAFE, (ch) => `\\u${hex(ch.charCodeAt(0), 4)}`);
}

/** `s` as a JSON string literal that is safe to show on a terminal (a name quoted in a message). */
export function quoteForTerminal(s: string): string {
  return escapeJsonForTerminal(JSON.stringify(s));
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/**
 * Text from outside the host (a guest's path or name, a binary's import and export names, its
 * provenance strings) made safe to print on a terminal. A leaf module: errors, the manifest
 * reader and the CLI all use it, and it imports nothing. Platform-neutral.
 */

/** Bidirectional formatting characters (Trojan Source, CVE-2021-42574 class). */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

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
    else if (
      BIDI.test(ch) ||
      c === 0x2028 ||
      c === 0x2029 ||
      (c >= 0x200b && c <= 0x200d) ||
      (c >= 0x2060 && c <= 0x206f) ||
      c === 0x180e ||
      c === 0x00ad ||
      c === 0xfeff
    ) {
      out += `\\u${hex(c, 4)}`;
    } else out += ch;
  }
  return out;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

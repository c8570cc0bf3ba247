/**
 * How input errors say where they are: `<source> at <path>`, the path in JavaScript
 * notation (`allow.net[2]`, `allow["fs.read"][0]`, `capabilities.fs.read[1]`), and how they
 * quote a bad value (JSON text, cut at 80 characters so a huge value cannot flood a terminal).
 */

export type PathPart = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `["allow", "fs.read", 0]` is `allow["fs.read"][0]`. */
export function formatPath(parts: readonly PathPart[]): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (IDENTIFIER.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

/** The `where` of an error: the source alone, or `source at path`. */
export function at(source: string, parts: readonly PathPart[]): string {
  return parts.length === 0 ? source : `${source} at ${formatPath(parts)}`;
}

const MAX_QUOTE = 80;

/** A value as it would be written in the input, for error messages. */
export function quote(value: unknown): string {
  let text: string;
  if (value instanceof Date) text = value.toISOString();
  else if (typeof value === 'bigint') text = String(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text;
}

/** What kind of value this is, in the words of JSON/TOML. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (typeof value === 'object') return 'a table/object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'number' || typeof value === 'bigint') return 'a number';
  return typeof value;
}

/** A plain key-value record (JSON object or TOML table), not an array, date or class instance. */
export function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

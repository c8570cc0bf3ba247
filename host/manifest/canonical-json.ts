/**
 * Canonical JSON (SPEC section 4): object keys sorted at every level by UTF-16 code units
 * (locale-free, the order of RFC 8785), no whitespace, strings and numbers as
 * `JSON.stringify` writes them (ECMAScript number form; lone surrogates escaped as `\udXXX`,
 * so the text is always valid UTF-8). Two values that are equal as JSON give byte-identical
 * text whatever their key insertion order, which is what makes the manifest hash stable.
 * Pure module: no `node:` or DOM imports.
 */
import { ManifestError } from '../errors.js';
import type { CanonicalManifest } from '../policy/types.js';
import { normalizeManifest } from '../policy/index.js';

const WHERE = 'canonical JSON';

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return String(value);
  if (value === undefined) return 'undefined';
  return `an instance of ${Object.getPrototypeOf(value)?.constructor?.name ?? 'an unknown class'}`;
}

function write(value: unknown, path: string, open: Set<object>, out: string[]): void {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    out.push(JSON.stringify(value));
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new ManifestError(`${describe(value)} at ${path} has no JSON form`, WHERE, describe(value));
    }
    out.push(JSON.stringify(value));
    return;
  }
  if (typeof value !== 'object') {
    throw new ManifestError(`${describe(value)} at ${path} has no JSON form`, WHERE);
  }
  if (open.has(value)) throw new ManifestError(`a cycle at ${path} has no JSON form`, WHERE);
  open.add(value);
  if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item: unknown, i: number) => {
      if (i > 0) out.push(',');
      write(item, `${path}[${i}]`, open, out);
    });
    out.push(']');
  } else {
    // Only plain records: a Map, Date or class instance would serialise ambiguously.
    if (!isPlainObject(value)) throw new ManifestError(`${describe(value)} at ${path} has no JSON form`, WHERE);
    const record = value as Record<string, unknown>;
    out.push('{');
    Object.keys(record)
      .sort(byCodeUnits)
      .forEach((key, i) => {
        if (i > 0) out.push(',');
        out.push(JSON.stringify(key), ':');
        write(record[key], `${path}[${JSON.stringify(key)}]`, open, out);
      });
    out.push('}');
  }
  open.delete(value);
}

/**
 * The canonical JSON text of `value`: null, booleans, finite numbers, strings, arrays and
 * plain objects. Throws ManifestError (where `"canonical JSON"`) naming the path of anything
 * else: NaN/Infinity, undefined (also as an object property), functions, symbols, bigints,
 * non-plain objects, cycles.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, '$', new Set(), out);
  return out.join('');
}

/**
 * The canonical JSON of a manifest, after normalizeManifest (scopes canonical, sorted,
 * deduplicated), so equal policies give identical bytes. Always has all three keys:
 * `{"allow":{…},"deny":{…},"version":1}`.
 */
export function manifestToCanonicalJson(m: CanonicalManifest): string {
  const n = normalizeManifest(m);
  return canonicalJson({ version: n.version, allow: n.allow, deny: n.deny });
}

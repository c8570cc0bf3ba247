/**
 * A strict JSON reader for manifests and profiles. `JSON.parse` is not enough here: in
 * Node 20 its syntax errors give no position, and it keeps the last of two duplicate keys
 * silently (`{"allow": […], "allow": {…}}`), which SPEC section 3 forbids ("never silently
 * ignored"). This reader accepts exactly RFC 8259 JSON (no comments, no trailing commas),
 * reports errors with line and column (1-based, counted in UTF-16 code units), rejects
 * duplicate keys, and builds objects without a prototype so keys like `__proto__` stay data.
 */
import { ManifestError } from '../../errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Line and column (1-based) of `offset` in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const MAX_DEPTH = 512;

class Reader {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly where: string,
  ) {}

  private fail(message: string, at = this.pos): never {
    const { line, column } = lineColumn(this.text, at);
    const snippet = this.text.slice(at, at + 20);
    const found = at >= this.text.length ? 'the end of the input' : JSON.stringify(snippet);
    throw new ManifestError(`invalid JSON at line ${line}, column ${column}: ${message}, found ${found}`, this.where, snippet);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else break;
    }
  }

  readDocument(): JsonValue {
    // A UTF-8 byte order mark decoded into the text is tolerated, as most editors write one.
    if (this.text.charCodeAt(0) === 0xfeff) this.pos = 1;
    const value = this.readValue(0);
    this.skipSpace();
    if (this.pos < this.text.length) this.fail('unexpected text after the JSON value');
    return value;
  }

  private readValue(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH} levels`);
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '{') return this.readObject(depth);
    if (c === '[') return this.readArray(depth);
    if (c === '"') return this.readString();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.readNumber();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    return this.fail('expected a value (object, array, string, number, true, false or null)');
  }

  private readObject(depth: number): JsonObject {
    const obj: JsonObject = Object.create(null) as JsonObject;
    this.pos++; // '{'
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return obj;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') this.fail('expected a quoted key');
      const keyAt = this.pos;
      const key = this.readString();
      if (Object.prototype.hasOwnProperty.call(obj, key)) this.fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail(`expected ":" after the key ${JSON.stringify(key)}`);
      this.pos++;
      obj[key] = this.readValue(depth + 1);
      this.skipSpace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === '}') return obj;
      if (c !== ',') this.fail('expected "," or "}" in an object', this.pos - 1);
    }
  }

  private readArray(depth: number): JsonValue[] {
    const arr: JsonValue[] = [];
    this.pos++; // '['
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return arr;
    }
    for (;;) {
      arr.push(this.readValue(depth + 1));
      this.skipSpace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === ']') return arr;
      if (c !== ',') this.fail('expected "," or "]" in an array', this.pos - 1);
    }
  }

  private readString(): string {
    const start = this.pos;
    this.pos++; // opening quote
    for (;;) {
      if (this.pos >= this.text.length) this.fail('unterminated string', start);
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x22) break;
      if (c < 0x20) this.fail('control character in a string (escape it)');
      if (c === 0x5c) {
        const esc = this.text[this.pos + 1];
        if (esc === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) this.fail('bad \\u escape');
          this.pos += 6;
          continue;
        }
        if (esc === undefined || !'"\\/bfnrt'.includes(esc)) this.fail('bad escape in a string');
        this.pos += 2;
        continue;
      }
      this.pos++;
    }
    this.pos++; // closing quote
    // The span is now known to be valid JSON string syntax; JSON.parse decodes its escapes.
    return JSON.parse(this.text.slice(start, this.pos)) as string;
  }

  private readNumber(): number {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (m === null) return this.fail('malformed number');
    this.pos += m[0].length;
    const n = Number(m[0]);
    if (!Number.isFinite(n)) this.fail('number out of range', this.pos - m[0].length);
    return n;
  }
}

/**
 * Parses `text` as one strict JSON document. Throws ManifestError (where `where`) whose
 * message gives the line, column and the text found there.
 */
export function parseStrictJson(text: string, where: string): JsonValue {
  return new Reader(text, where).readDocument();
}

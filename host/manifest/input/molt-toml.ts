/**
 * `molt.toml`: the `[capabilities]` table holds the same keys as a JSON profile, in either
 * shape (`allow = ["net"]` with `[capabilities.fs] read = ["/data"]`, or
 * `[capabilities.allow] net = ["x:443"]` and `[capabilities.deny]`). Other top-level tables
 * belong to other tools and are ignored.
 */
import { parse, TomlError } from 'smol-toml';
import { ManifestError } from '../../errors.js';
import { emptyManifest, type CanonicalManifest } from '../../policy/index.js';
import { decodeCapabilitiesDocument } from './document.js';
import { at, kindOf, quote } from './location.js';

const TABLE = 'capabilities';

function tomlSyntaxError(e: TomlError, text: string, where: string): ManifestError {
  const reason = (e.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
  const lines = text.split(/\r?\n/);
  let lineText = lines[e.line - 1] ?? '';
  let context = 'in';
  // At the end of the input the error's line is empty; the line that left it open says more.
  for (let i = e.line - 2; lineText.trim() === '' && i >= 0; i--) {
    lineText = lines[i] ?? '';
    context = `after line ${i + 1},`;
  }
  return new ManifestError(`invalid TOML at line ${e.line}, column ${e.column}: ${reason}, ${context} ${quote(lineText)}`, where, lineText);
}

/**
 * Parses a molt.toml text into the canonical manifest of its `[capabilities]` table; no
 * such table gives the empty manifest. `where` names the file in errors
 * (`molt.toml at capabilities.allow.net[0]: …`). Throws ManifestError for TOML syntax
 * (quoting line, column and the line's text), unknown keys, wrong types; ScopeError and
 * UnknownCapabilityError as parseProfileJson does.
 */
export function parseMoltToml(text: string, where: string): CanonicalManifest {
  let doc: Record<string, unknown>;
  try {
    // Big integers stay numbers: no field here takes one, and a version of 1n would not equal 1.
    doc = parse(text, { unsafeKeyBehaviour: 'keep' });
  } catch (e) {
    if (e instanceof TomlError) throw tomlSyntaxError(e, text, where);
    throw new ManifestError(`cannot parse TOML: ${String(e)}`, where);
  }
  const table = doc[TABLE];
  if (table === undefined) return emptyManifest();
  if (kindOf(table) !== 'a table/object') {
    throw new ManifestError(`${TABLE} must be a table, got ${kindOf(table)} ${quote(table)}`, at(where, [TABLE]), quote(table));
  }
  return decodeCapabilitiesDocument(table, where, [TABLE]);
}

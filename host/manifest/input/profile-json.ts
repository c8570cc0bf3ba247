/** A JSON capabilities file (`--capabilities profile.json`), in the profile or the canonical shape. */
import type { CanonicalManifest } from '../../policy/index.js';
import { decodeCapabilitiesDocument } from './document.js';
import { parseStrictJson } from './strict-json.js';

/**
 * Parses `text` (a JSON document in Molt's profile shape or the canonical shape, see
 * document.ts) into the canonical manifest. `where` names the file in errors
 * (`profile.json at allow.net[2]: …`). Throws ManifestError for bad JSON (with line and
 * column), unknown keys, wrong types, a version other than 1; ScopeError for a bad scope;
 * UnknownCapabilityError for an unknown name.
 */
export function parseProfileJson(text: string, where: string): CanonicalManifest {
  return decodeCapabilitiesDocument(parseStrictJson(text, where), where);
}

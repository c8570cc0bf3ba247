/**
 * Decodes a capabilities document, already parsed from JSON or TOML, in either shape of
 * SPEC section 3, told apart by its keys:
 *
 * - Molt's profile shape: `{"allow": ["net","time"], "deny": ["env"], "fs": {"read": ["/data"], "write": []}}`.
 *   `allow`/`deny` are lists of capability names, each granted (denied) unscoped. `fs.read` /
 *   `fs.write` lists scope those capabilities: a non-empty list grants the capability on those
 *   paths even if `allow` does not name it, and narrows it if `allow` does; an empty list
 *   grants nothing, and is an error when `allow` also names that capability (the two say
 *   opposite things).
 * - The canonical shape: `{"version": 1, "allow": {"net": ["host:443"], "time": true}, "deny": {…}}`.
 *   `version` is optional (default 1) and must be 1. A grant is `true` (unscoped), a list of
 *   scopes (an empty list declares the capability with no scope, as normalizeManifest keeps
 *   it), or `false` (the same as leaving it out, as in deka's config). A dotted name may also
 *   be written nested, `{"fs": {"read": […]}}`, which is what TOML makes of `fs.read = […]`.
 *
 * A document with `version`, or an object `allow`/`deny`, is canonical; one with `fs`, or a
 * list `allow`/`deny`, is a profile; one with signs of both is an error. `{}` is the empty manifest.
 */
import { ManifestError } from '../../errors.js';
import type { AnyScope, CanonicalManifest, CapabilityName } from '../../policy/index.js';
import { buildManifest, GrantCollector, requireCapability, requireScope } from './grants.js';
import { at, isRecord, kindOf, quote, type PathPart } from './location.js';

const DOCUMENT_KEYS = ['version', 'allow', 'deny', 'fs'] as const;
const FS_KEYS = { read: 'fs.read', write: 'fs.write' } as const satisfies Record<string, CapabilityName>;

/** Reads a list of scope strings for `cap` at `path`. */
function readScopeList(cap: CapabilityName, value: readonly unknown[], source: string, path: readonly PathPart[]): AnyScope[] {
  return value.map((item, i) => {
    const itemPath = [...path, i];
    if (typeof item !== 'string') {
      throw new ManifestError(`a ${cap} scope must be a string, got ${kindOf(item)} ${quote(item)}`, at(source, itemPath), quote(item));
    }
    return requireScope(cap, item, at(source, itemPath));
  });
}

function checkKeys(doc: Readonly<Record<string, unknown>>, source: string, base: readonly PathPart[]): void {
  for (const key of Object.keys(doc)) {
    if (!(DOCUMENT_KEYS as readonly string[]).includes(key)) {
      throw new ManifestError(`unknown key ${quote(key)}; expected ${DOCUMENT_KEYS.join(', ')}`, at(source, [...base, key]), key);
    }
  }
}

/** Reads a profile's `allow` or `deny`: a list of capability names. */
function readNameList(list: unknown, source: string, path: readonly PathPart[]): { cap: CapabilityName; path: PathPart[] }[] {
  if (!Array.isArray(list)) {
    throw new ManifestError(`must be a list of capability names, got ${kindOf(list)} ${quote(list)}`, at(source, path), quote(list));
  }
  return list.map((name: unknown, i: number) => {
    const itemPath = [...path, i];
    if (typeof name !== 'string') {
      throw new ManifestError(`a capability name must be a string, got ${kindOf(name)} ${quote(name)}`, at(source, itemPath), quote(name));
    }
    return { cap: requireCapability(name, at(source, itemPath)), path: itemPath };
  });
}

/** Reads a profile's `fs` table: scope lists for fs.read / fs.write, by capability. */
type FsScopes = Map<CapabilityName, { scopes: AnyScope[]; path: PathPart[] }>;

function readFsTable(fs: unknown, source: string, path: readonly PathPart[]): FsScopes {
  if (!isRecord(fs)) {
    throw new ManifestError(`fs must be a table with read and write lists, got ${kindOf(fs)} ${quote(fs)}`, at(source, path), quote(fs));
  }
  const out: FsScopes = new Map();
  for (const [key, value] of Object.entries(fs)) {
    const keyPath = [...path, key];
    if (key !== 'read' && key !== 'write') {
      throw new ManifestError(`unknown key ${quote(key)} in fs; expected read, write`, at(source, keyPath), key);
    }
    const cap = FS_KEYS[key];
    if (!Array.isArray(value)) {
      throw new ManifestError(
        `fs.${key} must be a list of paths, got ${kindOf(value)} ${quote(value)} (to grant ${cap} on every path, list "${cap}" in allow)`,
        at(source, keyPath),
        quote(value),
      );
    }
    out.set(cap, { scopes: readScopeList(cap, value, source, keyPath), path: keyPath });
  }
  return out;
}

function decodeProfile(doc: Readonly<Record<string, unknown>>, source: string, base: readonly PathPart[]): CanonicalManifest {
  const fsScopes: FsScopes = doc['fs'] === undefined ? new Map() : readFsTable(doc['fs'], source, [...base, 'fs']);
  const allowed = doc['allow'] === undefined ? [] : readNameList(doc['allow'], source, [...base, 'allow']);
  const denied = doc['deny'] === undefined ? [] : readNameList(doc['deny'], source, [...base, 'deny']);
  const allow = new GrantCollector();
  const deny = new GrantCollector();
  for (const { cap } of denied) deny.addAll(cap);
  for (const { cap } of allowed) {
    const scoped = fsScopes.get(cap);
    if (scoped === undefined) allow.addAll(cap);
    else if (scoped.scopes.length === 0) {
      throw new ManifestError(
        `allow names ${quote(cap)} but fs.${cap.slice(3)} is an empty list; remove one of them`,
        at(source, scoped.path),
        '[]',
      );
    }
    // A scoped fs list narrows a bare name in allow; it is added below.
  }
  for (const [cap, { scopes }] of fsScopes) if (scopes.length > 0) allow.addScopes(cap, scopes);
  return buildManifest(allow, deny, source);
}

/** One section (allow or deny) of the canonical shape, flattening nested dotted names. */
function decodeSection(section: unknown, collector: GrantCollector, source: string, path: readonly PathPart[]): void {
  if (!isRecord(section)) {
    throw new ManifestError(
      `must be a table/object mapping capability names to true or a list of scopes, got ${kindOf(section)} ${quote(section)}`,
      at(source, path),
      quote(section),
    );
  }
  const seen = new Set<CapabilityName>();
  const entries: [string, unknown, PathPart[]][] = [];
  for (const [key, value] of Object.entries(section)) {
    if (isRecord(value)) {
      for (const [sub, subValue] of Object.entries(value)) entries.push([`${key}.${sub}`, subValue, [...path, key, sub]]);
    } else {
      entries.push([key, value, [...path, key]]);
    }
  }
  for (const [name, value, entryPath] of entries) {
    const where = at(source, entryPath);
    const cap = requireCapability(name, where);
    if (seen.has(cap)) throw new ManifestError(`capability ${quote(cap)} is given twice`, where, cap);
    seen.add(cap);
    if (value === true) collector.addAll(cap);
    else if (value === false) continue;
    else if (Array.isArray(value)) collector.addScopes(cap, readScopeList(cap, value, source, entryPath));
    else {
      throw new ManifestError(`a grant must be true, false or a list of scopes, got ${kindOf(value)} ${quote(value)}`, where, quote(value));
    }
  }
}

function decodeCanonical(doc: Readonly<Record<string, unknown>>, source: string, base: readonly PathPart[]): CanonicalManifest {
  const version = doc['version'];
  if (version !== undefined && version !== 1) {
    throw new ManifestError(
      `unsupported version ${quote(version)}; this host reads version 1`,
      at(source, [...base, 'version']),
      quote(version),
    );
  }
  const allow = new GrantCollector();
  const deny = new GrantCollector();
  if (doc['allow'] !== undefined) decodeSection(doc['allow'], allow, source, [...base, 'allow']);
  if (doc['deny'] !== undefined) decodeSection(doc['deny'], deny, source, [...base, 'deny']);
  return buildManifest(allow, deny, source);
}

/**
 * Decodes a parsed document (`doc`) into the canonical manifest. `source` names the input
 * (a file name, `--capabilities`); `base` is the path of the document inside it
 * (`["capabilities"]` for molt.toml). Throws ManifestError / ScopeError /
 * UnknownCapabilityError whose `where` is `source at path`.
 */
export function decodeCapabilitiesDocument(doc: unknown, source: string, base: readonly PathPart[] = []): CanonicalManifest {
  if (!isRecord(doc)) {
    throw new ManifestError(
      `a capabilities document must be a table/object, got ${kindOf(doc)} ${quote(doc)}`,
      at(source, base),
      quote(doc),
    );
  }
  checkKeys(doc, source, base);
  const profileSigns = ['fs', 'allow', 'deny'].filter((k) => (k === 'fs' ? doc[k] !== undefined : Array.isArray(doc[k])));
  const canonicalSigns = ['version', 'allow', 'deny'].filter((k) => (k === 'version' ? doc[k] !== undefined : isRecord(doc[k])));
  if (profileSigns.length > 0 && canonicalSigns.length > 0) {
    throw new ManifestError(
      `mixes the profile shape (${profileSigns.join(', ')}: lists of names and an fs table) with the canonical shape ` +
        `(${canonicalSigns.join(', ')}: version and tables of grants); use one`,
      at(source, base),
    );
  }
  return profileSigns.length > 0 ? decodeProfile(doc, source, base) : decodeCanonical(doc, source, base);
}

/**
 * Canonical manifest helpers: the empty manifest, normalisation (validate, canonicalise,
 * sort, dedupe), union, and the "does this manifest declare X" test used for the ceiling.
 */
import { ManifestError, UnknownCapabilityError } from '../errors.js';
import { ALL_CAPABILITY_NAMES, capabilityByName } from './capabilities.js';
import { parseScope, parseScopeObject, scopeCovers } from './scopes/index.js';
import type { CanonicalManifest, CapabilityName, Grant } from './types.js';

type GrantMap = Partial<Record<CapabilityName, Grant>>;

/** The manifest that grants nothing (SPEC section 1: zero capabilities by default). */
export function emptyManifest(): CanonicalManifest {
  return Object.freeze({ version: 1, allow: Object.freeze({}), deny: Object.freeze({}) });
}

// Plain string sort (UTF-16 code units): locale-free, so every host orders the same way.
function sortUnique(list: readonly string[]): string[] {
  return [...new Set(list)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function normalizeGrants(
  section: unknown,
  sectionName: 'allow' | 'deny',
  where: string,
): GrantMap {
  if (section === undefined) return {};
  if (section === null || typeof section !== 'object' || Array.isArray(section)) {
    throw new ManifestError(`"${sectionName}" must be an object, got ${JSON.stringify(section)}`, `${where}.${sectionName}`);
  }
  const out: GrantMap = {};
  const record = section as Record<string, unknown>;
  // Sorted by name so the object's own key order is canonical too.
  for (const key of Object.keys(record).sort()) {
    const at = `${where}.${sectionName}.${key}`;
    const info = capabilityByName(key);
    if (info === undefined) {
      throw new UnknownCapabilityError(
        `unknown capability ${JSON.stringify(key)} (known: ${ALL_CAPABILITY_NAMES.join(', ')})`,
        at,
        key,
      );
    }
    const value = record[key];
    if (value === true) {
      out[info.name] = true;
      continue;
    }
    if (!Array.isArray(value)) {
      throw new ManifestError(`a grant must be true or a list of scopes, got ${JSON.stringify(value)}`, at);
    }
    const scopes = value.map((s: unknown, i: number) => {
      if (typeof s !== 'string') {
        throw new ManifestError(`a scope must be a string, got ${JSON.stringify(s)}`, `${at}[${i}]`);
      }
      return parseScope(info.name, s, `${at}[${i}]`);
    });
    // An empty deny list denies nothing: dropped. An empty allow list is kept ("declared, no scope").
    if (sectionName === 'deny' && scopes.length === 0) continue;
    out[info.name] = Object.freeze(sortUnique(scopes));
  }
  return out;
}

/**
 * Validates and canonicalises a manifest: version must be 1, every key a known capability,
 * every grant `true` or a list of valid scopes (each canonicalised by parseScope), lists
 * sorted and deduplicated, empty deny lists dropped. Idempotent. Throws ManifestError /
 * ScopeError / UnknownCapabilityError quoting the bad part; `where` (default `"manifest"`)
 * prefixes the location.
 */
export function normalizeManifest(m: CanonicalManifest, where = 'manifest'): CanonicalManifest {
  const raw: unknown = m;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ManifestError(`a manifest must be an object, got ${JSON.stringify(raw)}`, where);
  }
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (key !== 'version' && key !== 'allow' && key !== 'deny') {
      throw new ManifestError(`unknown key ${JSON.stringify(key)} (expected version, allow, deny)`, where, key);
    }
  }
  if (obj['version'] !== 1) {
    throw new ManifestError(`unsupported version ${JSON.stringify(obj['version'])}; expected 1`, `${where}.version`);
  }
  return freezeManifest(normalizeGrants(obj['allow'], 'allow', where), normalizeGrants(obj['deny'], 'deny', where));
}

function freezeManifest(allow: GrantMap, deny: GrantMap): CanonicalManifest {
  return Object.freeze({ version: 1, allow: Object.freeze(allow), deny: Object.freeze(deny) });
}

function unionGrant(a: Grant | undefined, b: Grant | undefined): Grant | undefined {
  if (a === true || b === true) return true;
  if (a === undefined) return b;
  if (b === undefined) return a;
  return sortUnique([...a, ...b]);
}

function unionMaps(a: GrantMap, b: GrantMap): GrantMap {
  const out: GrantMap = {};
  for (const name of ALL_CAPABILITY_NAMES) {
    const g = unionGrant(a[name], b[name]);
    if (g !== undefined) out[name] = g;
  }
  return out;
}

/** Union of allows and union of denies (`true` absorbs any list). Result is normalised. */
export function mergeManifests(a: CanonicalManifest, b: CanonicalManifest): CanonicalManifest {
  return normalizeManifest({ version: 1, allow: unionMaps(a.allow, b.allow), deny: unionMaps(a.deny, b.deny) });
}

/**
 * Whether `ceiling` declares (allows) `cap`, or with `scope`, a scope covering it
 * (`/data` covers `/data/x`, `*.example.com` covers `a.example.com`). Without a scope the
 * question is "the whole capability", which only `true` covers. Denies are not consulted:
 * they stay in force separately. Throws ScopeError for a malformed `scope`.
 */
export function manifestCovers(ceiling: CanonicalManifest, cap: CapabilityName, scope?: string): boolean {
  const grant = ceiling.allow[cap];
  if (grant === undefined) return false;
  if (grant === true) return true;
  if (scope === undefined) return false;
  const wanted = parseScopeObject(cap, scope);
  return grant.some((s) => scopeCovers(parseScopeObject(cap, s), wanted));
}

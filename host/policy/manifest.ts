/**
 * Canonical manifest helpers on the plain-data view: the empty manifest, normalisation
 * (validate, canonicalise, sort, dedupe), union, and the "does this manifest declare X" test
 * used for the ceiling. Each is a thin view over PolicyRules (rules.ts), which holds the
 * parsed scopes: a manifest one of these returned maps back to its rules without parsing.
 */
import { PolicyRules } from './rules.js';
import { parseScopeObject } from './scopes/index.js';
import type { CanonicalManifest, CapabilityName } from './types.js';

/** The manifest that grants nothing (SPEC section 1: zero capabilities by default). */
export function emptyManifest(): CanonicalManifest {
  return PolicyRules.EMPTY.toManifest();
}

/**
 * Validates and canonicalises a manifest: version must be 1, every key a known capability,
 * every grant `true` or a list of valid scopes (each canonicalised by parseScope), lists
 * sorted and deduplicated, empty deny lists dropped. Idempotent: a manifest it returned comes
 * back as is, unparsed. Throws ManifestError / ScopeError / UnknownCapabilityError quoting the
 * bad part; `where` (default `"manifest"`) prefixes the location.
 */
export function normalizeManifest(m: CanonicalManifest, where = 'manifest'): CanonicalManifest {
  return PolicyRules.fromManifest(m, where).toManifest();
}

/** Union of allows and union of denies (`true` absorbs any list). Result is normalised. */
export function mergeManifests(a: CanonicalManifest, b: CanonicalManifest): CanonicalManifest {
  return PolicyRules.fromManifest(a).merge(PolicyRules.fromManifest(b)).toManifest();
}

/**
 * Whether `ceiling` declares (allows) `cap`, or with `scope`, a scope covering it
 * (`/data` covers `/data/x`, `*.example.com` covers `a.example.com`). Without a scope the
 * question is "the whole capability", which only `true` covers. Denies are not consulted:
 * they stay in force separately. Throws ScopeError for a malformed `scope`.
 */
export function manifestCovers(ceiling: CanonicalManifest, cap: CapabilityName, scope?: string): boolean {
  const rules = PolicyRules.fromManifest(ceiling);
  const grant = rules.allow.get(cap);
  if (grant === undefined || grant === true || scope === undefined) return grant === true;
  return rules.covers(cap, parseScopeObject(cap, scope));
}

/**
 * Collects grants from any input form, validating each capability name and scope with the
 * policy core, then hands the result to normalizeManifest so every form ends in the same
 * canonical manifest (scopes canonical, sorted, deduplicated).
 */
import { ManifestError, ScopeError, UnknownCapabilityError } from '../../errors.js';
import {
  ALL_CAPABILITY_NAMES,
  capabilityByName,
  normalizeManifest,
  parseScope,
  type CanonicalManifest,
  type CapabilityName,
  type Grant,
} from '../../policy/index.js';
import { quote } from './location.js';

/**
 * Looks a capability up by its exact name; UnknownCapabilityError quoting it otherwise.
 * `context` (default none) is added to the message, e.g. `in "net,fs"`.
 */
export function requireCapability(name: string, where: string, context?: string): CapabilityName {
  const info = capabilityByName(name);
  if (info !== undefined) return info.name;
  const hint =
    name === 'fs' ? ' (did you mean "fs.read" or "fs.write"?)' : name === 'console' ? ' (did you mean "console.write"?)' : '';
  throw new UnknownCapabilityError(
    `unknown capability ${quote(name)}${context === undefined ? '' : ` ${context}`}${hint}; known capabilities: ${ALL_CAPABILITY_NAMES.join(', ')}`,
    where,
    name,
  );
}

/** One scope pattern, canonicalised; an empty pattern is refused here so the message can quote it. */
export function requireScope(cap: CapabilityName, input: string, where: string): string {
  if (input.trim().length === 0) {
    throw new ScopeError(`empty ${cap} scope ${quote(input)}`, where, input);
  }
  return parseScope(cap, input, where);
}

/** Grants of one section (allow or deny) being collected; `true` absorbs any list. */
export class GrantCollector {
  private readonly grants = new Map<CapabilityName, true | string[]>();

  /** Grants `cap` on every target. */
  addAll(cap: CapabilityName): void {
    this.grants.set(cap, true);
  }

  /** Grants `cap` on these (already canonical) scopes; an empty list declares `cap` without a scope. */
  addScopes(cap: CapabilityName, scopes: readonly string[]): void {
    const old = this.grants.get(cap);
    if (old === true) return;
    this.grants.set(cap, [...(old ?? []), ...scopes]);
  }

  has(cap: CapabilityName): boolean {
    return this.grants.has(cap);
  }

  toRecord(): Partial<Record<CapabilityName, Grant>> {
    const out: Partial<Record<CapabilityName, Grant>> = {};
    for (const [cap, grant] of this.grants) out[cap] = grant;
    return out;
  }
}

/** The canonical manifest of two collectors; `where` is the source, for the (unexpected) normalisation errors. */
export function buildManifest(allow: GrantCollector, deny: GrantCollector, where: string): CanonicalManifest {
  try {
    return normalizeManifest({ version: 1, allow: allow.toRecord(), deny: deny.toRecord() }, where);
  } catch (e) {
    if (e instanceof ManifestError) throw e;
    throw new ManifestError(`cannot normalise the manifest: ${String(e)}`, where);
  }
}

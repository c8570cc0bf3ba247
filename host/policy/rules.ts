/**
 * The typed in-memory form of a manifest (Deno's permission descriptors): per capability,
 * allow and deny rules as `true` or a list of parsed scope objects, sorted and deduplicated
 * by their canonical text. A scope is parsed once, where it enters (a flag, a file, the
 * embedded section); every later layer (precedence, the engine, revocation, preopens, the
 * prompt's ceiling, the CLI's hints) works on these objects.
 *
 * The canonical manifest (plain strings) is only a view, made where it is written or
 * hashed (`toManifest`). A manifest made here is frozen and remembers its rules, so handing
 * it across an API that takes a CanonicalManifest (GuestOptions.manifest, createSubject,
 * planPreopens) maps it back without parsing; a manifest from outside (a JSON document, a
 * worker message) is parsed once by `PolicyRules.fromManifest`.
 */
import { ManifestError, UnknownCapabilityError } from '../errors.js';
import { ALL_CAPABILITY_NAMES, capabilityByName } from './capabilities.js';
import { parseScopeObject, scopeCovers, type AnyScope } from './scopes/index.js';
import type { CanonicalManifest, CapabilityName, Grant } from './types.js';

/** One side (allow or deny) of one capability: every target, or these parsed scopes. */
export type ScopeGrant = true | readonly AnyScope[];

/** One side (allow or deny) of every capability, keyed in capability-name order. */
export type RuleMap = ReadonlyMap<CapabilityName, ScopeGrant>;

/** The manifests this module made, back to the rules they show. Frozen, so they cannot drift. */
const rulesOfManifest = new WeakMap<CanonicalManifest, PolicyRules>();

/** Capability names in plain string order: the canonical key order of both sections. */
const SORTED_NAMES: readonly CapabilityName[] = [...ALL_CAPABILITY_NAMES].sort();

// Plain string order (UTF-16 code units): locale-free, so every host orders the same way.
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts scopes by canonical text and drops repeats (`/data` and `/data/` are one scope). */
function sortUniqueScopes(list: readonly AnyScope[]): readonly AnyScope[] {
  const byCanonical = new Map<string, AnyScope>();
  for (const s of list) {
    const text = s.toString();
    if (!byCanonical.has(text)) byCanonical.set(text, s);
  }
  return Object.freeze([...byCanonical.keys()].sort(byText).map((t) => byCanonical.get(t)!));
}

function normalizeSide(side: ReadonlyMap<CapabilityName, ScopeGrant>, dropEmpty: boolean): RuleMap {
  const out = new Map<CapabilityName, ScopeGrant>();
  for (const name of SORTED_NAMES) {
    const g = side.get(name);
    if (g === undefined) continue;
    if (g === true) out.set(name, true);
    else if (!(dropEmpty && g.length === 0)) out.set(name, sortUniqueScopes(g));
  }
  return out;
}

function unionGrant(a: ScopeGrant | undefined, b: ScopeGrant | undefined): ScopeGrant | undefined {
  if (a === true || b === true) return true;
  if (a === undefined) return b;
  if (b === undefined) return a;
  return [...a, ...b];
}

function unionSides(a: RuleMap, b: RuleMap): Map<CapabilityName, ScopeGrant> {
  const out = new Map<CapabilityName, ScopeGrant>();
  for (const name of SORTED_NAMES) {
    const g = unionGrant(a.get(name), b.get(name));
    if (g !== undefined) out.set(name, g);
  }
  return out;
}

/** Reads one section (allow or deny) of a manifest from outside, parsing each scope once. */
function readSide(section: unknown, sectionName: 'allow' | 'deny', where: string): Map<CapabilityName, ScopeGrant> {
  const out = new Map<CapabilityName, ScopeGrant>();
  if (section === undefined) return out;
  if (section === null || typeof section !== 'object' || Array.isArray(section)) {
    throw new ManifestError(`"${sectionName}" must be an object, got ${JSON.stringify(section)}`, `${where}.${sectionName}`);
  }
  const record = section as Record<string, unknown>;
  for (const key of Object.keys(record).sort()) {
    const at = `${where}.${sectionName}.${key}`;
    const info = capabilityByName(key);
    if (info === undefined) {
      throw new UnknownCapabilityError(`unknown capability ${JSON.stringify(key)} (known: ${ALL_CAPABILITY_NAMES.join(', ')})`, at, key);
    }
    const value = record[key];
    if (value === true) {
      out.set(info.name, true);
      continue;
    }
    if (!Array.isArray(value)) {
      throw new ManifestError(`a grant must be true or a list of scopes, got ${JSON.stringify(value)}`, at);
    }
    out.set(
      info.name,
      value.map((s: unknown, i: number) => {
        if (typeof s !== 'string') throw new ManifestError(`a scope must be a string, got ${JSON.stringify(s)}`, `${at}[${i}]`);
        return parseScopeObject(info.name, s, `${at}[${i}]`);
      }),
    );
  }
  return out;
}

function sideToRecord(side: RuleMap): Readonly<Partial<Record<CapabilityName, Grant>>> {
  const out: Partial<Record<CapabilityName, Grant>> = {};
  for (const [name, g] of side) out[name] = g === true ? true : Object.freeze(g.map((s) => s.toString()));
  return Object.freeze(out);
}

export class PolicyRules {
  #manifest: CanonicalManifest | undefined;

  private constructor(
    /** Allow rules: a capability absent here is not granted; an empty list declares it with no scope. */
    readonly allow: RuleMap,
    /** Deny rules (no empty lists): deny always wins at check time. */
    readonly deny: RuleMap,
  ) {}

  /** The rules that grant nothing (SPEC section 1: zero by default). */
  static readonly EMPTY: PolicyRules = new PolicyRules(new Map(), new Map());

  /**
   * Rules from parsed scopes: lists sorted and deduplicated by canonical text, empty deny
   * lists dropped (they deny nothing), an empty allow list kept ("declared, no scope").
   */
  static of(allow: ReadonlyMap<CapabilityName, ScopeGrant>, deny: ReadonlyMap<CapabilityName, ScopeGrant> = new Map()): PolicyRules {
    return new PolicyRules(normalizeSide(allow, false), normalizeSide(deny, true));
  }

  /**
   * The rules of a canonical manifest. One this module made maps back without parsing;
   * anything else is validated (version 1, known keys and capabilities, `true` or lists of
   * valid scopes) and each scope parsed once. Throws ManifestError / ScopeError /
   * UnknownCapabilityError quoting the bad part; `where` (default `"manifest"`) prefixes the
   * location.
   */
  static fromManifest(m: CanonicalManifest, where = 'manifest'): PolicyRules {
    const known = rulesOfManifest.get(m);
    if (known !== undefined) return known;
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
    return PolicyRules.of(readSide(obj['allow'], 'allow', where), readSide(obj['deny'], 'deny', where));
  }

  /** The canonical manifest these rules show (made once, frozen; maps back to these rules). */
  toManifest(): CanonicalManifest {
    if (this.#manifest === undefined) {
      const m: CanonicalManifest = Object.freeze({ version: 1, allow: sideToRecord(this.allow), deny: sideToRecord(this.deny) });
      rulesOfManifest.set(m, this);
      this.#manifest = m;
    }
    return this.#manifest;
  }

  /** Union of allows and union of denies (`true` absorbs any list). */
  merge(other: PolicyRules): PolicyRules {
    if (other === PolicyRules.EMPTY) return this;
    if (this === PolicyRules.EMPTY) return other;
    return PolicyRules.of(unionSides(this.allow, other.allow), unionSides(this.deny, other.deny));
  }

  /** These rules with `deny` added to the deny side. */
  withDenies(deny: RuleMap): PolicyRules {
    return PolicyRules.of(this.allow, unionSides(this.deny, deny));
  }

  /**
   * Whether these rules, read as a ceiling, declare `cap` wholly (no scope: only `true`
   * does) or a scope covering `scope`. Denies are not consulted: they stay in force apart.
   */
  covers(cap: CapabilityName, scope?: AnyScope): boolean {
    const grant = this.allow.get(cap);
    if (grant === undefined) return false;
    if (grant === true) return true;
    if (scope === undefined) return false;
    return grant.some((s) => scopeCovers(s, scope));
  }
}

/**
 * Path scopes for fs.read / fs.write (SPEC section 1). Guest paths live in two namespaces:
 * absolute (`/data`) and relative to a preopen name (`fs-tests.dir`). A scope covers itself
 * and its whole subtree, compared by whole components (`/data` covers `/data/x`, never
 * `/database`). Comparison is exact and case-sensitive, on the lexical form: symlinks and
 * case-folding filesystems are the host layer's job (it checks the resolved path).
 */
import { ScopeError } from '../../errors.js';

/** The root of the relative namespace: a preopen named `.` and what `a/..` normalises to. */
const RELATIVE_ROOT = '.';

/**
 * Lexical normalisation of a guest path: collapses `//`, `.`, a trailing `/` and resolves
 * `..`. Returns null when the path is empty, holds a NUL byte, or when `..` climbs above
 * the root of its namespace (`/..`, `a/../..`): such a path escapes and never matches.
 * Absolute results start with `/` (`/` itself for the root); relative results never do
 * (`.` for the relative root).
 */
export function normalizeGuestPath(p: string): string | null {
  // Most paths a guest sends are already normal: give them back without splitting.
  return isNormalGuestPath(p) ? p : normalizeBySegments(p);
}

/**
 * One pass over the characters: true when `p` is non-empty, holds no NUL, and has no empty,
 * `.` or `..` segment (so no `//`, no trailing `/` but the root `/`). Such a path is its own
 * normal form.
 */
function isNormalGuestPath(p: string): boolean {
  const n = p.length;
  if (n === 0) return false;
  if (n === 1 && p.charCodeAt(0) === 0x2f) return true; // `/`
  let start = p.charCodeAt(0) === 0x2f ? 1 : 0;
  for (let i = start; i <= n; i++) {
    const c = i < n ? p.charCodeAt(i) : 0x2f;
    if (c === 0) return false;
    if (c !== 0x2f) continue;
    const len = i - start;
    if (len === 0) return false;
    if (p.charCodeAt(start) === 0x2e && (len === 1 || (len === 2 && p.charCodeAt(start + 1) === 0x2e))) return false;
    start = i + 1;
  }
  return true;
}

/** The general case of normalizeGuestPath (exported for the test that holds the two equal). */
export function normalizeBySegments(p: string): string | null {
  if (p.length === 0 || p.includes('\0')) return null;
  const absolute = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return null;
      out.pop();
      continue;
    }
    out.push(part);
  }
  if (absolute) return '/' + out.join('/');
  return out.length === 0 ? RELATIVE_ROOT : out.join('/');
}

/** True when `inner` (normalised) is `outer` (normalised) or below it, by whole components. */
export function pathCovers(outer: string, inner: string): boolean {
  const outerAbs = outer.startsWith('/');
  if (outerAbs !== inner.startsWith('/')) return false; // two namespaces never overlap
  if (outer === '/' || outer === RELATIVE_ROOT) return true;
  if (inner === outer) return true;
  return inner.startsWith(outer) && inner.charCodeAt(outer.length) === 0x2f; // '/'
}

export class PathScope {
  private constructor(
    /** The normalised path this scope covers (with its subtree). */
    readonly path: string,
  ) {}

  /**
   * Parses a path pattern. `where` (default `"path scope"`) names the source in errors.
   * Throws ScopeError on empty input, NUL bytes, and `..` that climbs above the root.
   */
  static parse(input: string, where = 'path scope'): PathScope {
    if (input.length === 0) throw new ScopeError('empty path; give a guest path such as "/data"', where, input);
    if (input.includes('\0')) {
      throw new ScopeError(`path ${JSON.stringify(input)} contains a NUL byte`, where, input);
    }
    const norm = normalizeGuestPath(input);
    if (norm === null) {
      throw new ScopeError(`path ${JSON.stringify(input)} climbs above its root with ".."`, where, input);
    }
    return new PathScope(norm);
  }

  /** A target guest path (any spelling) is allowed when it normalises inside this subtree. */
  allows(target: string): boolean {
    const norm = normalizeGuestPath(target);
    return norm !== null && pathCovers(this.path, norm);
  }

  /** `allows` for a target already passed through normalizeGuestPath (the per-check hot path). */
  allowsNormalized(norm: string): boolean {
    return pathCovers(this.path, norm);
  }

  /** Deny rules match exactly what allow rules match for paths. */
  blocks(target: string): boolean {
    return this.allows(target);
  }

  /** True when every path this `other` scope allows is allowed by this one. */
  covers(other: PathScope): boolean {
    return pathCovers(this.path, other.path);
  }

  toString(): string {
    return this.path;
  }
}

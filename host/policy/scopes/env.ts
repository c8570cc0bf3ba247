/**
 * Environment scopes for `env` (SPEC section 1): an exact variable name (case-sensitive, as
 * on POSIX) or a prefix ending in one `*` (`AWS_*`; `*` alone is every name).
 */
import { ScopeError } from '../../errors.js';

/** A name a guest may ask for: non-empty, no `=` and no NUL (they cannot occur in an environment). */
export function isValidEnvName(name: string): boolean {
  return name.length > 0 && !name.includes('=') && !name.includes('\0');
}

export class EnvScope {
  private constructor(
    /** The exact name, or the prefix when `isPrefix`. */
    readonly name: string,
    readonly isPrefix: boolean,
  ) {}

  /**
   * Parses `NAME` or `PREFIX_*`. `where` (default `"env scope"`) names the source in errors.
   * Throws ScopeError on empty input, `=`, NUL, or a `*` anywhere but the end.
   */
  static parse(input: string, where = 'env scope'): EnvScope {
    const q = JSON.stringify(input);
    if (input.length === 0) throw new ScopeError('empty environment variable name', where, input);
    if (input.includes('=')) throw new ScopeError(`invalid env scope ${q}: "=" cannot be part of a name`, where, input);
    if (input.includes('\0')) throw new ScopeError(`invalid env scope ${q}: contains a NUL byte`, where, input);
    const star = input.indexOf('*');
    if (star >= 0 && star !== input.length - 1) {
      throw new ScopeError(`invalid env scope ${q}: "*" is only allowed once, at the end ("PREFIX_*")`, where, input);
    }
    return star >= 0 ? new EnvScope(input.slice(0, -1), true) : new EnvScope(input, false);
  }

  /** Whether the guest may read the variable `name` (exact, case-sensitive). */
  allows(name: string): boolean {
    if (!isValidEnvName(name)) return false;
    return this.isPrefix ? name.startsWith(this.name) : name === this.name;
  }

  /** Deny rules match exactly what allow rules match for names. */
  blocks(name: string): boolean {
    return this.allows(name);
  }

  /** True when every name `other` allows is allowed by this scope. */
  covers(other: EnvScope): boolean {
    if (!this.isPrefix) return !other.isPrefix && other.name === this.name;
    return other.name.startsWith(this.name);
  }

  toString(): string {
    return this.isPrefix ? this.name + '*' : this.name;
  }
}

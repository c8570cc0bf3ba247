/**
 * Deno-style capability flags (SPEC section 3): `--allow-read[=P,…]` `--allow-write[=P,…]`
 * `--allow-net[=H,…]` `--allow-env[=N,…]` `--allow-time` `--allow-console` `--allow-all`,
 * and their `--deny-…` twins (`--deny-all` included). Turned into two manifest layers for
 * resolvePolicy: the allow flags' manifest (in its `allow` section) and the deny flags'
 * manifest (in its `deny` section).
 */
import { ManifestError } from '../../errors.js';
import { ALL_CAPABILITY_NAMES, type AnyScope, type CanonicalManifest, type CapabilityName } from '../../policy/index.js';
import { buildManifest, GrantCollector, requireScope } from './grants.js';
import { quote } from './location.js';

/** One use of a scoped flag: `true` without a value (unscoped), the text after `=` otherwise. */
export type FlagValue = true | string;
/** A scoped flag as parsed: one use, or every use in order when the flag was repeated. */
export type FlagInput = FlagValue | readonly FlagValue[];

/**
 * Flag values, keyed as commander names them (`--allow-read` is `allowRead`). Absent,
 * `undefined` and (for the boolean flags) `false` all mean "not given".
 */
export interface CapabilityFlagValues {
  readonly allowRead?: FlagInput;
  readonly allowWrite?: FlagInput;
  readonly allowNet?: FlagInput;
  readonly allowEnv?: FlagInput;
  readonly allowTime?: boolean;
  readonly allowConsole?: boolean;
  readonly allowAll?: boolean;
  readonly denyRead?: FlagInput;
  readonly denyWrite?: FlagInput;
  readonly denyNet?: FlagInput;
  readonly denyEnv?: FlagInput;
  readonly denyTime?: boolean;
  readonly denyConsole?: boolean;
  readonly denyAll?: boolean;
}

type Mode = 'allow' | 'deny';

/** The flags that take scopes: suffix, capability, and what a value is called in messages. */
export const SCOPED_FLAGS = [
  { suffix: 'read', key: 'Read', cap: 'fs.read', valueName: 'paths' },
  { suffix: 'write', key: 'Write', cap: 'fs.write', valueName: 'paths' },
  { suffix: 'net', key: 'Net', cap: 'net', valueName: 'hosts' },
  { suffix: 'env', key: 'Env', cap: 'env', valueName: 'names' },
] as const satisfies readonly { suffix: string; key: string; cap: CapabilityName; valueName: string }[];

/** The flags without scopes. */
export const PLAIN_FLAGS = [
  { suffix: 'time', key: 'Time', cap: 'time' },
  { suffix: 'console', key: 'Console', cap: 'console.write' },
] as const satisfies readonly { suffix: string; key: string; cap: CapabilityName }[];

/** The allow flags that grant so much that the CLI warns: these, when given without a value. */
const BROAD_WHEN_UNSCOPED: ReadonlySet<string> = new Set(['--allow-net', '--allow-write']);

function occurrences(input: FlagInput | undefined): readonly FlagValue[] {
  if (input === undefined) return [];
  return typeof input === 'string' || input === true ? [input] : input;
}

/** Splits one flag value into canonical scopes; `flag` (e.g. `--allow-net`) is the error's where. */
function scopesOfValue(cap: CapabilityName, value: string, flag: string, valueName: string): AnyScope[] {
  if (value === '') {
    throw new ManifestError(`empty value ${quote(value)}; give ${valueName} (${flag}=A,B), or leave out "=" for all of them`, flag, value);
  }
  return value.split(',').map((item, i) => {
    if (item === '') throw new ManifestError(`empty item ${i + 1} in ${quote(value)}`, flag, value);
    return requireScope(cap, item, flag);
  });
}

function applyFlags(flags: CapabilityFlagValues, mode: Mode, into: GrantCollector, broad: string[]): void {
  if (flags[`${mode}All`] === true) {
    for (const cap of ALL_CAPABILITY_NAMES) into.addAll(cap);
    if (mode === 'allow') broad.push('--allow-all');
  }
  for (const { suffix, key, cap, valueName } of SCOPED_FLAGS) {
    const flag = `--${mode}-${suffix}`;
    for (const value of occurrences(flags[`${mode}${key}`])) {
      if (value === true) {
        into.addAll(cap);
        if (BROAD_WHEN_UNSCOPED.has(flag) && !broad.includes(flag)) broad.push(flag);
      } else {
        into.addScopes(cap, scopesOfValue(cap, value, flag, valueName));
      }
    }
  }
  for (const { key, cap } of PLAIN_FLAGS) if (flags[`${mode}${key}`] === true) into.addAll(cap);
}

/**
 * Turns flag values into layers: `allow` (a manifest whose `allow` section holds the allow
 * flags), `deny` (a manifest whose `deny` section holds the deny flags) and `broad` (the
 * flags that grant broadly, in the order `--allow-all`, `--allow-write`, `--allow-net`, for
 * the CLI's warning). Repeated flags accumulate; a use without a value makes the
 * capability unscoped. Throws ManifestError / ScopeError whose where is the flag
 * (`--allow-net: invalid net scope "exa mple.com": …`).
 */
export function flagsToLayers(flags: CapabilityFlagValues): { allow: CanonicalManifest; deny: CanonicalManifest; broad: string[] } {
  const allow = new GrantCollector();
  const deny = new GrantCollector();
  const broad: string[] = [];
  applyFlags(flags, 'allow', allow, broad);
  applyFlags(flags, 'deny', deny, broad);
  return {
    allow: buildManifest(allow, new GrantCollector(), 'allow flags'),
    deny: buildManifest(new GrantCollector(), deny, 'deny flags'),
    broad,
  };
}

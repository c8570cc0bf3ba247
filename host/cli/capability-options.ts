/**
 * The capability options shared by `run` and `build` (SPEC section 3): `--capabilities`,
 * the Deno-style `--allow-…` / `--deny-…` flags and `--allow-undeclared`, registered on a
 * commander Command and read back into manifest layers for resolvePolicy.
 *
 * A scoped flag takes its value only after `=` (Deno's rule): `--allow-read=/data` is scoped,
 * a bare `--allow-read` is unscoped and never takes the next argument, so
 * `run --deny-net app.wasm -- URL` runs app.wasm. Commander's own optional-value rule would
 * swallow `app.wasm` as a host list; addCapabilityOptions rewrites the command's argv first.
 */
import type { Command, ParseOptionsResult } from 'commander';
import { ManifestError, UsageError } from '../errors.js';
import {
  flagsToLayers,
  loadCapabilitiesArgument,
  PLAIN_FLAGS,
  SCOPED_FLAGS,
  type CapabilityFlagValues,
  type FlagValue,
} from '../manifest/input/index.js';
import type { ProvenanceReading } from '../manifest/provenance.js';
import { mergeManifests, resolvePolicy, type CanonicalManifest, type ResolvedPolicy } from '../policy/index.js';
import type { DenialHintContext } from '../run/denial-notices.js';

/** What the capability options of one command line amount to. */
export interface CapabilityOptions {
  /** The `--capabilities` manifest (several are merged); absent when none was given. */
  readonly manifest?: CanonicalManifest;
  /** The allow flags, in the manifest's `allow` section. */
  readonly allow: CanonicalManifest;
  /** The deny flags, in the manifest's `deny` section. */
  readonly deny: CanonicalManifest;
  /** `--allow-undeclared`: grant allow flags beyond the embedded manifest (warned). Default false. */
  readonly allowUndeclared: boolean;
  /** Flags that grant broadly (`--allow-all`, bare `--allow-write`, bare `--allow-net`), for a warning. */
  readonly broad: string[];
  /** `--deny-console` or `--deny-all`: also take away the CLI's default `console.write`. */
  readonly denyConsole: boolean;
}

/**
 * What a bare scoped flag becomes before commander parses it. A process argument cannot
 * contain NUL, so no value a user types can be mistaken for it (`--allow-env=` stays an
 * empty value, which is an error).
 */
const BARE = '\u0000bare';

/** The scoped flags by their spelling (`--allow-read`, `--deny-net`, …). */
const SCOPED_FLAG_NAMES: ReadonlySet<string> = new Set(
  (['allow', 'deny'] as const).flatMap((mode) => SCOPED_FLAGS.map(({ suffix }) => `--${mode}-${suffix}`)),
);

/**
 * Gives every bare scoped flag before `--` an explicit "unscoped" value, so that commander
 * never takes the following argument as its value: only `--allow-read=/data` is scoped.
 * Everything else, and everything from `--` on (the guest's arguments), is kept as is.
 */
export function requireEqualsForScopedFlags(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    out.push(SCOPED_FLAG_NAMES.has(a) ? `${a}=${BARE}` : a);
  }
  return out;
}

/**
 * Accumulates repeats of a scoped flag: the values in order, or `true` once a bare use
 * appears (unscoped covers every scope, so later values add nothing).
 */
function accumulate(value: string, previous: unknown): true | string[] {
  if (previous === true || value === BARE) return true;
  return [...(Array.isArray(previous) ? (previous as string[]) : []), value];
}

/** Commander's collector for a repeatable string option. */
export function collectStrings(value: string, previous: unknown): string[] {
  return [...(Array.isArray(previous) ? (previous as string[]) : []), value];
}

/**
 * Registers `--capabilities <list|file>` (repeatable, merged), `--allow-read [paths]`,
 * `--allow-write [paths]`, `--allow-net [hosts]`, `--allow-env [names]` (each repeatable,
 * comma lists, bare = unscoped), `--allow-time`, `--allow-console`, `--allow-all`, the
 * `--deny-…` twins of each, and `--allow-undeclared`. Every flag defaults to not given.
 * Also makes `cmd` read scoped flags Deno's way (requireEqualsForScopedFlags) whichever
 * entry point parses it. Returns `cmd`.
 */
export function addCapabilityOptions(cmd: Command): Command {
  // Commander calls `this.parseOptions` on the (sub)command with its own arguments, so an
  // instance override sees exactly this command's argv, also when run as a subcommand.
  const parseOptions = cmd.parseOptions.bind(cmd);
  cmd.parseOptions = (args: string[]): ParseOptionsResult => parseOptions(requireEqualsForScopedFlags(args));
  cmd.option(
    '--capabilities <list|file>',
    'capabilities as a comma list (net,env,fs.read) or a .json/.toml file; repeatable',
    collectStrings,
  );
  for (const mode of ['allow', 'deny'] as const) {
    const verb = mode === 'allow' ? 'allow' : 'deny';
    for (const { suffix, cap, valueName } of SCOPED_FLAGS) {
      cmd.option(
        `--${mode}-${suffix} [=${valueName}]`,
        `${verb} ${cap}, on these comma-separated ${valueName} (after "=") or (bare) on all; repeatable`,
        accumulate,
      );
    }
    for (const { suffix, cap } of PLAIN_FLAGS) cmd.option(`--${mode}-${suffix}`, `${verb} ${cap}`);
    cmd.option(`--${mode}-all`, `${verb} every capability`);
  }
  return cmd;
}

function readScoped(opts: Readonly<Record<string, unknown>>, key: string, flag: string): true | readonly FlagValue[] | undefined {
  const v = opts[key];
  if (v === undefined || v === true) return v;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x: unknown) => x === true || typeof x === 'string')) return v as FlagValue[];
  throw new UsageError(`${flag}: unexpected option value ${JSON.stringify(v)}`);
}

function readBoolean(opts: Readonly<Record<string, unknown>>, key: string, flag: string): boolean {
  const v = opts[key];
  if (v === undefined || typeof v === 'boolean') return v === true;
  throw new UsageError(`${flag}: takes no value, got ${JSON.stringify(v)}`);
}

/**
 * `--allow-undeclared`, for `run` only: it lets allow flags go beyond an embedded manifest,
 * and `build` has none to go beyond (it refuses the flag). readCapabilityOptions reads it.
 */
export function addAllowUndeclaredOption(cmd: Command): Command {
  return cmd.option('--allow-undeclared', 'let allow flags grant what the embedded manifest does not declare (warned, audited)');
}

/**
 * flagsToLayers, with its bad-input errors (a malformed scope, an unknown name) turned into
 * UsageError: on a flag they are a command line to correct, exit 64, where the same scope in
 * a file is bad input, 65 (SPEC section 8). The message still names the flag and the value.
 */
function flagsToLayersAsUsage(flags: CapabilityFlagValues): ReturnType<typeof flagsToLayers> {
  try {
    return flagsToLayers(flags);
  } catch (e) {
    if (e instanceof ManifestError) throw new UsageError(e.message, { cause: e });
    throw e;
  }
}

/**
 * Reads the values addCapabilityOptions registered (`cmd.opts()`) into manifest layers.
 * `readFile` reads a `--capabilities` file as UTF-8 text. Throws ManifestError /
 * ScopeError / UnknownCapabilityError for bad values in a `--capabilities` list or file
 * (exit 65), UsageError for a bad flag value (naming the flag, exit 64) or an option value
 * of an unexpected type.
 */
export function readCapabilityOptions(opts: Readonly<Record<string, unknown>>, readFile: (path: string) => string): CapabilityOptions {
  const flags: Record<string, boolean | true | readonly FlagValue[] | undefined> = {};
  for (const mode of ['allow', 'deny'] as const) {
    for (const { suffix, key } of SCOPED_FLAGS) {
      flags[`${mode}${key}`] = readScoped(opts, `${mode}${key}`, `--${mode}-${suffix}`);
    }
    for (const { suffix, key } of PLAIN_FLAGS) flags[`${mode}${key}`] = readBoolean(opts, `${mode}${key}`, `--${mode}-${suffix}`);
    flags[`${mode}All`] = readBoolean(opts, `${mode}All`, `--${mode}-all`);
  }
  const layers = flagsToLayersAsUsage(flags as CapabilityFlagValues);

  const caps = opts['capabilities'];
  let manifest: CanonicalManifest | undefined;
  if (caps !== undefined) {
    const list = typeof caps === 'string' ? [caps] : caps;
    if (!Array.isArray(list) || !list.every((x: unknown) => typeof x === 'string')) {
      throw new UsageError(`--capabilities: unexpected option value ${JSON.stringify(caps)}`);
    }
    for (const arg of list as string[]) {
      const m = loadCapabilitiesArgument(arg, readFile);
      manifest = manifest === undefined ? m : mergeManifests(manifest, m);
    }
  }
  return {
    ...(manifest === undefined ? {} : { manifest }),
    allow: layers.allow,
    deny: layers.deny,
    allowUndeclared: readBoolean(opts, 'allowUndeclared', '--allow-undeclared'),
    broad: layers.broad,
    denyConsole: readBoolean(opts, 'denyConsole', '--deny-console') || readBoolean(opts, 'denyAll', '--deny-all'),
  };
}

/** The policy of one command line: what `run` (and any command that runs a guest) enforces. */
export interface AssembledPolicy extends ResolvedPolicy {
  /** The verified embedded manifest: the ceiling, and the prompt's and hints' reference. Absent without one. */
  readonly ceiling: CanonicalManifest | undefined;
  /** What a denial line needs to say which flag would change it (run/denial-notices.ts). */
  readonly hints: DenialHintContext;
}

/**
 * The one function from parsed capability options and the binary's embedded manifest to the
 * policy a guest runs under (SPEC section 3's layers, resolvePolicy): the embedded manifest
 * only when it verified, the `--capabilities` manifest, the allow and deny flags, and
 * `defaultGrants` for a binary without a manifest. Every scope was parsed once where it
 * was read (the flags, the file, the section); the result's `rules` are those parsed scopes
 * and its `manifest` their canonical view, which maps back to them without parsing
 * (createSubject, planPreopens, the prompt's ceiling and the hints all take it as it is).
 * Throws UndeclaredCapabilityError (64) for an allow flag beyond the embedded manifest
 * without `--allow-undeclared`.
 */
export function policyFromOptions(
  caps: CapabilityOptions,
  embedded: ProvenanceReading | undefined,
  defaultGrants?: CanonicalManifest,
): AssembledPolicy {
  const ceiling = embedded?.status === 'verified' ? embedded.manifest : undefined;
  const resolved = resolvePolicy({
    embedded: ceiling,
    manifest: caps.manifest,
    allowFlags: caps.allow,
    denyFlags: caps.deny,
    defaultGrants,
    allowUndeclared: caps.allowUndeclared,
  });
  return { ...resolved, ceiling, hints: { embedded: ceiling, denyFlags: caps.deny, policy: resolved.manifest } };
}

/**
 * How a denial says how to fix it (SPEC section 8, Deno style): the flag that would grant it,
 * "not declared in the manifest" only when the binary has one (and then `--allow-undeclared`
 * too), or the deny flag that took it away. Used for the CLI's one line when a capability
 * trap ends the guest, and for the one line per DISTINCT denial that does not trap (a
 * `--deny-read` making an open fail with `access`), written on the guest's stderr sink so
 * that it is ordered with the guest's own output and always starts a line.
 * Platform-neutral: no `node:` or DOM imports.
 */
import type { AuditRecord, DenialSink } from '../gate/audit.js';
import { escapeForTerminal } from '../gate/prompt.js';
import { SHOWN_GUEST_TEXT_CHARS, shownGuestText } from '../gate/target-string.js';
import type { OutputSink } from '../gate/types.js';
import { isCapabilityName } from '../policy/capabilities.js';
import { CompiledPolicy } from '../policy/policy.js';
import { PolicyRules } from '../policy/rules.js';
import type { CanonicalManifest, CheckTarget, Decision } from '../policy/types.js';

/** What a hint is worked out from: plain data, so it crosses to a worker as it is. */
export interface DenialHintContext {
  /** The binary's verified embedded manifest (the ceiling), when it has one. */
  readonly embedded?: CanonicalManifest | undefined;
  /** The command line's deny flags (`--deny-…`), in a manifest's `deny` section. */
  readonly denyFlags?: CanonicalManifest | undefined;
  /** The resolved policy: its deny rules (from any source) are not lifted by an allow flag. */
  readonly policy?: CanonicalManifest | undefined;
  /** The name the lines start with. Default `molt-wasm`. */
  readonly tool?: string | undefined;
}

/** The flag spelling of each capability (SPEC section 3). */
const FLAG: Readonly<Record<string, string>> = {
  'console.write': 'console',
  net: 'net',
  'fs.read': 'read',
  'fs.write': 'write',
  env: 'env',
  time: 'time',
};

/** A target as a flag scope: a path, an env name, `host`, `host:port`, `[v6]:port`. */
function scopeOf(t: CheckTarget): string {
  switch (t.kind) {
    case 'path':
      return t.path;
    case 'env':
      return t.name;
    case 'net': {
      const host = t.host.includes(':') ? `[${t.host}]` : t.host;
      return t.port === undefined ? host : `${host}:${t.port}`;
    }
  }
}

/**
 * Whether a flag's value can say `scope` and nothing else: the guest chose it, and a comma is
 * the flags' separator (a lookup of `api.example.com,169.254.169.254` would have the notice
 * advise granting both), whitespace splits a pasted command line, and a control or bidi
 * character shows one thing and pastes another.
 */
function isFlagValue(scope: string): boolean {
  return scope.length > 0 && scope.length <= SHOWN_GUEST_TEXT_CHARS && !/[,\s]/.test(scope) && escapeForTerminal(scope) === scope;
}

/**
 * `--allow-time`, `--allow-read=/data/x`, `--allow-net=api.example.com:443`; null when the
 * target is no scope a flag can name exactly (isFlagValue): then no flag is advised.
 */
export function grantingFlag(capability: string, target?: CheckTarget): string | null {
  const suffix = FLAG[capability] ?? capability;
  if (target === undefined) return `--allow-${suffix}`;
  const scope = scopeOf(target);
  return isFlagValue(scope) ? `--allow-${suffix}=${scope}` : null;
}

/**
 * A guest-chosen string (a path, a name) as a notice shows it: cut (shownGuestText) and with
 * every character a terminal would act on escaped (escapeForTerminal). A notice is the host's
 * own line on the operator's terminal, written even when the guest has no `console.write`:
 * raw, a denied open of `x\nmolt-wasm: ...` or of ESC sequences wrote the guest's text there.
 */
function shownOnTerminal(text: string): string {
  return escapeForTerminal(shownGuestText(text));
}

/** A context's manifests compiled once (a manifest the policy core made is not parsed again). */
interface CompiledHints {
  readonly embedded: CompiledPolicy | undefined;
  /** The deny flags' rules, whichever section holds them, as deny rules. */
  readonly denyFlags: CompiledPolicy | undefined;
  readonly policy: CompiledPolicy | undefined;
}

const compiledHints = new WeakMap<DenialHintContext, CompiledHints>();

function compile(ctx: DenialHintContext): CompiledHints {
  let c = compiledHints.get(ctx);
  if (c === undefined) {
    const of = (m: CanonicalManifest | undefined): CompiledPolicy | undefined =>
      m === undefined ? undefined : CompiledPolicy.fromRules(PolicyRules.fromManifest(m));
    const flags = ctx.denyFlags === undefined ? undefined : PolicyRules.fromManifest(ctx.denyFlags);
    c = {
      embedded: of(ctx.embedded),
      // Every entry of the deny flags' manifest is a denial (resolvePolicy's layer 4).
      denyFlags:
        flags === undefined ? undefined : CompiledPolicy.fromRules(PolicyRules.EMPTY.withDenies(flags.deny).withDenies(flags.allow)),
      policy: of(ctx.policy),
    };
    compiledHints.set(ctx, c);
  }
  return c;
}

/** Whether the deny rules of `p` alone cover this check (as under a wholesale allow). */
function deniedBy(p: CompiledPolicy | undefined, capability: string, target: CheckTarget | undefined): boolean {
  if (p === undefined || !isCapabilityName(capability)) return false;
  const d = p.rules.deny.get(capability);
  if (d === undefined) return false;
  if (d === true || target === undefined) return d === true;
  return p.denies(capability, target);
}

/**
 * Why the check was denied and how to fix it, after the operation: `; run again with
 * --allow-time`, `, not declared in the manifest; run again with --allow-time
 * --allow-undeclared`, `, denied by --deny-read`. Empty when no flag can change it.
 * `decision`, when the engine's is at hand, says whether a deny rule decided
 * (`denied`/`revoked`: then which source holds it is looked up) and whether the target lies
 * outside the ceiling; without it the context's manifests answer both.
 */
export function denialHint(ctx: DenialHintContext, capability: string, target?: CheckTarget, decision?: Decision): string {
  const suffix = FLAG[capability] ?? capability;
  const c = compile(ctx);
  const why = decision?.reason.kind;
  // A decision that was not a denial by a rule rules out every source of deny rules: they all
  // are in the live policy, and only a revocation's own denies are ever lifted. A target the
  // policy cannot read is held against every deny list, as any deny rule refuses it.
  const byRule = why === undefined || why === 'denied' || why === 'revoked' || why === 'malformed-target';
  if (byRule) {
    if (deniedBy(c.denyFlags, capability, target)) return `, denied by --deny-${suffix}`;
    if (deniedBy(c.embedded, capability, target)) return ', denied by the manifest';
    if (deniedBy(c.policy, capability, target)) return ', denied by the policy';
  }
  const flag = grantingFlag(capability, target);
  if (flag === null) return '';
  const outside =
    why === 'outside-ceiling' ||
    (c.embedded !== undefined && (!isCapabilityName(capability) || c.embedded.check(capability, target) !== 'ok'));
  if (outside && c.embedded !== undefined) {
    return `, not declared in the manifest; run again with ${flag} --allow-undeclared`;
  }
  return `; run again with ${flag}`;
}

/**
 * Denials that are part of a normal answer and would only be noise: the per-variable
 * filtering inside a granted get-environment listing (the listing itself is reported when
 * `env` is missing), initial-cwd answering `none`, and get-directories hiding a preopen
 * (it asks fs.read, then fs.write, so a listed directory can carry a denial; a `--dir` no
 * grant covers is warned about before the run instead).
 */
function isQuiet(record: AuditRecord): boolean {
  if (record.source === 'prompt') return true; // the user just answered it
  if (record.operation.endsWith('#initial-cwd') || record.operation.endsWith('#get-directories')) return true;
  return record.capability === 'env' && record.target !== null && record.operation.endsWith('#get-environment');
}

/** One line for a denial that did not trap, e.g. `denied fs.read on /x (wasi:…#open-at); run again with …`. */
export function denialNotice(ctx: DenialHintContext, record: AuditRecord, checked?: CheckTarget, decision?: Decision): string {
  const on = record.target === null ? '' : ` on ${shownOnTerminal(record.target)}`;
  const head = `${ctx.tool ?? 'molt-wasm'}: denied ${record.capability}${on} (${record.operation})`;
  if (record.code === 'escape') return `${head}: the path leaves its preopened directory`;
  if (record.code === 'host-header') return `${head}: the Host header names another host than the request's authority`;
  if (record.code === 'request-header') return `${head}: the request sets a header only the host may set (it frames the message)`;
  if (record.code === 'request-target') return `${head}: the request target is not a path (it would name another host than the authority)`;
  // A scoped check without its structured target (an address a name resolved to) gets no flag.
  if (record.target !== null && checked === undefined) return head;
  return head + denialHint(ctx, record.capability, checked, decision);
}

/**
 * The stderr sink with denial notices woven in: `stderr` passes the guest's bytes through and
 * remembers whether its last line is open; `denials` writes one line per distinct denial
 * (capability, operation, target), starting a new line first when the guest left one open;
 * `endOpenLine` ends an open line (before the host prints its own message after a trap).
 */
/**
 * Distinct denials one guest gets a notice for; after them one line says the rest are not
 * shown. A guest chooses its targets: without a bound, denied opens of distinct paths (or
 * lookups of distinct names, as long as the guest's memory) made the host remember and print
 * each one, 100000 of them 400 MB of stderr and 526 MiB of host memory from a guest of 64 KiB.
 */
export const MAX_DENIAL_NOTICES = 100;
/** A guest-chosen target is shown up to this many characters in a notice. */
export const NOTICE_TARGET_CHARS = SHOWN_GUEST_TEXT_CHARS;

export class DenialNotices {
  readonly #sink: OutputSink;
  readonly #ctx: DenialHintContext;
  readonly #seen = new Set<string>();
  #silenced = false;
  #lineOpen = false;

  constructor(sink: OutputSink, ctx: DenialHintContext) {
    this.#sink = sink;
    this.#ctx = ctx;
  }

  readonly stderr: OutputSink = (bytes) => {
    if (bytes.length > 0) this.#lineOpen = bytes[bytes.length - 1] !== 0x0a;
    this.#sink(bytes);
  };

  readonly denials: DenialSink = (record, checked, decision) => {
    if (isQuiet(record) || this.#silenced) return;
    const key = `${record.capability}\u0000${record.operation}\u0000${shownGuestText(record.target ?? '')}`;
    if (this.#seen.has(key)) return;
    if (this.#seen.size >= MAX_DENIAL_NOTICES) {
      this.#silenced = true;
      this.#seen.clear();
      const tool = this.#ctx.tool ?? 'molt-wasm';
      this.#write(`${tool}: ${MAX_DENIAL_NOTICES} denials shown; further ones are not (--audit-log records every decision)\n`);
      return;
    }
    this.#seen.add(key);
    this.#write(denialNotice(this.#ctx, record, checked, decision) + '\n');
  };

  /** Ends the guest's open stderr line, if any, so that what follows starts a line. */
  endOpenLine(): void {
    if (!this.#lineOpen) return;
    this.#lineOpen = false;
    this.#sink(new Uint8Array([0x0a]));
  }

  /** Writes one whole line of the host's own (`text` ends with a newline). */
  #write(text: string): void {
    this.endOpenLine();
    this.#sink(new TextEncoder().encode(text));
  }
}

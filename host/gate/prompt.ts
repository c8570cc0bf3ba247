/**
 * Interactive permission prompts (SPEC section 8 `--prompt`, deka's prompt rules): the hook a
 * gate calls when the live policy denies an operation, the question it asks, the escaping
 * that keeps a guest from painting a fake question, and the rules for what an answer may
 * grant (SPEC section 3: the embedded manifest is the ceiling; beyond it only under
 * `--allow-undeclared`, audited). Platform-neutral: the asking itself is a callback (a
 * terminal in the CLI, a confirm dialog in a browser).
 */
import type { SubjectHandle } from '../policy/engine.js';
import { CompiledPolicy } from '../policy/policy.js';
import { parseHost } from '../policy/scopes/net.js';
import type { CanonicalManifest, CapabilityName, CheckResult, CheckTarget, Decision, SubjectId } from '../policy/types.js';
import type { Operation } from './operation.js';
import { targetString } from './target-string.js';
import { escapeForTerminal } from '../terminal-text.js';

/**
 * `once`: allow this call only. `always`: grant `PromptQuestion.scope` for the rest of the
 * run. `deny`: deny this call only (the next one asks again). `never`: deny the target (the
 * capability, when unscoped) for the rest of the run, without asking again. `deny-all`: deny
 * this call and every later request of this capability by this guest, without asking (what
 * the policy grants stays granted).
 */
export type PromptAnswer = 'once' | 'always' | 'deny' | 'never' | 'deny-all';

/**
 * Question flood bound: after PROMPT_BURST questions about one capability for one guest
 * within PROMPT_WINDOW_MS, every later request of that capability is denied without asking
 * for the rest of the run (audited `answer: "unasked"`). A guest cannot make the user answer
 * an endless stream of questions until one is answered yes by habit.
 */
export const PROMPT_BURST = 10;
export const PROMPT_WINDOW_MS = 10_000;

/** What a prompt callback is asked. Every string field is raw; `text` is the escaped question. */
export interface PromptQuestion {
  readonly subject: SubjectId;
  /** Capability name, e.g. `fs.read`. */
  readonly capability: string;
  /** `interface#function`, e.g. `wasi:filesystem/types#descriptor.open-at`. */
  readonly operation: string;
  /** The raw target (guest path, host[:port], variable name); null when unscoped. Guest-controlled. */
  readonly target: string | null;
  /** What `always` grants: a canonical scope, a list of them (the ceiling's), or null for the whole capability. */
  readonly scope: string | readonly string[] | null;
  /** True when granting goes beyond the embedded manifest (only asked under `--allow-undeclared`). */
  readonly undeclared: boolean;
  /**
   * The question, one line, every guest-controlled part escaped with escapeForTerminal:
   * `Allow read access to /data/in.txt? [y]es once / [a]lways for /data / [n]o / [N]ever for this run`.
   */
  readonly text: string;
}

/** Asks synchronously (the guest is paused inside its call). Throwing counts as `deny`. */
export type PromptCallback = (question: PromptQuestion) => PromptAnswer;

/** Extra audit fields for a decision a prompt took. */
export interface PromptAuditFields {
  readonly source: 'prompt';
  /** `unasked`: denied without a question (after `deny-all`, or past the question bound). */
  readonly answer: PromptAnswer | 'listed' | 'unasked';
  /** What `always` granted or `never` denied (canonical scopes), when anything. */
  readonly scope?: string;
  /** Granted beyond the embedded manifest under `--allow-undeclared`. */
  readonly undeclared?: true;
}

/** The prompt's verdict on one denied check; `audit` is absent when nobody was asked. */
export interface PromptOutcome {
  readonly allow: boolean;
  readonly audit?: PromptAuditFields;
}

/**
 * What the gate calls when the policy denied: the subject's handle (to apply an answer),
 * the engine's decision with its reason (a denial by a rule is never asked about), and the
 * operation with its kind.
 */
export interface GatePrompt {
  decide(subject: SubjectHandle, decision: Decision, capability: string, target: CheckTarget | undefined, op: Operation): PromptOutcome;
}

/**
 * The engine a prompt serves (PolicyEngine satisfies it). The prompt itself works through
 * the subject handle each decision hands it.
 */
export interface PromptPolicy {
  check(subject: SubjectId, capability: string, target?: CheckTarget): CheckResult;
  handle(subject: SubjectId): SubjectHandle;
}

export interface PromptGateOptions {
  /** The engine whose subjects' denials this prompt answers (decisions carry their subject's handle). */
  readonly engine: PromptPolicy;
  readonly ask: PromptCallback;
  /** The embedded manifest (the ceiling). Absent: the binary carries none, nothing limits a prompt. */
  readonly ceiling?: CanonicalManifest;
  /** `--allow-undeclared`: a prompt may grant beyond the ceiling (each such grant audited). Default false. */
  readonly allowUndeclared?: boolean;
  /** The clock for the question bound (ms); default `Date.now` (tests inject one). */
  readonly now?: () => number;
}

// ---------------------------------------------------------------------------- escaping

// escapeForTerminal lives in host/terminal-text.ts (a leaf module, used outside the gate too).
export { escapeForTerminal };

// ---------------------------------------------------------------------------- questions

const ACCESS: Readonly<Record<string, string>> = {
  'fs.read': 'read',
  'fs.write': 'write',
  net: 'net',
  env: 'env',
  time: 'time',
  'console.write': 'console',
};

/**
 * What `always` broadens a target to: the parent directory of a path (`/data/in.txt` ->
 * `/data`; `/` stays `/`), the host of a net target (any port), the name itself for env.
 * Null (the whole capability) without a target.
 */
export function broadenScope(target: CheckTarget | undefined): string | null {
  if (target === undefined) return null;
  switch (target.kind) {
    case 'path': {
      const p = target.path.replace(/\/+$/, '');
      const cut = p.lastIndexOf('/');
      if (cut < 0) return p === '' ? '/' : '.';
      return cut === 0 ? '/' : p.slice(0, cut);
    }
    case 'net':
      return target.host;
    case 'env':
      return target.name;
  }
}

/** The one-line question (every guest-controlled part escaped). */
export function formatQuestion(capability: string, target: string | null, scope: string | readonly string[] | null): string {
  const access = ACCESS[capability] ?? escapeForTerminal(capability);
  const what = target === null ? '' : ` to ${escapeForTerminal(target)}`;
  const always =
    scope === null
      ? '[a]lways'
      : `[a]lways for ${typeof scope === 'string' ? escapeForTerminal(scope) : scope.map(escapeForTerminal).join(', ')}`;
  return `Allow ${access} access${what}? [y]es once / ${always} / [n]o / [d]eny all ${access} requests / [N]ever for this run`;
}

/** Parses a typed answer: `y`/`yes`, `a`/`always`, `n`/`no`, `d`/`deny all`, `N`/`never`; anything else is undefined. */
export function parseAnswer(line: string): PromptAnswer | undefined {
  const s = line.replace(/\r?\n$/, '').trim();
  if (s === 'N' || s === 'never' || s === 'Never') return 'never';
  switch (s.toLowerCase()) {
    case 'y':
    case 'yes':
      return 'once';
    case 'a':
    case 'always':
      return 'always';
    case 'n':
    case 'no':
      return 'deny';
    case 'd':
    case 'deny all':
    case 'deny-all':
      return 'deny-all';
  }
  return undefined;
}

// ---------------------------------------------------------------------------- the gate hook

/** Calls on an already opened descriptor or stream: covered by the `once` that opened (or stat-ed) it. */
function isContinuation(op: Operation): boolean {
  // preview1's path_filestat_get follows stat-at with metadata-hash-at on the same path.
  return op.kind === 'fs-handle' || op.kind === 'fs-path-follow-up';
}

/** Whether an operation is on the filesystem (an answer `once` there covers the opened handle). */
function isFilesystem(op: Operation): boolean {
  return op.kind === 'fs-path' || op.kind === 'fs-path-follow-up' || op.kind === 'fs-handle';
}

/**
 * The GatePrompt for one engine: decides which denials may be asked about, asks, and applies
 * the answer to the live policy. Never asked: explicit denials (manifest, `--deny-…`, an
 * earlier `never`: deny always wins), invalid subjects or capabilities, targets beyond the
 * embedded manifest without `allowUndeclared`, and the per-variable filtering inside
 * `get-environment` (the listing itself is asked about once).
 */
export class PromptGate implements GatePrompt {
  readonly #ask: PromptCallback;
  readonly #ceiling: CompiledPolicy | undefined;
  readonly #ceilingManifest: CanonicalManifest | undefined;
  readonly #allowUndeclared: boolean;
  /** `subject\0cap\0target` allowed `once` at open: their handle's reads and writes pass. */
  readonly #once = new Set<string>();
  readonly #now: () => number;
  /** `subject\0cap` never asked about again (deny-all, or the question bound reached). */
  readonly #silenced = new Set<string>();
  /** `subject\0cap` -> when its recent questions were asked (at most PROMPT_BURST kept). */
  readonly #asked = new Map<string, number[]>();

  constructor(options: PromptGateOptions) {
    this.#ask = options.ask;
    this.#ceilingManifest = options.ceiling;
    this.#ceiling = options.ceiling === undefined ? undefined : CompiledPolicy.fromManifest(options.ceiling);
    this.#allowUndeclared = options.allowUndeclared === true;
    this.#now = options.now ?? Date.now;
  }

  decide(handle: SubjectHandle, decision: Decision, capability: string, target: CheckTarget | undefined, op: Operation): PromptOutcome {
    const no: PromptOutcome = { allow: false };
    // Only an absence of a grant is asked about: never a denial by a rule (manifest,
    // `--deny-…`, an earlier `never`, a revocation: deny always wins), never an invalid
    // subject or capability.
    if (decision.code !== 'missing') return no;
    // A net target that is no host name or address (`*.com`, `10.0.0.0/8`: a guest's lookup
    // name or authority) is nothing the policy could allow, and `always` would grant it as a
    // pattern (a wildcard, a CIDR): refused without a question.
    if (target?.kind === 'net' && parseHost(target.host) === null) return no;
    const why = decision.reason.kind;
    if (why === 'denied' || why === 'revoked') return no;
    const cap = capability as CapabilityName;
    const withinCeiling = why !== 'outside-ceiling' && (this.#ceiling === undefined || this.#ceiling.check(cap, target) === 'ok');
    if (!withinCeiling && !this.#allowUndeclared) return no;
    const subject = handle.id;
    const key = `${subject}\0${capability}\0${targetString(target) ?? ''}`;

    if (op.kind === 'preopens-listing') {
      // Listing a `--dir` preopen grants nothing: every access through it is asked about.
      return { allow: true, audit: { source: 'prompt', answer: 'listed' } };
    }
    if (op.kind === 'environment-listing' && target !== undefined) return no;
    if (isContinuation(op) && this.#once.has(key)) {
      return { allow: true, audit: { source: 'prompt', answer: 'once' } };
    }

    const kind = `${subject}\0${capability}`;
    if (this.#silenced.has(kind) || this.#overBound(kind)) {
      this.#silenced.add(kind);
      return { allow: false, audit: { source: 'prompt', answer: 'unasked' } };
    }

    const scope = this.#alwaysScope(cap, target, withinCeiling);
    const undeclared = !withinCeiling;
    const raw = targetString(target);
    let answer: PromptAnswer;
    try {
      answer = this.#ask({
        subject,
        capability,
        operation: `${op.iface}#${op.func}`,
        target: raw,
        scope,
        undeclared,
        text: formatQuestion(capability, raw, scope),
      });
    } catch {
      answer = 'deny';
    }
    const u = undeclared ? ({ undeclared: true } as const) : {};
    switch (answer) {
      case 'once':
        if (isFilesystem(op)) this.#once.add(key);
        return { allow: true, audit: { source: 'prompt', answer, ...u } };
      case 'always': {
        const scopes = scope === null ? [undefined] : typeof scope === 'string' ? [scope] : scope;
        for (const s of scopes) handle.grant(capability, s);
        const shown = scope === null ? undefined : typeof scope === 'string' ? scope : scope.join(',');
        // The grant may be narrower than the target in odd cases: the call itself is allowed.
        return { allow: true, audit: { source: 'prompt', answer, ...(shown !== undefined ? { scope: shown } : {}), ...u } };
      }
      case 'never': {
        // The target itself (the whole capability when unscoped): what the manifest already
        // grants elsewhere stays granted.
        const t = raw ?? undefined;
        try {
          handle.deny(capability, t);
        } catch {
          handle.deny(capability);
        }
        this.#drop(subject, capability);
        return { allow: false, audit: { source: 'prompt', answer, ...(t !== undefined ? { scope: t } : {}) } };
      }
      case 'deny-all':
        this.#silenced.add(kind);
        return { allow: false, audit: { source: 'prompt', answer } };
      default:
        return { allow: false, audit: { source: 'prompt', answer: 'deny' } };
    }
  }

  /** Records one question about `kind`; true when PROMPT_BURST were already asked within the window. */
  #overBound(kind: string): boolean {
    const t = this.#now();
    const recent = (this.#asked.get(kind) ?? []).filter((at) => t - at < PROMPT_WINDOW_MS);
    if (recent.length >= PROMPT_BURST) return true;
    recent.push(t);
    this.#asked.set(kind, recent);
    return false;
  }

  /** What `always` grants: the broadened scope, kept inside the ceiling when the target is. */
  #alwaysScope(cap: CapabilityName, target: CheckTarget | undefined, withinCeiling: boolean): string | readonly string[] | null {
    const broad = broadenScope(target);
    if (!withinCeiling || this.#ceiling === undefined) return broad;
    if (target === undefined) {
      const c = this.#ceilingManifest!.allow[cap];
      return c === undefined || c === true ? null : c;
    }
    const probe: CheckTarget | undefined =
      broad === null
        ? undefined
        : target.kind === 'path'
          ? { kind: 'path', path: broad }
          : target.kind === 'net'
            ? { kind: 'net', host: broad }
            : { kind: 'env', name: broad };
    if (probe !== undefined && this.#ceiling.check(cap, probe) === 'ok') {
      // A host scope without a port must be covered for every port: check one the target did not name.
      if (target.kind !== 'net' || target.port === undefined) return broad;
    }
    // The broadening would leave the ceiling: grant the target itself.
    return targetString(target);
  }

  #drop(subject: SubjectId, capability: string): void {
    const prefix = `${subject}\0${capability}\0`;
    for (const k of [...this.#once]) if (k.startsWith(prefix)) this.#once.delete(k);
  }
}

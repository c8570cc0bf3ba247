/**
 * Which filesystem capabilities the live policy allowed at which guest paths, remembered only
 * while the policy is unchanged. Every read, write and open of a guest asks the policy about
 * the same few paths (its file's path, on every read), and a scoped check costs far more than
 * the system call it guards; this answers those again without asking.
 *
 * Why it is sound (the policy is live: a revocation counts at the next call):
 * - only `ok` answers are kept, so a denial is always asked afresh;
 * - every entry belongs to one policy generation (PolicyChecker.generation, which the engine
 *   changes on every grant, revoke, deny and dropped subject); the first question after a
 *   change finds a different generation and forgets everything;
 * - it is used only when the gate records nothing and prompts for nothing: then an allowed
 *   check has no other effect than its answer. With an audit sink or a prompt, every check
 *   goes to the gate.
 * An engine without a generation gets no cache. Platform-neutral.
 */
import type { Gate } from '../gate.js';

/** Entries kept at most; past it the map starts over (a guest walking many paths). */
const MAX_ENTRIES = 1024;

export class AllowedPaths {
  static readonly READ = 1;
  static readonly WRITE = 2;

  readonly #engine: { readonly generation?: number | undefined };
  #generation = -1;
  readonly #allowed = new Map<string, number>();

  private constructor(engine: { readonly generation?: number | undefined }) {
    this.#engine = engine;
  }

  /** A cache for this gate's filesystem checks, or undefined when checks must all reach the gate. */
  static forGate(gate: Gate): AllowedPaths | undefined {
    if (gate.audit !== undefined || gate.prompt !== undefined) return undefined;
    if (typeof gate.engine.generation !== 'number') return undefined;
    return new AllowedPaths(gate.engine);
  }

  /** The policy generation now; pass it to `add` with the answer asked under it. */
  generation(): number {
    return this.#engine.generation ?? -1;
  }

  /** Whether capability `bit` was allowed at `path` under the current policy generation. */
  has(path: string, bit: number): boolean {
    const now = this.#engine.generation;
    if (now !== this.#generation) {
      this.#allowed.clear();
      this.#generation = now ?? -1;
      return false;
    }
    return ((this.#allowed.get(path) ?? 0) & bit) !== 0;
  }

  /** Remembers that `bit` was allowed at `path`, asked under `generation` (ignored if it changed since). */
  add(path: string, bit: number, generation: number): void {
    if (generation !== this.#generation || generation !== this.#engine.generation) return;
    if (this.#allowed.size >= MAX_ENTRIES) this.#allowed.clear();
    this.#allowed.set(path, (this.#allowed.get(path) ?? 0) | bit);
  }
}

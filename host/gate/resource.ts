import { ResourceLimitTrap } from './host-limits.js';

/** The key jco calls when a guest drops a resource (`Symbol.for('dispose')` where Symbol.dispose is missing). */
const DISPOSE: symbol = Symbol.dispose ?? Symbol.for('dispose');

/** Disposes a platform resource (resources without a destructor, and nothing, are left). */
export function disposeInner(inner: object | null | undefined): void {
  const fn = (inner as Record<symbol, unknown> | null | undefined)?.[DISPOSE];
  if (typeof fn === 'function') fn.call(inner);
}

/**
 * The guest ended: empties `open` and closes each thing it held. One that cannot be closed
 * must not keep the others open.
 */
export function closeEachLeftOpen<T>(open: Set<T>, close: (item: T) => void): void {
  const all = [...open];
  open.clear();
  for (const item of all) {
    try {
      close(item);
    } catch {
      // closed or not, the next one is closed too
    }
  }
}

/**
 * One guest's live resources of the kinds it makes without a capability (`new fields()`,
 * `fields.from-list`, `new outgoing-request`, ...): each is a host object kept in jco's
 * resource table until the guest drops it, so without a bound a guest with no capability and
 * a few KiB of memory grows the host heap without end (the Wasmtime GHSA-243v-98vx-264h
 * family). Counted when made; uncounted when the guest drops it (jco calls its
 * Symbol.dispose, which `make` wraps) or hands it to the host (`release`, for the calls that
 * take ownership: a constructor argument, `handle`, `set`). Past `max` the guest traps
 * (ResourceLimitTrap): these constructors have no error channel, and the result-returning
 * ones (`from-list`) have no error that means "too many".
 */
export class LiveResources {
  #live = 0;
  readonly #counted = new WeakSet<object>();

  constructor(
    readonly max: number,
    /** Where the bound is set, for the trap's message (`--max-http-resources`). */
    readonly setting: string,
  ) {}

  /** How many are live now. */
  get live(): number {
    return this.#live;
  }

  /** Makes one with `make` (not called when the bound is reached) and counts it until it is dropped or released. */
  make<T extends object>(operation: string, make: () => T): T {
    if (this.#live >= this.max) throw new ResourceLimitTrap(operation, this.max, this.setting);
    const made = make();
    if (this.#counted.has(made)) return made;
    this.#counted.add(made);
    this.#live++;
    const own = (made as Record<symbol, unknown>)[DISPOSE];
    Object.defineProperty(made, DISPOSE, {
      configurable: true,
      writable: true,
      value: () => {
        this.release(made);
        if (typeof own === 'function') own.call(made);
      },
    });
    return made;
  }

  /** `item` is the guest's no longer (dropped, or handed to the host); once per item, anything else is ignored. */
  release(item: unknown): void {
    if (typeof item === 'object' && item !== null && this.#counted.delete(item)) this.#live--;
  }
}

import { ResourceLimitTrap } from './host-limits.js';

/** The key jco calls when a guest drops a resource (`Symbol.for('dispose')` where Symbol.dispose is missing). */
export const DISPOSE: symbol = Symbol.dispose ?? Symbol.for('dispose');

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
 * One guest's live resources of some kind: each is a host object kept in jco's resource
 * table until the guest drops it, so without a bound a guest with a few KiB of memory grows
 * the host heap without end (the Wasmtime GHSA-243v-98vx-264h family). Two are kept per
 * guest: the `wasi:http/types` resources it makes without a capability (HttpGuestResources,
 * `--max-http-resources`) and every resource a call hands it (host/gate/held.ts,
 * `--max-host-resources`).
 *
 * Counted per HANDLE, not per object: jco gives a new handle (and a new entry in its capture
 * table) each time a call returns a resource, the same object or not (`outgoing-request.headers()`
 * returns the request's one fields every time), and calls the object's Symbol.dispose once per
 * handle the guest drops. So each return counts one, each drop (jco calls Symbol.dispose, which
 * hookDispose hooks) or hand-over to the host (`release`, for the calls that take ownership: a
 * constructor argument, `handle`, `set`) uncounts one. Past `max` the guest traps
 * (ResourceLimitTrap): the calls that hand out resources have no error channel, and the
 * result-returning ones (`from-list`) have no error that means "too many".
 */
/** Every counter holding a handle to an object (one object can count for both bounds). */
const countersOf = new WeakMap<object, LiveResources[]>();
/** The dispose hooks installed (below), and the prototypes and objects that have one. */
const hooks = new WeakSet<object>();
const hooked = new WeakSet<object>();

/**
 * Makes jco's drop of `item` (its Symbol.dispose, called once per handle the guest drops)
 * release it from every counter that holds it. The hook goes on the item's class prototype,
 * once per process: a hook on every object handed out cost a closure and a new hidden class
 * per object (~3 us per descriptor opened in the component fs loop). An object no counter
 * holds goes straight through. An item with its own Symbol.dispose, or no class, is hooked
 * itself.
 */
function hookDispose(item: object): void {
  const proto = Object.getPrototypeOf(item) as object | null;
  const target = Object.prototype.hasOwnProperty.call(item, DISPOSE) || proto === null || proto === Object.prototype ? item : proto;
  if (hooked.has(target)) return;
  hooked.add(target);
  const inner = (target as Record<symbol, unknown>)[DISPOSE];
  // Inherited from a class hooked already (serve's request body extends IncomingBody): that hook releases, once.
  if (typeof inner === 'function' && hooks.has(inner)) return;
  const hook = function (this: object): void {
    const counters = countersOf.get(this);
    if (counters !== undefined) for (const c of counters) c.release(this);
    if (typeof inner === 'function') (inner as (this: object) => void).call(this);
  };
  hooks.add(hook);
  Object.defineProperty(target, DISPOSE, { configurable: true, writable: true, value: hook });
}

export class LiveResources {
  #live = 0;
  /** Each object's handles the guest holds (absent: none). */
  readonly #handles = new WeakMap<object, number>();

  constructor(
    readonly max: number,
    /** Where the bound is set, for the trap's message (`--max-http-resources`). */
    readonly setting: string,
    /** What is counted, for the trap's message. */
    readonly what = 'resources it made without a capability',
  ) {}

  /** How many are live now. */
  get live(): number {
    return this.#live;
  }

  /** Traps when the guest holds `max` already: before a call that would hand it one more. */
  check(operation: string): void {
    if (this.#live >= this.max) throw new ResourceLimitTrap(operation, this.max, this.setting, this.what);
  }

  /** Makes one with `make` (not called when the bound is reached) and counts it until it is dropped or released. */
  make<T extends object>(operation: string, make: () => T): T {
    this.check(operation);
    const made = make();
    this.count(made);
    return made;
  }

  /** The guest got one more handle to `item` (a call returned it); its drop releases it (hookDispose). */
  count(item: object): void {
    const n = this.#handles.get(item);
    this.#handles.set(item, (n ?? 0) + 1);
    this.#live++;
    if (n !== undefined) return;
    const counters = countersOf.get(item);
    if (counters === undefined) countersOf.set(item, [this]);
    else if (!counters.includes(this)) counters.push(this);
    hookDispose(item);
  }

  /** One handle to `item` is the guest's no longer (dropped, or handed to the host); anything not counted is ignored. */
  release(item: unknown): void {
    if (typeof item !== 'object' || item === null) return;
    const n = this.#handles.get(item);
    if (n === undefined) return;
    if (n <= 1) this.#handles.delete(item);
    else this.#handles.set(item, n - 1);
    this.#live--;
  }
}

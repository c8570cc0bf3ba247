/**
 * Pooled linear memories for `molt-wasm serve` (one pool per serving worker). A fresh V8
 * linear memory is expensive: a guard-region reservation, page-table setup, zero pages
 * faulted in, and an unmap with TLB shootdowns when the GC frees it. Wasmtime's pooling
 * allocator reuses and resets memories instead; so does this, for the core modules
 * memory-import.ts rewrote to import their memory.
 *
 * Isolation is the point of a fresh instance per request, so a memory goes back to the pool
 * only when nothing of the request that used it can reach it again, and only clean:
 *
 * - Every request's core instances are made through its own MemoryLease's `instantiateCore`
 *   (jco's `instantiate(getCoreModule, imports, instantiateCore)`). The lease hands jco
 *   wrapped exports: each exported function checks the lease before it enters the guest,
 *   each exported memory is a facade whose `buffer`/`grow` check it, each exported table or
 *   global a facade whose `get`/`value` hands out wrapped functions, and a funcref a wrapped
 *   function returns is wrapped too. `release()` revokes the lease: from then
 *   on no JavaScript (jco's glue, a late callback, a finalizer) can enter that request's wasm
 *   code or reach its memory through what the lease handed out; it throws instead. Wasm code
 *   of the request can only run when entered from JavaScript, and every entry is wrapped.
 *   Another core instance of the same request gets the real functions, memories and tables
 *   (unwrapped by this lease only: another lease's wrappers stay wrappers), so calls between
 *   a request's own instances are direct.
 * - A memory is not returned while a wrapped call is still in progress (a call on the stack,
 *   or one suspended: nothing of the request may still run), nor when its size is not the
 *   size it was declared with (the guest grew it: dropped, a later request gets a new one).
 * - Before it is returned, `grow(0)` detaches every ArrayBuffer view of it anyone kept
 *   (jco's cached DataView, a host object), and the whole memory is zeroed. The next
 *   instance's data segments are written at its instantiation, as into a new memory.
 *
 * A worker's pool holds at most MAX_FREE memories per type; more are simply dropped.
 */
import { POOL_FIELD, POOL_NAMESPACE, type PooledMemoryType } from './memory-import.js';

const PAGE = 65536;
/** Free memories kept per memory type (a worker serves one request at a time). */
const MAX_FREE = 4;
const REVOKED = 'a core instance of a request that has ended was called (its memory may belong to another request now)';

type Imports = Record<string, Record<string, unknown>>;
type AnyFunction = (...args: unknown[]) => unknown;

function key(t: PooledMemoryType): string {
  return t.maximum === undefined ? `${t.initial}` : `${t.initial}-${t.maximum}`;
}

export class MemoryPool {
  readonly #types: ReadonlyMap<WebAssembly.Module, PooledMemoryType>;
  readonly #free = new Map<string, WebAssembly.Memory[]>();
  /** Memories made because none was free, and memories returned clean (for tests and measurement). */
  created = 0;
  reused = 0;

  /** `types`: the rewritten modules (memory-import.ts) and the memory type each imports. */
  constructor(types: ReadonlyMap<WebAssembly.Module, PooledMemoryType>) {
    this.#types = types;
  }

  /** A lease for one request's instances. */
  lease(): MemoryLease {
    return new MemoryLease(this);
  }

  /** @internal The memory type `module` imports from the pool, if it is a rewritten module. */
  typeOf(module: WebAssembly.Module): PooledMemoryType | undefined {
    return this.#types.get(module);
  }

  /** @internal A clean memory of type `t`. */
  take(t: PooledMemoryType): WebAssembly.Memory {
    const m = this.#free.get(key(t))?.pop();
    if (m !== undefined) {
      this.reused++;
      return m;
    }
    this.created++;
    return new WebAssembly.Memory(t.maximum === undefined ? { initial: t.initial } : { initial: t.initial, maximum: t.maximum });
  }

  /** @internal Takes back a memory its lease has cleaned. */
  give(t: PooledMemoryType, m: WebAssembly.Memory): void {
    const k = key(t);
    let list = this.#free.get(k);
    if (list === undefined) this.#free.set(k, (list = []));
    if (list.length < MAX_FREE) list.push(m);
  }
}

export class MemoryLease {
  readonly #pool: MemoryPool;
  #revoked = false;
  /** Wrapped calls in progress (entered, not yet returned or thrown). */
  #active = 0;
  readonly #taken: { readonly type: PooledMemoryType; readonly memory: WebAssembly.Memory }[] = [];
  /** What this lease handed out -> the real thing (only this lease's wrappers are unwrapped). */
  readonly #originals = new WeakMap<object, unknown>();
  /** The wrapper of each real function, so a table's function keeps one identity. */
  readonly #wrappers = new WeakMap<AnyFunction, AnyFunction>();

  constructor(pool: MemoryPool) {
    this.#pool = pool;
  }

  get revoked(): boolean {
    return this.#revoked;
  }

  /** jco's `instantiateCore`: synchronous, so no other task runs between a request's instances. */
  readonly instantiateCore = (module: WebAssembly.Module, imports?: Imports): { exports: Record<string, unknown> } => {
    this.#check();
    const real: Imports = {};
    if (imports !== undefined) {
      for (const ns of Object.keys(imports)) {
        const from = imports[ns]!;
        const to: Record<string, unknown> = {};
        for (const name of Object.keys(from)) to[name] = this.#unwrap(from[name]);
        real[ns] = to;
      }
    }
    const type = this.#pool.typeOf(module);
    if (type !== undefined) {
      const memory = this.#pool.take(type);
      // Recorded before instantiating: a failed instantiation (a trapping start function,
      // a data segment out of bounds) may have written into it too.
      this.#taken.push({ type, memory });
      real[POOL_NAMESPACE] = { [POOL_FIELD]: memory };
    }
    const instance = new WebAssembly.Instance(module, real as WebAssembly.Imports);
    const exports: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(instance.exports)) exports[name] = this.#wrap(value);
    return { exports };
  };

  /**
   * The request is over: nothing may enter its instances again, and its pooled memories go
   * back clean, unless a call is still in progress or the memory grew (then they are dropped).
   */
  release(): void {
    if (this.#revoked) return;
    this.#revoked = true;
    const taken = this.#taken.splice(0);
    if (this.#active !== 0) return;
    for (const { type, memory } of taken) {
      if (memory.buffer.byteLength !== type.initial * PAGE) continue;
      // Detaches every view of the old buffer, wherever it was kept.
      memory.grow(0);
      new Uint8Array(memory.buffer).fill(0);
      this.#pool.give(type, memory);
    }
  }

  #check(): void {
    if (this.#revoked) throw new WebAssembly.RuntimeError(REVOKED);
  }

  #unwrap(v: unknown): unknown {
    if ((typeof v !== 'object' && typeof v !== 'function') || v === null) return v;
    return this.#originals.has(v) ? this.#originals.get(v) : v;
  }

  #wrap(v: unknown): unknown {
    if (typeof v === 'function') return this.#wrapFunction(v as AnyFunction);
    if (v instanceof WebAssembly.Memory) return this.#memoryFacade(v);
    if (v instanceof WebAssembly.Table) return this.#tableFacade(v);
    // A global can hold a funcref of this request's code: a facade, like a table's.
    if (v instanceof WebAssembly.Global) return this.#globalFacade(v);
    // Tags hold no code and no memory: as they are.
    return v;
  }

  #wrapFunction(f: AnyFunction): AnyFunction {
    const known = this.#wrappers.get(f);
    if (known !== undefined) return known;
    // An arrow function: a wasm export ignores its receiver, and the lease is `this`.
    const wrapper = (...args: unknown[]): unknown => {
      this.#check();
      this.#active++;
      try {
        // A result can be a funcref (or several, with multi-value): wrapped too, or it would be
        // a way into this request's code that release() does not revoke.
        const r = f(...args);
        return typeof r === 'function' ? this.#wrap(r) : Array.isArray(r) ? r.map((v) => this.#wrap(v)) : r;
      } finally {
        this.#active--;
      }
    };
    this.#wrappers.set(f, wrapper);
    this.#originals.set(wrapper, f);
    return wrapper;
  }

  #memoryFacade(m: WebAssembly.Memory): WebAssembly.Memory {
    const check = (): void => this.#check();
    const facade = Object.create(WebAssembly.Memory.prototype, {
      buffer: {
        get(): ArrayBuffer {
          check();
          return m.buffer;
        },
      },
      grow: {
        value(delta: number): number {
          check();
          return m.grow(delta);
        },
      },
    }) as WebAssembly.Memory;
    this.#originals.set(facade, m);
    return facade;
  }

  #globalFacade(g: WebAssembly.Global): WebAssembly.Global {
    const check = (): void => this.#check();
    const wrap = (v: unknown): unknown => this.#wrap(v);
    const unwrap = (v: unknown): unknown => this.#unwrap(v);
    const value = {
      get(): unknown {
        check();
        return wrap(g.value);
      },
      set(v: unknown): void {
        check();
        g.value = unwrap(v);
      },
    };
    const facade = Object.create(WebAssembly.Global.prototype, {
      value,
      valueOf: {
        value(): unknown {
          return value.get();
        },
      },
    }) as WebAssembly.Global;
    this.#originals.set(facade, g);
    return facade;
  }

  #tableFacade(t: WebAssembly.Table): WebAssembly.Table {
    const check = (): void => this.#check();
    const wrap = (v: unknown): unknown => this.#wrap(v);
    const unwrap = (v: unknown): unknown => this.#unwrap(v);
    const facade = Object.create(WebAssembly.Table.prototype, {
      length: {
        get(): number {
          check();
          return t.length;
        },
      },
      get: {
        value(i: number): unknown {
          check();
          return wrap(t.get(i));
        },
      },
      set: {
        value(i: number, v?: unknown): void {
          check();
          t.set(i, unwrap(v) as never);
        },
      },
      grow: {
        value(delta: number, v?: unknown): number {
          check();
          return t.grow(delta, unwrap(v) as never);
        },
      },
    }) as WebAssembly.Table;
    this.#originals.set(facade, t);
    return facade;
  }
}

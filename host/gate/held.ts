/**
 * Every resource a call of the gated import object hands the guest is counted against one
 * bound per guest (`maxHostResources`, `--max-host-resources`), until the guest drops it or
 * hands it back. Why: jco keeps each returned resource in its handle and capture tables until
 * the guest drops it, and many of these calls need no capability and cost the guest four bytes
 * of memory: one million `input-stream.subscribe` calls grew `molt-wasm run`'s heap by ~300
 * MiB (each a host pollable, and an entry in preview2-shim's I/O worker), one million
 * `outgoing-request.headers()` by ~100 MiB (the same fields each time, but a new handle), so
 * `--max-memory` bounded nothing (the Wasmtime GHSA-243v-98vx-264h family).
 *
 * Which calls: HANDS_OUT, every WASI 0.2 function, constructor and method whose result holds an
 * own resource (test/gate/held-table.test.ts reads the WIT in wit/deps and fails when one is
 * missing). A handed-out resource gets, as its own properties, wrappers of its class's members
 * in the table (per instance, so one guest's counting never reaches another's objects); the
 * interfaces' functions and classes are wrapped in a copy of the import object.
 *
 * At the bound the call traps BEFORE the platform is asked (nothing is made), also when it
 * would have handed out nothing (`future.get()` still pending): the WIT gives these calls no
 * error for it. Not counted: `stream-error.last-operation-failed`'s error resources (thrown,
 * not returned; one per failed stream operation, which ends the stream). Platform-neutral.
 */
import type { LiveResources } from './resource.js';

/** Default for `maxHostResources`: pollables, streams, bodies, sockets, ... one guest may hold at once. */
export const DEFAULT_MAX_HOST_RESOURCES = 16384;

/**
 * interface → resource (`''`: the interface's functions) → its members whose result holds an
 * own resource, in WIT names (`[constructor]`, `[static]NAME`, `NAME` for a method).
 */
const HANDS_OUT: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  'wasi:cli/stdin': { '': ['get-stdin'] },
  'wasi:cli/stdout': { '': ['get-stdout'] },
  'wasi:cli/stderr': { '': ['get-stderr'] },
  'wasi:cli/terminal-stdin': { '': ['get-terminal-stdin'] },
  'wasi:cli/terminal-stdout': { '': ['get-terminal-stdout'] },
  'wasi:cli/terminal-stderr': { '': ['get-terminal-stderr'] },
  'wasi:clocks/monotonic-clock': { '': ['subscribe-instant', 'subscribe-duration'] },
  'wasi:filesystem/preopens': { '': ['get-directories'] },
  'wasi:filesystem/types': {
    descriptor: ['read-via-stream', 'write-via-stream', 'append-via-stream', 'read-directory', 'open-at'],
  },
  'wasi:io/streams': { 'input-stream': ['subscribe'], 'output-stream': ['subscribe'] },
  'wasi:sockets/instance-network': { '': ['instance-network'] },
  'wasi:sockets/ip-name-lookup': { '': ['resolve-addresses'], 'resolve-address-stream': ['subscribe'] },
  'wasi:sockets/tcp-create-socket': { '': ['create-tcp-socket'] },
  'wasi:sockets/tcp': { 'tcp-socket': ['finish-connect', 'accept', 'subscribe'] },
  'wasi:sockets/udp-create-socket': { '': ['create-udp-socket'] },
  'wasi:sockets/udp': {
    'udp-socket': ['stream', 'subscribe'],
    'incoming-datagram-stream': ['subscribe'],
    'outgoing-datagram-stream': ['subscribe'],
  },
  'wasi:http/outgoing-handler': { '': ['handle'] },
  'wasi:http/types': {
    fields: ['[constructor]', '[static]from-list', 'clone'],
    'incoming-request': ['headers', 'consume'],
    'outgoing-request': ['[constructor]', 'body', 'headers'],
    'request-options': ['[constructor]'],
    'incoming-response': ['headers', 'consume'],
    'incoming-body': ['stream', '[static]finish'],
    'future-trailers': ['subscribe', 'get'],
    'outgoing-response': ['[constructor]', 'headers', 'body'],
    'outgoing-body': ['write'],
    'future-incoming-response': ['subscribe', 'get'],
  },
};

/**
 * The members that take own resources from the guest (jco took them out of its table before
 * the call; it never drops them): argument positions. A `result` argument's `ok` value is the
 * resource (`response-outparam.set`).
 */
const TAKES: Readonly<Record<string, readonly number[]>> = {
  'wasi:http/types#[constructor]outgoing-request': [0],
  'wasi:http/types#[constructor]outgoing-response': [0],
  'wasi:http/types#[static]incoming-body.finish': [0],
  'wasi:http/types#[static]outgoing-body.finish': [0, 1],
  'wasi:http/types#[static]response-outparam.set': [0, 1],
  'wasi:http/types#[method]response-outparam.send-informational': [1],
  'wasi:http/outgoing-handler#handle': [0, 1],
};

/** A member's WIT name from its table entry: `get-stdin`, `[constructor]fields`, `[static]fields.from-list`, `[method]fields.clone`. */
function witName(resource: string, m: string): string {
  if (resource === '') return m;
  if (m === '[constructor]') return `[constructor]${resource}`;
  if (m.startsWith('[static]')) return `[static]${resource}.${m.slice(8)}`;
  return `[method]${resource}.${m}`;
}

/** The WIT names of every member above, by interface, for the test that checks the table against the WIT. */
export function handingMembers(): ReadonlyMap<string, ReadonlySet<string>> {
  const out = new Map<string, Set<string>>();
  for (const [iface, resources] of Object.entries(HANDS_OUT))
    for (const [resource, members] of Object.entries(resources))
      for (const m of members) out.set(iface, (out.get(iface) ?? new Set<string>()).add(witName(resource, m)));
  return out;
}

/** TAKES, for the same test. */
export function takingMembers(): ReadonlyMap<string, readonly number[]> {
  return new Map(Object.entries(TAKES));
}

/** `read-via-stream` → `readViaStream` (jco's member names). */
const camel = (kebab: string): string => kebab.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
/** `input-stream` → `InputStream` (jco's class names). */
const pascal = (kebab: string): string => camel(`-${kebab}`);

type Fn = (...args: unknown[]) => unknown;
type Part = Record<string, unknown>;
/** A wrapped member: its jco name, its operation name (`iface#[method]res.name`), whether it hands out resources (else it only takes). */
type Member = readonly [name: string, operation: string, handsOut: boolean];

/**
 * The tables above by where jco finds each member, worked out once: the interfaces' functions
 * (by interface), and each class's constructor, statics and methods (by `iface#ClassName`).
 */
const FUNCTIONS = new Map<string, Member[]>();
const CONSTRUCTORS = new Map<string, string>();
const STATICS = new Map<string, Member[]>();
const METHODS = new Map<string, Member[]>();
{
  const add = (map: Map<string, Member[]>, key: string, m: Member): void => void map.set(key, [...(map.get(key) ?? []), m]);
  const takesOnly = new Set(Object.keys(TAKES));
  for (const [iface, resources] of Object.entries(HANDS_OUT))
    for (const [resource, members] of Object.entries(resources))
      for (const m of members) {
        const cls = `${iface}#${pascal(resource)}`;
        const operation = `${iface}#${witName(resource, m)}`;
        takesOnly.delete(operation);
        if (resource === '') add(FUNCTIONS, iface, [camel(m), operation, true]);
        else if (m === '[constructor]') CONSTRUCTORS.set(cls, operation);
        else add(m.startsWith('[static]') ? STATICS : METHODS, cls, [camel(m.replace('[static]', '')), operation, true]);
      }
  // Members that take resources and hand out none: wrapped only to uncount what they take.
  for (const operation of takesOnly) {
    const w = /^([^#]+)#(?:\[(static|method)\]([a-z-]+)\.)?([a-z-]+)$/.exec(operation);
    if (w === null || w[2] === undefined) throw new Error(`held.ts: TAKES has ${operation}, which is no static or method`);
    add(w[2] === 'static' ? STATICS : METHODS, `${w[1]}#${pascal(w[3]!)}`, [camel(w[4]!), operation, false]);
  }
}

const isClass = (c: unknown): c is abstract new (...args: never[]) => object => typeof c === 'function' && c.prototype !== undefined;

/** What one guest's counting needs: its counter, the classes it can be handed, their methods to wrap. */
class Holder {
  /** Every class prototype of the import object: what a resource is. */
  readonly #resources = new Set<object>();
  /** A class prototype → the methods its instances hand out or take through. */
  readonly #methods = new Map<object, readonly Member[]>();
  /** Instances whose methods are wrapped already. */
  readonly #wrapped = new WeakSet<object>();

  constructor(
    readonly live: LiveResources,
    imports: Readonly<Record<string, unknown>>,
  ) {
    for (const [iface, part] of Object.entries(imports)) {
      if (typeof part !== 'object' || part === null) continue;
      for (const [key, C] of Object.entries(part)) {
        if (!/^[A-Z]/.test(key) || !isClass(C)) continue;
        this.#resources.add(C.prototype as object);
        const methods = METHODS.get(`${iface}#${key}`);
        if (methods !== undefined) this.#methods.set(C.prototype as object, methods);
      }
    }
  }

  /** `call` as the guest makes it: what it takes uncounted, the bound checked first, what it returns counted. */
  call(operation: string, args: readonly unknown[], call: () => unknown, handsOut: boolean): unknown {
    for (const i of TAKES[operation] ?? []) {
      const a = args[i];
      this.live.release((a as { tag?: unknown } | null | undefined)?.tag === 'ok' ? (a as { val?: unknown }).val : a);
    }
    if (!handsOut) return call();
    this.live.check(operation);
    const result = call();
    this.adopt(result, 0);
    return result;
  }

  /** `fn` (found on `self`) as the guest calls it, counted as `operation`. */
  wrap(self: unknown, fn: Fn, [, operation, handsOut]: Member): Fn {
    return (...args: unknown[]) => this.call(operation, args, () => fn.apply(self, args), handsOut);
  }

  /**
   * Counts every resource in `value` (a resource; a tuple or list of them; an option, result or
   * variant holding one) and wraps its methods. Depth is the WIT's: `result<tuple<...>>` is
   * two levels, `option<result<result<...>>>` three.
   */
  adopt(value: unknown, depth: number): void {
    if (typeof value !== 'object' || value === null || depth > 4) return;
    if (Array.isArray(value)) {
      for (const v of value) this.adopt(v, depth + 1);
      return;
    }
    if (this.#isResource(value)) {
      this.live.count(value);
      this.#wrapMethods(value);
      return;
    }
    if ('tag' in value && 'val' in value) this.adopt((value as { val: unknown }).val, depth + 1);
  }

  #isResource(value: object): boolean {
    for (let p: unknown = Object.getPrototypeOf(value); p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p))
      if (this.#resources.has(p as object)) return true;
    return false;
  }

  /** Wraps `resource`'s methods in the tables, as its own properties (the class is the platform's, shared by every guest). */
  #wrapMethods(resource: object): void {
    if (this.#wrapped.has(resource)) return;
    this.#wrapped.add(resource);
    let methods: readonly Member[] | undefined;
    // The nearest class in the import object (serve's request body is a subclass of IncomingBody).
    for (let p: unknown = Object.getPrototypeOf(resource); methods === undefined && p !== null; p = Object.getPrototypeOf(p))
      methods = this.#methods.get(p as object);
    for (const m of methods ?? []) {
      const inner = (resource as Part)[m[0]];
      if (typeof inner === 'function')
        Object.defineProperty(resource, m[0], { configurable: true, writable: true, value: this.wrap(resource, inner as Fn, m) });
    }
  }
}

/** Each guest's holder, by the import object it got (see holdResource). */
const holders = new WeakMap<object, Holder>();

/**
 * `imports` with every call in HANDS_OUT and TAKES counted against `live`: the parts that hold
 * one are copies with those functions and classes wrapped; the others are the same objects.
 */
export function countHeldResources<T extends Readonly<Record<string, unknown>>>(imports: T, live: LiveResources): T {
  const holder = new Holder(live, imports);
  const out: Record<string, unknown> = { ...imports };
  for (const [iface, part] of Object.entries(imports)) {
    if (typeof part !== 'object' || part === null) continue;
    let copy: Part | undefined;
    const set = (key: string, value: unknown): void => void ((copy ??= { ...(part as Part) })[key] = value);
    for (const m of FUNCTIONS.get(iface) ?? []) {
      const fn = (part as Part)[m[0]];
      if (typeof fn === 'function') set(m[0], holder.wrap(part, fn as Fn, m));
    }
    for (const [key, C] of Object.entries(part)) {
      if (!/^[A-Z]/.test(key) || !isClass(C)) continue;
      const wrapped = wrapClass(holder, C, CONSTRUCTORS.get(`${iface}#${key}`), STATICS.get(`${iface}#${key}`) ?? []);
      if (wrapped !== C) set(key, wrapped);
    }
    if (copy !== undefined) out[iface] = copy;
  }
  holders.set(out, holder);
  return out as T;
}

/**
 * Class `C` with its constructor (`ctor`: its operation) and `statics` counted: a Proxy, not a
 * subclass, since jco checks `instanceof` against this class and the platform makes instances
 * too. `C` itself when there is nothing to count.
 */
function wrapClass(
  holder: Holder,
  C: abstract new (...args: never[]) => object,
  ctor: string | undefined,
  statics: readonly Member[],
): unknown {
  if (ctor === undefined && statics.length === 0) return C;
  const wrappedStatics = new Map<string | symbol, Fn>();
  for (const m of statics) {
    const fn = (C as unknown as Part)[m[0]];
    if (typeof fn === 'function') wrappedStatics.set(m[0], holder.wrap(C, fn as Fn, m));
  }
  return new Proxy(C, {
    construct: (target, args: unknown[], newTarget) =>
      ctor === undefined
        ? Reflect.construct(target, args, newTarget)
        : (holder.call(ctor, args, () => Reflect.construct(target, args, newTarget), true) as object),
    get: (target, key, receiver: unknown) => wrappedStatics.get(key) ?? Reflect.get(target, key, receiver),
  });
}

/**
 * A resource the host hands the guest as an argument of its export (`serve`'s
 * `incoming-request` and `response-outparam`): counted like a returned one (the guest drops
 * it, or hands the outparam back), its methods wrapped.
 */
export function holdResource(imports: object, resource: object): void {
  holders.get(imports)?.adopt(resource, 0);
}

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
 * missing). A handed-out resource is recorded as its guest's (holderOf), and its class's
 * members in the table and its dispose are patched once per process to count for whichever
 * guest holds the object (patchPrototype), so one guest's counting never reaches another's
 * objects; the interfaces' functions and classes are wrapped in a copy of the import object.
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

/** One class's counted members: its constructor's operation (when counted), its statics, its methods. */
interface ClassMembers {
  ctor: string | undefined;
  readonly statics: Member[];
  readonly methods: Member[];
}

/**
 * The tables above by where jco finds each member, worked out once: per interface, its
 * functions and, by class name, each class's constructor, statics and methods.
 */
const BY_INTERFACE = new Map<string, { readonly functions: Member[]; readonly classes: Map<string, ClassMembers> }>();
{
  const of = (iface: string) => {
    let entry = BY_INTERFACE.get(iface);
    if (entry === undefined) BY_INTERFACE.set(iface, (entry = { functions: [], classes: new Map() }));
    return entry;
  };
  const cls = (iface: string, resource: string): ClassMembers => {
    const classes = of(iface).classes;
    let c = classes.get(pascal(resource));
    if (c === undefined) classes.set(pascal(resource), (c = { ctor: undefined, statics: [], methods: [] }));
    return c;
  };
  const takesOnly = new Set(Object.keys(TAKES));
  for (const [iface, resources] of Object.entries(HANDS_OUT))
    for (const [resource, members] of Object.entries(resources))
      for (const m of members) {
        const operation = `${iface}#${witName(resource, m)}`;
        takesOnly.delete(operation);
        if (resource === '') of(iface).functions.push([camel(m), operation, true]);
        else if (m === '[constructor]') cls(iface, resource).ctor = operation;
        else if (m.startsWith('[static]')) cls(iface, resource).statics.push([camel(m.slice(8)), operation, true]);
        else cls(iface, resource).methods.push([camel(m), operation, true]);
      }
  // Members that take resources and hand out none: wrapped only to uncount what they take.
  for (const operation of takesOnly) {
    const w = /^([^#]+)#\[(static|method)\]([a-z-]+)\.([a-z-]+)$/.exec(operation);
    if (w === null) throw new Error(`held.ts: TAKES has ${operation}, which is no static or method`);
    const c = cls(w[1]!, w[3]!);
    (w[2] === 'static' ? c.statics : c.methods).push([camel(w[4]!), operation, false]);
  }
}

/** A class prototype → the methods its instances hand out or take through (the same for every guest). */
const methodsOf = new WeakMap<object, readonly Member[]>();

const isClass = (c: unknown): c is abstract new (...args: never[]) => object => typeof c === 'function' && c.prototype !== undefined;

/**
 * Whether a value inside what a counted call returned is a resource: an instance of a class.
 * The rest of such a result is lists and tuples (arrays), options, results and variants
 * (`{ tag, val }`), records and strings: plain values.
 */
function isResource(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto !== null && proto !== Object.prototype && !ArrayBuffer.isView(value);
}

/** Every object a guest was handed by a counted call → that guest's holder. */
const holderOf = new WeakMap<object, Holder>();
/** Prototypes patched (below), and the wrappers patched in, so nothing is wrapped twice. */
const patchedPrototypes = new WeakSet<object>();
const patchWrappers = new WeakSet<object>();

/**
 * Patches `proto` once per process: each counted method first asks which guest holds `this`
 * (holderOf) and counts for it; an object no guest was handed (the host's own, a preview1
 * guest's) goes straight through. On the prototype, not on each object: a wrapper set on every
 * handed-out object cost a closure per method and a new hidden class per object, ~5 us per
 * descriptor opened (the component fs loop went from 1.57x to 2.05x node:wasi). Drops are
 * LiveResources' (its dispose hook, host/gate/resource.ts).
 */
function patchPrototype(proto: object, methods: readonly Member[]): void {
  if (patchedPrototypes.has(proto)) return;
  patchedPrototypes.add(proto);
  for (const member of methods) {
    const inner = (proto as Part)[member[0]];
    // Inherited from a prototype patched already: its wrapper counts, once.
    if (typeof inner !== 'function' || patchWrappers.has(inner)) continue;
    const wrapper = function (this: object, ...args: unknown[]): unknown {
      const holder = holderOf.get(this);
      return holder === undefined ? (inner as Fn).apply(this, args) : holder.call(member[1], args, inner as Fn, this, member[2]);
    };
    patchWrappers.add(wrapper);
    Object.defineProperty(proto, member[0], { configurable: true, writable: true, value: wrapper });
  }
}

/** The counted methods of `proto`'s nearest class in the tables (serve's request body is a subclass of IncomingBody). */
function methodsFor(proto: object): readonly Member[] {
  for (let p: object | null = proto; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    const m = methodsOf.get(p);
    if (m !== undefined) return m;
  }
  return [];
}

/** One guest's counting. */
class Holder {
  constructor(readonly live: LiveResources) {}

  /** `fn.apply(self, args)` as the guest makes it: what it takes uncounted, the bound checked first, what it returns counted. */
  call(operation: string, args: unknown[], fn: Fn, self: unknown, handsOut: boolean): unknown {
    const takes = TAKES[operation];
    if (takes !== undefined) {
      for (const i of takes) {
        const a = args[i];
        this.live.release((a as { tag?: unknown } | null | undefined)?.tag === 'ok' ? (a as { val?: unknown }).val : a);
      }
    }
    if (!handsOut) return fn.apply(self, args);
    this.live.check(operation);
    const result = fn.apply(self, args);
    this.adopt(result, 0);
    return result;
  }

  /** `fn` (found on `self`) as the guest calls it, counted as `operation`. */
  wrap(self: unknown, fn: Fn, [, operation, handsOut]: Member): Fn {
    return (...args: unknown[]) => this.call(operation, args, fn, self, handsOut);
  }

  /**
   * Counts every resource in `value` (a resource; a tuple or list of them; an option, result or
   * variant holding one), as this guest's. Depth is the WIT's: `result<tuple<...>>` is two
   * levels, `option<result<result<...>>>` three.
   */
  adopt(value: unknown, depth: number): void {
    if (typeof value !== 'object' || value === null || depth > 4) return;
    if (Array.isArray(value)) {
      for (const v of value) this.adopt(v, depth + 1);
      return;
    }
    if (isResource(value)) {
      this.live.count(value);
      holderOf.set(value, this);
      const proto = Object.getPrototypeOf(value) as object;
      if (!patchedPrototypes.has(proto)) patchPrototype(proto, methodsFor(proto));
      return;
    }
    if ('tag' in value && 'val' in value) this.adopt((value as { val: unknown }).val, depth + 1);
  }
}

/** Each guest's holder, by the import object it got (see holdResource). */
const holders = new WeakMap<object, Holder>();

/**
 * `imports` with every call in HANDS_OUT and TAKES counted against `live`: the parts that hold
 * one are copies with those functions and classes wrapped; the others are the same objects.
 */
export function countHeldResources<T extends Readonly<Record<string, unknown>>>(imports: T, live: LiveResources): T {
  const holder = new Holder(live);
  const out: Record<string, unknown> = { ...imports };
  for (const [iface, { functions, classes }] of BY_INTERFACE) {
    const part = imports[iface] as Part | undefined;
    if (typeof part !== 'object' || part === null) continue;
    const copy: Part = { ...part };
    for (const m of functions) {
      const fn = part[m[0]];
      if (typeof fn === 'function') copy[m[0]] = holder.wrap(part, fn as Fn, m);
    }
    for (const [key, members] of classes) {
      const C = part[key];
      if (!isClass(C)) continue;
      if (members.methods.length > 0 && !methodsOf.has(C.prototype as object)) methodsOf.set(C.prototype as object, members.methods);
      copy[key] = wrapClass(holder, C, members);
    }
    out[iface] = copy;
  }
  holders.set(out, holder);
  return out as T;
}

/**
 * Class `C` with its constructor and statics counted: a Proxy, not a subclass, since jco checks
 * `instanceof` against this class and the platform makes instances too. `C` itself when
 * neither is counted.
 */
function wrapClass(holder: Holder, C: abstract new (...args: never[]) => object, { ctor, statics }: ClassMembers): unknown {
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
        : (holder.call(ctor, args, () => Reflect.construct(target, args, newTarget), undefined, true) as object),
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

/**
 * The bytes one `wasi:http/types` fields may hold. `append` and `set` need no capability and
 * cost the guest only the bytes of one entry, so without a bound a guest grew one fields (and
 * the host heap) without end by appending in a loop. Wasmtime's wasi-http bounds each fields
 * the same way (DEFAULT_FIELD_SIZE_LIMIT, 128 KiB); its 0.2 bindings then trap, since
 * `header-error` has no "too large". Here the call fails with `header-error.forbidden` instead:
 * the interface's own error, which a guest can handle (the host forbids more), and the fields
 * is left as it was. Platform-neutral.
 */

/** Bytes one fields may hold: names and values, plus FIELD_ENTRY_BYTES per entry. */
export const MAX_FIELDS_BYTES = 128 * 1024;
/** What each entry costs besides its name and value: a loop of empty appends must reach the bound too. */
export const FIELD_ENTRY_BYTES = 64;

const FULL = { tag: 'forbidden' } as const;

type Entries = Iterable<readonly [unknown, unknown]>;
interface FieldsLike {
  entries?(): Entries;
  get?(name: string): Iterable<unknown>;
}

/** One entry's bytes (a value is bytes; a platform's fields may hand out strings). */
function entryBytes(name: unknown, value: unknown): number {
  const v = value instanceof Uint8Array ? value.byteLength : typeof value === 'string' ? value.length : 0;
  return String(name).length + v + FIELD_ENTRY_BYTES;
}

/** The bytes of `entries` (a fields' entries, or a `from-list` argument). */
export function fieldsBytes(entries: Entries): number {
  let n = 0;
  for (const [k, v] of entries) n += entryBytes(k, v);
  return n;
}

/** `from-list`'s argument: its fields would be over the bound (then the call fails `forbidden`). */
export function refuseOversizedList(entries: unknown): void {
  if (Array.isArray(entries) && fieldsBytes(entries as [unknown, unknown][]) > MAX_FIELDS_BYTES) throw FULL;
}

const bounded = new WeakSet<object>();

/**
 * Bounds `f`'s `append` and `set` (own properties: the class is the platform's). Its size is
 * measured once from `entries()` and kept up to date; `delete` forgets it (measured again next time).
 */
export function boundFieldsSize(f: object): void {
  if (bounded.has(f)) return;
  bounded.add(f);
  const fields = f as FieldsLike & Record<string, unknown>;
  const { append, set, delete: remove } = fields;
  let known: number | undefined;
  const size = (): number => (known ??= fieldsBytes(fields.entries?.() ?? []));
  const define = (name: string, value: (...args: never[]) => unknown): void =>
    void Object.defineProperty(f, name, { configurable: true, writable: true, value });
  if (typeof append === 'function')
    define('append', (name: string, value: unknown) => {
      const after = size() + entryBytes(name, value);
      if (after > MAX_FIELDS_BYTES) throw FULL;
      append.call(f, name, value);
      known = after;
    });
  if (typeof set === 'function')
    define('set', (name: string, values: unknown[]) => {
      let after = size();
      for (const v of fields.get?.(name) ?? []) after -= entryBytes(name, v);
      for (const v of values) after += entryBytes(name, v);
      if (after > MAX_FIELDS_BYTES) throw FULL;
      set.call(f, name, values);
      known = after;
    });
  if (typeof remove === 'function')
    define('delete', (name: string) => {
      remove.call(f, name);
      known = undefined;
    });
}

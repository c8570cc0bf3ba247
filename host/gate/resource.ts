/** Disposes a platform resource (resources without a destructor, and nothing, are left). */
export function disposeInner(inner: object | null | undefined): void {
  const fn = (inner as Record<symbol, unknown> | null | undefined)?.[Symbol.dispose ?? Symbol.for('dispose')];
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

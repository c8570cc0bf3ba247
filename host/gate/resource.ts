/** Disposes a platform resource (resources without a destructor, and nothing, are left). */
export function disposeInner(inner: object | null | undefined): void {
  const fn = (inner as Record<symbol, unknown> | null | undefined)?.[Symbol.dispose ?? Symbol.for('dispose')];
  if (typeof fn === 'function') fn.call(inner);
}

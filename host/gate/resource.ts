import type { WasiInterface } from './types.js';

/** Disposes a platform resource the gate wraps (resources without a destructor are left). */
export function disposeInner(inner: WasiInterface): void {
  const fn = (inner as Record<symbol, unknown>)[Symbol.dispose ?? Symbol.for('dispose')];
  if (typeof fn === 'function') fn.call(inner);
}

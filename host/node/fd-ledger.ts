/**
 * A record of the host file descriptors one guest holds, kept in shared memory so that the
 * thread that started a guest in a worker can close them after terminating it (a timeout):
 * terminating a worker does not close descriptors it opened with `fs.openSync`, and an
 * embedding process that runs thousands of guests must keep a flat descriptor count.
 *
 * Ordering makes the ledger safe against a worker stopped at any instruction: a descriptor is
 * recorded after it is opened and forgotten before it is closed, so the worst a stop can do
 * is leave one descriptor unrecorded (a leak of one), never list a number that was already
 * closed and may have been reused by another thread.
 */
import { closeSync } from 'node:fs';

export class FdLedger {
  readonly #slots: Int32Array;
  /** Slot index of each recorded descriptor (this thread's view; the shared array is the truth after a stop). */
  readonly #slotOf = new Map<number, number>();
  readonly #free: number[] = [];

  /** `shared`: a SharedArrayBuffer from FdLedger.allocate, or undefined for a private ledger. */
  constructor(capacity: number, shared?: SharedArrayBuffer) {
    this.#slots = new Int32Array(shared ?? new SharedArrayBuffer(capacity * 4));
    for (let i = this.#slots.length - 1; i >= 0; i--) this.#free.push(i);
  }

  /** Shared memory for a ledger of `capacity` descriptors, to hand to a worker. */
  static allocate(capacity: number): SharedArrayBuffer {
    return new SharedArrayBuffer(capacity * 4);
  }

  record(fd: number): void {
    const slot = this.#free.pop();
    if (slot === undefined) return; // the backend's limit keeps us below capacity
    Atomics.store(this.#slots, slot, fd + 1);
    this.#slotOf.set(fd, slot);
  }

  forget(fd: number): void {
    const slot = this.#slotOf.get(fd);
    if (slot === undefined) return;
    Atomics.store(this.#slots, slot, 0);
    this.#slotOf.delete(fd);
    this.#free.push(slot);
  }

  /** Closes every descriptor listed in `shared` (after its worker has stopped) and clears it. */
  static closeListed(shared: SharedArrayBuffer): number {
    const slots = new Int32Array(shared);
    let closed = 0;
    for (let i = 0; i < slots.length; i++) {
      const v = Atomics.exchange(slots, i, 0);
      if (v === 0) continue;
      try {
        closeSync(v - 1);
        closed++;
      } catch {
        // already closed
      }
    }
    return closed;
  }
}

/**
 * How a guest run ends, the same for the Node and the browser host (SPEC section 8): the
 * guest's exit code after `exit`/`proc_exit`, 77 after a capability trap, 70 after any other
 * trap, 1 when `wasi:cli/run` returns err. Host faults (MoltError) are not outcomes: they are
 * rethrown. Platform-neutral.
 */
import { MoltError, WasmFormatError } from '../errors.js';
import { GuestExit } from '../gate/exit.js';
import { CapabilityTrap } from '../gate/trap.js';
import type { SubjectId } from '../policy/types.js';

/** Exit code for a guest trap that is not a capability denial. */
export const TRAP_EXIT = 70;
/** Exit code after a capability trap. */
export const DENIED_EXIT = 77;

export type GuestKind = 'component' | 'core';

/** How a guest run in this thread ends: returned / exit() / a capability trap / another trap. */
export type SettledOutcome = 'returned' | 'exited' | 'capability-trap' | 'trap';

export interface RunResult<Outcome extends string = SettledOutcome> {
  /** The guest's exit code; 77 after a capability trap, 70 after any other trap. */
  readonly exitCode: number;
  readonly subject: SubjectId;
  readonly kind: GuestKind;
  /** How it ended (a host may add its own, e.g. Node's `timeout`). */
  readonly outcome: Outcome;
  /** The CapabilityTrap or other error that ended the guest, when it trapped. */
  readonly error?: Error;
}

/** The `run` function of a command component's `wasi:cli/run` export. */
export function findRun(exports: Record<string, unknown>): () => unknown {
  for (const [key, value] of Object.entries(exports)) {
    if ((key === 'run' || key.startsWith('wasi:cli/run@')) && value !== null && typeof value === 'object') {
      const fn = (value as { run?: unknown }).run;
      if (typeof fn === 'function') return fn as () => unknown;
    }
  }
  throw new WasmFormatError('the component does not export wasi:cli/run; molt-wasm runs command components');
}

/** A command component's own failure: `wasi:cli/run#run` returned `err`. */
export const RUN_RETURNED_ERR = Symbol('run returned err');

/**
 * Calls the component's `wasi:cli/run#run`. jco's binding throws the err payload when run
 * returns `err`, which for `result` (no payload) is `undefined`; a trap or a host error is
 * never `undefined`. So `undefined` is the guest's own failure (exit 1, as in wasmtime) and is
 * answered with RUN_RETURNED_ERR; anything else thrown propagates to `settle`.
 */
export async function runComponent(exports: Record<string, unknown>): Promise<typeof RUN_RETURNED_ERR | void> {
  const run = findRun(exports);
  try {
    await run();
  } catch (e) {
    if (e === undefined) return RUN_RETURNED_ERR;
    throw e;
  }
}

/** Classifies how a guest ended from what its run threw; host faults (MoltError) are rethrown. */
export function settle(e: unknown, subject: SubjectId, kind: GuestKind): RunResult {
  if (e instanceof GuestExit) return { exitCode: e.code, subject, kind, outcome: 'exited' };
  if (e instanceof CapabilityTrap) return { exitCode: DENIED_EXIT, subject, kind, outcome: 'capability-trap', error: e };
  if (e instanceof MoltError) throw e;
  // `wasi:cli/run` returning err() under older jco bindings (ComponentError); the current
  // binding throws the bare payload, handled where run is called.
  if (e instanceof Error && e.name === 'ComponentError') return { exitCode: 1, subject, kind, outcome: 'exited' };
  const error = e instanceof Error ? e : new Error(String(e));
  return { exitCode: TRAP_EXIT, subject, kind, outcome: 'trap', error };
}

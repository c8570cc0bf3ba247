/**
 * `wasi:cli/exit` never ends the host process (SPEC section 5): the gated `exit` throws a
 * GuestExit, which unwinds the guest's stack out of the export call, and the runner turns it
 * into the guest's exit code. It is a plain Error (not a RuntimeError) so jco propagates it
 * unchanged instead of treating it as a trap.
 */
export class GuestExit extends Error {
  override readonly name = 'GuestExit';
  constructor(
    /** The guest's exit code: 0 or 1 for `exit(result)`, 0..255 for `exit-with-code`. */
    readonly code: number,
  ) {
    super(`guest exited with code ${code}`);
  }
}

export function isGuestExit(e: unknown): e is GuestExit {
  return e instanceof GuestExit;
}

/**
 * The signal that ends a guest when it calls `proc_exit` and the WASI 0.2 layer under us has
 * no `wasi:cli/exit#exit-with-code` (or has one that returns). Thrown through the guest's
 * stack; whoever called the guest's `_start` catches it and reads `code`.
 *
 * TODO(lead): the Node host's `GuestExit` (host/gate/exit.ts) is not there yet; when it is,
 * this class can become an alias of it.
 */
export class Preview1Exit extends Error {
  override readonly name = 'Preview1Exit';
  constructor(readonly code: number) {
    super(`guest exited with code ${code}`);
  }
}

export function isPreview1Exit(e: unknown): e is Preview1Exit {
  return e instanceof Preview1Exit;
}

/**
 * The signal that ends a guest when it calls `proc_exit` and the WASI 0.2 layer under us has
 * no `wasi:cli/exit#exit-with-code` (or has one that returns): the gate's own GuestExit, so
 * one class means "the guest exited" whichever layer saw it. Thrown through the guest's
 * stack; whoever called the guest's `_start` catches it and reads `code`.
 */
export { GuestExit as Preview1Exit, isGuestExit as isPreview1Exit } from '../gate/exit.js';

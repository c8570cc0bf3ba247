/**
 * The trap a gated import throws when a capability is denied on a WIT function that has no
 * error channel (SPEC section 5). It subclasses WebAssembly.RuntimeError on purpose: jco's
 * bindings treat a RuntimeError as a trap and mark the instance dead, which is what the SPEC
 * asks for ("the instance is dead afterwards"). Platform-neutral: no `node:` imports.
 */
export class CapabilityTrap extends WebAssembly.RuntimeError {
  override readonly name = 'CapabilityTrap';
  constructor(
    /** The capability name that was missing, e.g. `time`. */
    readonly capability: string,
    /** The unversioned WIT interface, e.g. `wasi:clocks/wall-clock`. */
    readonly iface: string,
    /** The WIT function name (kebab case), e.g. `now`. */
    readonly func: string,
  ) {
    super(`capability '${capability}' denied: ${iface}#${func}`);
  }

  /** `wasi:clocks/wall-clock#now`: the operation string used in audit records too. */
  get operation(): string {
    return `${this.iface}#${this.func}`;
  }
}

export function isCapabilityTrap(e: unknown): e is CapabilityTrap {
  return e instanceof CapabilityTrap;
}

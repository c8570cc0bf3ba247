/**
 * `molt:capabilities/capabilities` (SPEC section 6): the guest asks about its own grants.
 * Ungated and not audited (it reveals only the guest's own policy). Answers come from the
 * live engine, so a revocation shows on the next call. Platform-neutral.
 */
import { ALL_CAPABILITY_NAMES } from '../policy/capabilities.js';
import type { CheckResult } from '../policy/types.js';
import type { Gate } from './gate.js';
import type { WasiImportsPart } from './types.js';

/** The import key jco's bindings use for the interface (unversioned). */
export const MOLT_CAPABILITIES_IMPORT = 'molt:capabilities/capabilities';

export function createCapabilitiesInterface(gate: Gate): WasiImportsPart<typeof MOLT_CAPABILITIES_IMPORT> {
  const check = (name: string): CheckResult => gate.handle.check(name);
  return {
    [MOLT_CAPABILITIES_IMPORT]: {
      check,
      // The handle takes an id too, and reports an invalid subject before an unknown id (SPEC section 2).
      checkId: (id: number): CheckResult => gate.handle.check(id),
      require(name: string): void {
        const code = check(name);
        // A thrown string becomes `err(code)` in jco's bindings for `result<_, check-result>`.
        if (code !== 'ok') throw code;
      },
      granted(): string[] {
        return ALL_CAPABILITY_NAMES.filter((n) => check(n) === 'ok');
      },
    },
  };
}

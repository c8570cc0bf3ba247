/**
 * A test double: an object implementing only the members a test calls, typed as the WIT type
 * it stands in for (the import object's types are complete; a double need not be).
 */
export function double<T>(partial: unknown): T {
  return partial as unknown as T;
}

/**
 * What tests used before the boundary was typed: any WASI resource or interface, by member
 * name. Tests only (doubles and casts of what a call returned); never in host/.
 */
export type WasiInterface = Record<string, any>;

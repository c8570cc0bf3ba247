/**
 * The host-fault channel (undici style): every error molt-wasm raises on purpose is one of
 * these classes, each with a literal `name`, a stable `code` and the CLI exit code of SPEC
 * section 8. Denials a guest can handle never use these: they go to the guest as the WIT
 * interface's own error code. Pure module: no `node:` or DOM imports.
 */
import { escapeForTerminal } from './terminal-text.js';

/** Exit codes (sysexits), SPEC section 8. */
export const ExitCode = {
  ok: 0,
  usage: 64,
  dataErr: 65,
  software: 70,
  noPerm: 77,
  timeout: 124,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class MoltError extends Error {
  override readonly name: string = 'MoltError';
  readonly code: string = 'MOLT_ERROR';
  readonly exitCode: number = ExitCode.software;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Bad command line: unknown flag, missing argument, conflicting options. Exit 64. */
export class UsageError extends MoltError {
  override readonly name = 'UsageError';
  override readonly code = 'MOLT_USAGE';
  override readonly exitCode = ExitCode.usage;
}

/**
 * A place the host was told to write cannot be written: the transpile cache directory
 * (`--cache-dir`, MOLT_WASM_CACHE_DIR) or `build -o`. The message names the path and why.
 * A setting to correct, like a usage error: exit 64.
 */
export class OutputPathError extends MoltError {
  override readonly name = 'OutputPathError';
  override readonly code = 'MOLT_OUTPUT_UNWRITABLE';
  override readonly exitCode = ExitCode.usage;
  constructor(
    message: string,
    /** The path that could not be written. */
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The policy lets the guest write where the host loads code from: the transpile cache root
 * (its entries are imported as JavaScript) or molt-wasm's own installed files
 * (host/node/code-guard.ts). `path` is that place on the host, `guestPath` where the guest
 * sees it. Refused before the guest is loaded, by the library and the CLI alike: a setting to
 * correct, exit 64.
 */
export class WritableCodeError extends MoltError {
  override readonly name = 'WritableCodeError';
  override readonly code = 'MOLT_CODE_WRITABLE';
  override readonly exitCode = ExitCode.usage;
  constructor(
    message: string,
    readonly path: string,
    readonly guestPath: string,
  ) {
    super(message);
  }
}

/**
 * A manifest, profile, molt.toml, capability list or flag value that does not parse. The
 * message quotes the bad input; `where` says which file, key or flag it came from. Exit 65.
 */
export class ManifestError extends MoltError {
  override readonly name: string = 'ManifestError';
  override readonly code: string = 'MOLT_MANIFEST_INVALID';
  override readonly exitCode = ExitCode.dataErr;
  constructor(
    message: string,
    readonly where: string,
    readonly input?: string,
  ) {
    super(`${where}: ${message}`);
  }
}

/** A scope pattern (path, host, env name) that is malformed. Exit 65. */
export class ScopeError extends ManifestError {
  override readonly name = 'ScopeError';
  override readonly code = 'MOLT_SCOPE_INVALID';
}

/** An unknown capability name or id in input (the check API answers `cap-invalid` instead). */
export class UnknownCapabilityError extends ManifestError {
  override readonly name = 'UnknownCapabilityError';
  override readonly code = 'MOLT_CAPABILITY_UNKNOWN';
}

/**
 * An allow flag asks for more than the embedded manifest declares (SPEC section 3: the
 * manifest is the ceiling) and `--allow-undeclared` was not given. Exit 64 (usage): the
 * command line asked for something this binary's auditors never saw.
 */
export class UndeclaredCapabilityError extends MoltError {
  override readonly name = 'UndeclaredCapabilityError';
  override readonly code = 'MOLT_CAPABILITY_UNDECLARED';
  override readonly exitCode = ExitCode.usage;
  constructor(
    message: string,
    readonly capability: string,
    readonly scope?: string,
  ) {
    super(message);
  }
}

/** Not wasm, truncated, a section running past the end, a core module where a component is needed. Exit 65. */
export class WasmFormatError extends MoltError {
  override readonly name = 'WasmFormatError';
  override readonly code = 'MOLT_WASM_INVALID';
  override readonly exitCode = ExitCode.dataErr;
  constructor(
    message: string,
    readonly offset?: number,
  ) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
  }
}

/** The molt:capabilities / molt:provenance sections do not verify. `part` says which. Exit 65. */
export class ProvenanceError extends MoltError {
  override readonly name = 'ProvenanceError';
  override readonly code = 'MOLT_PROVENANCE_MISMATCH';
  override readonly exitCode = ExitCode.dataErr;
  constructor(
    message: string,
    readonly part: 'manifest' | 'code' | 'provenance',
  ) {
    super(message);
  }
}

/** `verify`: the component declares capabilities the site policy denies. Exit 77. */
export class PolicyViolationError extends MoltError {
  override readonly name = 'PolicyViolationError';
  override readonly code = 'MOLT_POLICY_VIOLATION';
  override readonly exitCode = ExitCode.noPerm;
  constructor(
    message: string,
    readonly violations: readonly string[],
  ) {
    super(message);
  }
}

/** How many names a one-line message lists before `and N more`. */
const LISTED = 5;

/** `a, b, c, d, e and 112 more`: a list that stays one readable line. */
export function listFew(names: readonly string[], few = LISTED): string {
  if (names.length <= few) return names.join(', ');
  return `${names.slice(0, few).join(', ')} and ${names.length - few} more`;
}

/**
 * A component imports something the host does not supply. The message lists the first few
 * and a count (a real program can lack a hundred); `imports` holds them all. Exit 65.
 */
export class UnknownImportError extends MoltError {
  override readonly name = 'UnknownImportError';
  override readonly code = 'MOLT_IMPORT_UNKNOWN';
  override readonly exitCode = ExitCode.dataErr;
  constructor(readonly imports: readonly string[]) {
    // The names are the binary's: escaped, so none can write to the terminal.
    super(`the guest imports what this host does not supply: ${listFew(imports.map(escapeForTerminal))}`);
  }
}

/**
 * A component this host cannot run, refused before it starts (SPEC section 8): one that
 * targets WASI 0.3 (`reason` `wasi-0.3`, `interfaces` the 0.3 names it uses), or one whose
 * bindings need JSPI where the platform lacks `WebAssembly.Suspending` (`jspi`). Exit 65.
 */
export class UnsupportedComponentError extends MoltError {
  override readonly name = 'UnsupportedComponentError';
  override readonly code = 'MOLT_COMPONENT_UNSUPPORTED';
  override readonly exitCode = ExitCode.dataErr;
  constructor(
    message: string,
    readonly reason: 'wasi-0.3' | 'jspi',
    readonly interfaces: readonly string[] = [],
  ) {
    super(message);
  }
}

/** The guest trapped (unreachable, out-of-bounds, stack overflow...). Exit 70. */
export class GuestTrapError extends MoltError {
  override readonly name = 'GuestTrapError';
  override readonly code = 'MOLT_GUEST_TRAP';
  override readonly exitCode = ExitCode.software;
}

/** The guest was stopped for running past `--timeout`. Exit 124. */
export class GuestTimeoutError extends MoltError {
  override readonly name = 'GuestTimeoutError';
  override readonly code = 'MOLT_GUEST_TIMEOUT';
  override readonly exitCode = ExitCode.timeout;
}

/**
 * `--max-memory`: a memory of the guest is already larger than the limit when it is
 * instantiated (growth past the limit is not this error: memory.grow fails inside the guest).
 * Exit 70, like a trap: the guest could not run within its bounds.
 */
export class GuestMemoryLimitError extends MoltError {
  override readonly name = 'GuestMemoryLimitError';
  override readonly code = 'MOLT_GUEST_MEMORY_LIMIT';
  override readonly exitCode = ExitCode.software;
}

/** The guest was trapped by the host because a capability without an error channel was denied. Exit 77. */
export class CapabilityDeniedError extends MoltError {
  override readonly name = 'CapabilityDeniedError';
  override readonly code = 'MOLT_CAPABILITY_DENIED';
  override readonly exitCode = ExitCode.noPerm;
  constructor(
    message: string,
    readonly capability: string,
    readonly iface: string,
    readonly func: string,
  ) {
    super(message);
  }
}

export function isMoltError(e: unknown): e is MoltError {
  return e instanceof MoltError;
}

/**
 * The build-time import audit (SPEC sections 4 and 5): which capability each import needs,
 * whether the manifest declares it, and warnings for both directions of mismatch. Entry-point
 * imports decide: `wasi:filesystem/types` alone reaches nothing without a preopen, so only
 * `wasi:filesystem/preopens` counts for the filesystem. Pure: no `node:` or DOM imports.
 */
import type { CanonicalManifest, CapabilityName } from '../policy/types.js';
import { ALL_CAPABILITY_NAMES } from '../policy/capabilities.js';
import { importLabel, type ImportEntry } from './wasm/imports.js';
import { escapeForTerminal } from '../terminal-text.js';

/** Either filesystem capability opens the door (preopens list only granted directories). */
export const FS_EITHER = 'fs.read|fs.write';
export type AuditCapability = CapabilityName | typeof FS_EITHER;

export interface AuditRow {
  /** `wasi:clocks/wall-clock@0.2.3` or `wasi_snapshot_preview1#clock_time_get`. */
  readonly import: string;
  /** The capability a call through this import needs; null when the import is ungated. */
  readonly capability: AuditCapability | null;
  /** Whether the manifest's `allow` covers `capability` (true for ungated imports). */
  readonly declared: boolean;
  /**
   * The functions of the import that `capability` gates, when not all of them are: a
   * component imports a whole interface, but only these calls are checked. Absent: all.
   */
  readonly only?: readonly string[];
  /** Not declared, but granted by the runner's default for a binary without a manifest (`run`: console.write). */
  readonly byDefault?: true;
}

export interface AuditReport {
  readonly rows: AuditRow[];
  readonly warnings: string[];
}

const PREVIEW1_MODULE = 'wasi_snapshot_preview1';

/** Component interfaces by `namespace:package/interface` (version stripped). */
const COMPONENT_GATES: ReadonlyMap<string, AuditCapability> = new Map<string, AuditCapability>([
  ['wasi:filesystem/preopens', FS_EITHER],
  ['wasi:sockets/ip-name-lookup', 'net'],
  ['wasi:sockets/tcp-create-socket', 'net'],
  ['wasi:sockets/udp-create-socket', 'net'],
  ['wasi:sockets/instance-network', 'net'],
  ['wasi:http/outgoing-handler', 'net'],
  ['wasi:cli/environment', 'env'],
  ['wasi:cli/stdout', 'console.write'],
  ['wasi:cli/stderr', 'console.write'],
  ['wasi:cli/terminal-stdout', 'console.write'],
  ['wasi:cli/terminal-stderr', 'console.write'],
]);

/**
 * Interfaces where the capability gates only some functions (SPEC section 5): in
 * `wasi:cli/environment`, get-arguments is ungated and initial-cwd answers `none` without
 * fs.read, so only get-environment needs env.
 */
const PARTLY_GATED: ReadonlyMap<string, { only: readonly string[]; others: string }> = new Map([
  ['wasi:cli/environment', { only: ['get-environment'], others: 'get-arguments and initial-cwd are not affected' }],
]);

/** `wasi:clocks/wall-clock@0.2.3` -> `wasi:clocks/wall-clock`. */
export function unversionedInterface(name: string): string {
  const at = name.indexOf('@');
  return at === -1 ? name : name.slice(0, at);
}

function componentCapability(name: string): AuditCapability | null {
  const iface = unversionedInterface(name);
  if (iface.startsWith('wasi:clocks/')) return 'time';
  return COMPONENT_GATES.get(iface) ?? null;
}

function preview1Capability(func: string): AuditCapability | null {
  if (func.startsWith('path_') || func.startsWith('fd_prestat_') || func.startsWith('fd_filestat_')) return FS_EITHER;
  if (func === 'fd_readdir') return FS_EITHER;
  if (func.startsWith('clock_') || func === 'poll_oneoff') return 'time';
  if (func.startsWith('environ_')) return 'env';
  if (func.startsWith('sock_')) return 'net';
  if (func === 'fd_write') return 'console.write';
  return null;
}

/** The capability an import needs, or null when it is ungated (args, stdin, random, wasi:io, ...). */
export function capabilityForImport(entry: ImportEntry): AuditCapability | null {
  if (entry.module === null) return componentCapability(entry.name);
  if (entry.module === PREVIEW1_MODULE && entry.kind === 'func') return preview1Capability(entry.name);
  return null;
}

function isDeclared(capability: AuditCapability, manifest: CanonicalManifest): boolean {
  if (capability === FS_EITHER) return manifest.allow['fs.read'] !== undefined || manifest.allow['fs.write'] !== undefined;
  return manifest.allow[capability] !== undefined;
}

function reaches(capability: AuditCapability | null, declared: CapabilityName): boolean {
  if (capability === FS_EITHER) return declared === 'fs.read' || declared === 'fs.write';
  return capability === declared;
}

/** Readable name for warnings: the interface without its version, or the preview1 function. */
function subject(entry: ImportEntry): string {
  return entry.module === null ? unversionedInterface(entry.name) : `${entry.module}#${entry.name}`;
}

function undeclaredWarning(entry: ImportEntry, capability: AuditCapability): string {
  // Components adapted from preview1 import preopens, clocks and stdio whatever the program
  // does, so the warning must not read as a certain failure.
  const tail = 'this matters only if the program uses it';
  if (capability === FS_EITHER) {
    return entry.module === null
      ? `${subject(entry)} will list no directories: neither 'fs.read' nor 'fs.write' is declared (${tail})`
      : `every call of ${subject(entry)} will be denied: neither 'fs.read' nor 'fs.write' is declared (${tail})`;
  }
  const partly = entry.module === null ? PARTLY_GATED.get(unversionedInterface(entry.name)) : undefined;
  if (capability === 'env') {
    // SPEC section 5: an ungranted environment reads as empty (audited), never a trap.
    const what = partly !== undefined ? `calls of ${partly.only.join(', ')} (${subject(entry)})` : subject(entry);
    const others = partly !== undefined ? `; ${partly.others}` : '';
    return `${what} will read an empty environment: capability 'env' is not declared${others} (${tail})`;
  }
  if (partly !== undefined) {
    return `calls of ${partly.only.join(', ')} (${subject(entry)}) will be denied: capability '${capability}' is not declared; ${partly.others} (${tail})`;
  }
  return `every call of ${subject(entry)} will be denied: capability '${capability}' is not declared (${tail})`;
}

/**
 * Holds the binary's imports against the manifest's `allow` (deny rules narrow scopes only).
 * `defaults`: what the runner grants a binary WITHOUT a manifest anyway (the CLI's `run`:
 * console.write, SPEC section 1), so that `inspect` says what `run` will do: imports it
 * covers are not warned about (their row says `byDefault`).
 */
export function auditImports(imports: readonly ImportEntry[], manifest: CanonicalManifest, defaults?: CanonicalManifest): AuditReport {
  const rows: AuditRow[] = [];
  const warnings: string[] = [];
  for (const entry of imports) {
    const capability = capabilityForImport(entry);
    const declared = capability === null || isDeclared(capability, manifest);
    const byDefault = !declared && defaults !== undefined && isDeclared(capability!, defaults);
    const partly = entry.module === null && capability !== null ? PARTLY_GATED.get(unversionedInterface(entry.name)) : undefined;
    rows.push({
      import: importLabel(entry),
      capability,
      declared,
      ...(partly ? { only: partly.only } : {}),
      ...(byDefault ? { byDefault: true as const } : {}),
    });
    if (!declared && !byDefault && capability !== null) warnings.push(undeclaredWarning(entry, capability));
  }
  for (const name of ALL_CAPABILITY_NAMES) {
    if (manifest.allow[name] === undefined) continue;
    if (!rows.some((row) => reaches(row.capability, name))) {
      warnings.push(
        `capability '${name}' is declared but no import can use it: the binary imports nothing it gates (remove it from the manifest, or check the build)`,
      );
    }
  }
  return { rows, warnings };
}

/** The audit table as aligned text lines (CLI and inspect). */
export function formatAuditTable(report: AuditReport): string[] {
  const header = ['import', 'needs', 'declared'];
  // The binary chose its import names: shown escaped, so none can redraw the table.
  const body = report.rows.map((r) => [
    escapeForTerminal(r.import),
    r.capability === null ? '-' : r.only ? `${r.capability} (${r.only.join(', ')})` : r.capability,
    r.capability === null ? 'ungated' : r.declared ? 'yes' : r.byDefault ? 'no (run grants it by default)' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...body.map(line)];
}

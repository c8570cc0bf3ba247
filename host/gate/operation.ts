/**
 * What kind of WASI operation a gate decision is about, as a typed value from one table,
 * instead of matching function names by suffix where a rule needs to know (the prompt's
 * "an answer `once` at open covers the handle's later reads" rule). Platform-neutral.
 */

/**
 * - `fs-path`: a `wasi:filesystem/types` call that resolves a path beneath a descriptor
 *   (`descriptor.open-at`, `stat-at`, ...): a new target, asked about anew.
 * - `fs-path-follow-up`: a path call that only completes the one before it on the same path
 *   (preview1's `path_filestat_get` is `stat-at` then `metadata-hash-at`).
 * - `fs-handle`: any other `wasi:filesystem/types` call: on a descriptor or stream already
 *   opened, covered by what opened it.
 * - `preopens-listing`: `wasi:filesystem/preopens#get-directories`.
 * - `environment-listing`: `wasi:cli/environment#get-environment`.
 * - `other`: everything else (clocks, sockets, HTTP, the native API).
 */
export type OperationKind = 'fs-path' | 'fs-path-follow-up' | 'fs-handle' | 'preopens-listing' | 'environment-listing' | 'other';

/** One operation a decision is about: its interface, function and kind. */
export interface Operation {
  readonly iface: string;
  readonly func: string;
  readonly kind: OperationKind;
}

export const FS_TYPES = 'wasi:filesystem/types';
export const FS_PREOPENS = 'wasi:filesystem/preopens';
export const CLI_ENVIRONMENT = 'wasi:cli/environment';

/** The `wasi:filesystem/types` methods that take a path (WIT `descriptor.*-at`), by kind. */
const FS_PATH_FUNCS: ReadonlyMap<string, OperationKind> = new Map<string, OperationKind>([
  ['descriptor.open-at', 'fs-path'],
  ['descriptor.stat-at', 'fs-path'],
  ['descriptor.set-times-at', 'fs-path'],
  ['descriptor.link-at', 'fs-path'],
  ['descriptor.create-directory-at', 'fs-path'],
  ['descriptor.readlink-at', 'fs-path'],
  ['descriptor.remove-directory-at', 'fs-path'],
  ['descriptor.rename-at', 'fs-path'],
  ['descriptor.symlink-at', 'fs-path'],
  ['descriptor.unlink-file-at', 'fs-path'],
  ['descriptor.metadata-hash-at', 'fs-path-follow-up'],
]);

function kindOf(iface: string, func: string): OperationKind {
  if (iface === FS_TYPES) return FS_PATH_FUNCS.get(func) ?? 'fs-handle';
  if (iface === FS_PREOPENS && func === 'get-directories') return 'preopens-listing';
  if (iface === CLI_ENVIRONMENT && func === 'get-environment') return 'environment-listing';
  return 'other';
}

/** Operations seen, by `iface#func`: a finite set (the WIT functions), so this stays small. */
const known = new Map<string, Operation>();

/** The operation `iface#func`, made once and shared. */
export function operationOf(iface: string, func: string): Operation {
  const key = `${iface}#${func}`;
  let op = known.get(key);
  if (op === undefined) known.set(key, (op = Object.freeze({ iface, func, kind: kindOf(iface, func) })));
  return op;
}

/**
 * Path resolution beneath a held directory handle, one component at a time (cap-std's
 * "manual" resolution, cap-primitives/src/fs/via_parent + manually/open.rs, which Wasmtime
 * uses when openat2 is missing):
 *
 * - the walk keeps a stack of handles it opened; `..` pops the stack and never asks the OS, so
 *   it can never climb above the handle the walk started from, wherever that directory has
 *   been moved since;
 * - every step opens ONE name in the handle on top of the stack, never following a symlink
 *   there (the backend's contract); a symlink is read and its target pushed back onto the
 *   path, so symlinks are resolved inside the sandbox by the same walk; an absolute target or
 *   one that climbs above the start is an escape;
 * - nothing is ever resolved from a stored host path string, so renaming a directory away and
 *   putting a symlink where it was cannot move a held handle, and a racing process can only
 *   make a step fail (`loop`, `no-entry`), never lead it outside.
 *
 * The result is the directory that holds the final name plus that name, and the guest
 * segments walked (after symlinks): the policy is checked there, where the object really is.
 * Platform-neutral.
 */
import type { FsBackend } from './backend.js';

/** How many symlinks one resolution may expand (Linux's own bound). */
export const MAX_SYMLINK_EXPANSIONS = 40;

/** A path that leaves the directory it is relative to: absolute, `..` above it, or a symlink pointing out. */
export class PathEscape {
  readonly kind = 'path-escape';
  constructor(readonly path: string) {}
}

export interface Resolved<H> {
  /** The directory holding `name` (or, when `name` is null, the object the path names). */
  readonly dir: H;
  /** Whether the walk opened `dir` (the caller closes it with `release`), or it is the start handle. */
  readonly owned: boolean;
  /** The final component, or null when the path names a directory on the walk (`.`, `a/..`, `a/`). */
  readonly name: string | null;
  /** Guest segments of the result below the start handle, symlinks resolved. */
  readonly segments: readonly string[];
  /** The path asked for a directory (trailing `/` or `/.`) at its final component. */
  readonly mustBeDirectory: boolean;
}

/**
 * Resolves `path` beneath `start`. `followFinal` follows a symlink at the final component
 * and, when the path ends in `/`, opens it as a directory (name null). Without it the final
 * component is never looked at: it is returned as `name` (with `mustBeDirectory` for a
 * trailing `/`), for the operations that act on a name itself (mkdir, unlink, rename, ...). Throws PathEscape, or an error-code string (`no-entry`,
 * `loop`, `not-directory`, `invalid`, ...). Handles the walk opened are closed on every path
 * out, except the returned `dir` when `owned`.
 */
export function resolveBeneath<H>(
  backend: FsBackend<H>,
  start: H,
  path: string,
  followFinal: boolean,
  /**
   * Asked before the walk steps into a directory (its segments below `start`): false when the
   * guest may not look there. Such a directory is never touched: `x/..` through it is taken
   * lexically (no system call, so nothing is learnt about `x`), and anything deeper is `access`.
   */
  mayStepInto?: (segments: readonly string[]) => boolean,
): Resolved<H> {
  if (path.length === 0) throw 'no-entry';
  if (path.includes('\0')) throw 'invalid';
  if (path.charCodeAt(0) === 0x2f) throw new PathEscape(path);
  // The common case, one plain name not followed: nothing to walk.
  if (!followFinal && isPlainName(path)) {
    return { dir: start, owned: false, name: path, segments: [path], mustBeDirectory: false };
  }
  // Pending components, last first, so taking the next is a pop.
  const pending = path.split('/').reverse();
  const stack: H[] = [start];
  const segments: string[] = [];
  let expansions = 0;
  let done = false;
  try {
    while (pending.length > 0) {
      const c = pending.pop()!;
      if (c === '' || c === '.') continue;
      if (c === '..') {
        if (segments.length === 0) throw new PathEscape(path);
        backend.close(stack.pop()!);
        segments.pop();
        continue;
      }
      const top = stack[stack.length - 1]!;
      const last = isLast(pending);
      // A final component followed only by `/` or `/.` must be a directory, and is followed.
      const mustBeDirectory = last && pending.length > 0;
      if (last && (!followFinal || !mustBeDirectory)) {
        if (!followFinal || !isSymlink(backend, top, c)) {
          done = true;
          return { dir: top, owned: stack.length > 1, name: c, segments: [...segments, c], mustBeDirectory };
        }
      } else {
        let step: H;
        if (mayStepInto !== undefined && !mayStepInto([...segments, c])) {
          if (!skipDotDot(pending)) throw 'access';
          continue;
        }
        try {
          step = backend.openDirStep(top, c);
        } catch (e) {
          // Not a directory: a symlink to follow, or the error it is.
          if ((e !== 'loop' && e !== 'not-directory') || !isSymlink(backend, top, c)) throw e;
          expand(backend, top, c, pending, path, ++expansions);
          continue;
        }
        stack.push(step);
        segments.push(c);
        continue;
      }
      expand(backend, top, c, pending, path, ++expansions);
    }
    done = true;
    return { dir: stack[stack.length - 1]!, owned: stack.length > 1, name: null, segments, mustBeDirectory: true };
  } finally {
    // Close every handle the walk opened, but the one handed to the caller.
    const keep = done ? stack.length - 1 : -1;
    for (let i = 1; i < stack.length; i++) if (i !== keep) backend.close(stack[i]!);
  }
}

/** Closes a resolution's directory when the walk opened it. */
export function release<H>(backend: FsBackend<H>, r: Resolved<H>): void {
  if (r.owned) backend.close(r.dir);
}

/** Consumes `(.|'')* ..` at the head of the pending components, when that is what comes next. */
function skipDotDot(pending: string[]): boolean {
  let i = pending.length - 1;
  while (i >= 0 && (pending[i] === '' || pending[i] === '.')) i--;
  if (i < 0 || pending[i] !== '..') return false;
  pending.length = i;
  return true;
}

/** A single component that is not `.` or `..` (no `/`; empty is not one either). */
export function isPlainName(path: string): boolean {
  if (path.length === 0) return false;
  if (path.indexOf('/') !== -1) return false;
  return path !== '.' && path !== '..';
}

/** True when nothing but empty and `.` components remain. */
function isLast(pending: readonly string[]): boolean {
  for (let i = pending.length - 1; i >= 0; i--) {
    const c = pending[i];
    if (c !== '' && c !== '.') return false;
  }
  return true;
}

function isSymlink<H>(backend: FsBackend<H>, dir: H, name: string): boolean {
  try {
    return backend.statAt(dir, name).type === 'symbolic-link';
  } catch (e) {
    if (e === 'no-entry') return false;
    throw e;
  }
}

/** Replaces the symlink `name` by its target in the pending components. */
function expand<H>(backend: FsBackend<H>, dir: H, name: string, pending: string[], path: string, count: number): void {
  if (count > MAX_SYMLINK_EXPANSIONS) throw 'loop';
  const target = backend.readlinkAt(dir, name);
  if (target.length === 0) throw 'no-entry';
  if (target.charCodeAt(0) === 0x2f) throw new PathEscape(path);
  const parts = target.split('/');
  for (let i = parts.length - 1; i >= 0; i--) pending.push(parts[i]!);
}

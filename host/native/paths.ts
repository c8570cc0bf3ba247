/**
 * Guest path -> host path for the native API, with the same confinement the guest gate
 * applies (host/gate/filesystem.ts): the path is matched against its mapped directory by
 * whole components first, the rest is taken relative to that directory and a `..` that
 * climbs above it leaves it (`/data/../data/x` leaves `/data`, exactly as a WASI guest's
 * `../data/x` relative to the `/data` preopen does). Symlinks are followed component by
 * component with lstat/readlink; one whose target is absolute or climbs out leaves the
 * directory. The resolved guest path is what the policy checks; a final realpath check on
 * the host path guards the result.
 */
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { join, relative, isAbsolute, sep } from 'node:path';
import { resolveSymlinks, SymlinkEscape } from '../gate/symlinks.js';

export interface MappedDir {
  /** The guest path as components (`/data` -> ['', 'data'], `fs-tests.dir` -> ['fs-tests.dir']). */
  readonly guest: string;
  readonly parts: readonly string[];
  /** The host directory, realpath'd once. */
  readonly host: string;
}

export type Resolved =
  | { readonly kind: 'ok'; readonly guest: string; readonly host: string }
  | { readonly kind: 'escape' }
  | { readonly kind: 'loop' };

/** Components of a guest path; absolute paths start with '' so `/data` never matches `data`. */
function components(p: string): string[] {
  const abs = p.startsWith('/');
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  return abs ? ['', ...parts] : parts;
}

export function mapDirs(dirs: Readonly<Record<string, string>>): MappedDir[] {
  const out: MappedDir[] = [];
  for (const [guest, host] of Object.entries(dirs)) {
    const parts = components(guest);
    if (parts.includes('..')) throw new Error(`native dirs: guest path ${JSON.stringify(guest)} may not contain ".."`);
    // realpath once: a mapped directory that is itself a symlink is fine; what matters is
    // that nothing below it leads out of where it really is.
    out.push({ guest: toGuest(parts), parts, host: realpathSync(host) });
  }
  // Longest first, so `/data/sub` mapped separately wins over `/data`.
  return out.sort((a, b) => b.parts.length - a.parts.length);
}

function toGuest(parts: readonly string[]): string {
  if (parts.length === 0) return '.';
  if (parts[0] === '') return '/' + parts.slice(1).join('/');
  return parts.join('/');
}

function isWithinHost(base: string, p: string): boolean {
  const r = relative(base, p);
  return r === '' || (!r.startsWith('..' + sep) && r !== '..' && !isAbsolute(r));
}

/**
 * Resolves `guestPath` inside its mapped directory. `followFinal`: whether a symlink in the
 * last component is followed (stat/read/write follow; unlink/rename/mkdir act on the link).
 */
export function resolveGuestPath(dirs: readonly MappedDir[], guestPath: string, followFinal: boolean): Resolved {
  if (guestPath.length === 0 || guestPath.includes('\0')) return { kind: 'escape' };
  const raw = components(guestPath);
  const dir = dirs.find((d) => d.parts.length <= raw.length && d.parts.every((p, i) => raw[i] === p));
  if (dir === undefined) return { kind: 'escape' }; // absolute elsewhere, or an unmapped name
  const trailingSlash = guestPath.endsWith('/');

  // Lexical part, relative to the directory: `..` may not climb above it.
  const pending: string[] = [];
  for (const part of raw.slice(dir.parts.length)) {
    if (part === '..') {
      if (pending.pop() === undefined) return { kind: 'escape' };
    } else pending.push(part);
  }

  // Symlinks, one component at a time, with the gate's walk.
  let done: string[];
  try {
    done = resolveSymlinks(pending, trailingSlash, followFinal, {
      isLink(at) {
        try {
          return lstatSync(join(dir.host, ...at)).isSymbolicLink();
        } catch {
          // Does not exist: the rest is taken lexically (the operation itself reports no-entry).
          return null;
        }
      },
      readLink: (at) => readlinkSync(join(dir.host, ...at)),
    });
  } catch (e) {
    if (e instanceof SymlinkEscape) return { kind: 'escape' };
    if (e === 'loop') return { kind: 'loop' };
    throw e;
  }

  const host = join(dir.host, ...done);
  // Defence in depth: whatever exists of the path must really be inside the directory.
  try {
    const real = realpathSync(followFinal ? host : join(host, '..'));
    if (!isWithinHost(dir.host, real)) return { kind: 'escape' };
  } catch {
    // Missing: nothing to follow.
  }
  return { kind: 'ok', guest: toGuest([...dir.parts, ...done]), host };
}

/**
 * The native API's mapped directories (guest path -> host directory): a path is matched
 * against its mapped directory by whole components, and the rest is resolved beneath a handle
 * on that directory (native/fs.ts), so a `..` that climbs above it leaves it
 * (`/data/../data/x` leaves `/data`, exactly as a WASI guest's `../data/x` relative to the
 * `/data` preopen does).
 */
import { realpathSync } from 'node:fs';
import { lexicalGuestPath } from '../gate/fs/filesystem.js';

export interface MappedDir {
  /** The guest path as components (`/data` -> ['', 'data'], `fs-tests.dir` -> ['fs-tests.dir']). */
  readonly guest: string;
  readonly parts: readonly string[];
  /** The host directory, realpath'd once. */
  readonly host: string;
}

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
    // that nothing below it leads out of where it really is. realpath(3) (`.native`), as the
    // kernel resolves the path: Node's JS realpathSync resolves the path lexically first, so
    // `link/..` was the directory holding `link`, not the parent of link's target where a
    // guest's preopen of the same path is (and what the CLI checked).
    out.push({ guest: toGuest(parts), parts, host: realpathSync.native(host) });
  }
  // Longest first, so `/data/sub` mapped separately wins over `/data`.
  return out.sort((a, b) => b.parts.length - a.parts.length);
}

function toGuest(parts: readonly string[]): string {
  if (parts.length === 0) return '.';
  if (parts[0] === '') return '/' + parts.slice(1).join('/');
  return parts.join('/');
}

/**
 * The mapped directory `guestPath` lies in (by whole components, longest mapping first), the
 * rest of the path relative to it as written (resolved later beneath a handle on the
 * directory), and the path normalised lexically (null when it climbs above the directory).
 * Undefined when no mapping holds it (absolute elsewhere, or an unmapped name).
 */
export function findMappedDir(
  dirs: readonly MappedDir[],
  guestPath: string,
): { dir: MappedDir; rest: string; written: string | null } | undefined {
  if (guestPath.length === 0 || guestPath.includes('\0')) return undefined;
  const raw = components(guestPath);
  const dir = dirs.find((d) => d.parts.length <= raw.length && d.parts.every((p, i) => raw[i] === p));
  if (dir === undefined) return undefined;
  const restParts = raw.slice(dir.parts.length);
  // Keep a trailing slash: it says the name must be a directory.
  const rest = restParts.join('/') + (restParts.length > 0 && guestPath.endsWith('/') ? '/' : '');
  return { dir, rest, written: rest === '' ? dir.guest : lexicalGuestPath(dir.guest, rest) };
}

/**
 * Symlink resolution by hand, one segment at a time, for the checks that must see the path the
 * platform will really use (SPEC section 5: paths are checked after normalisation and symlink
 * resolution inside the preopen). Shared by the gate (which reads links through the platform's
 * descriptor) and the Node set-times path (which reads them with `node:fs`); pure: the caller
 * supplies the two filesystem questions.
 */

/** How many symlinks one resolution may follow (the shim and Linux use the same bound). */
export const MAX_SYMLINKS = 40;

/** The two questions the walk asks, about a path given as segments below the walk's root. */
export interface LinkReader {
  /** `true` a symlink, `false` anything else, `null` it does not exist. Other faults throw. */
  isLink(segments: readonly string[]): boolean | null;
  /** The symlink's target text. */
  readLink(segments: readonly string[]): string;
}

/** Thrown when a symlink is absolute or climbs above the walk's root. */
export class SymlinkEscape {
  readonly kind = 'symlink-escape';
}

/**
 * `segments` (already lexically normal: no `.`, `..` or empty parts) with every symlink
 * resolved; the final one only when `followFinal` (or the path ends in `/`). From the first
 * segment that does not exist, the rest is taken lexically, as the platform does. Throws
 * `'loop'` past MAX_SYMLINKS and `SymlinkEscape` for a link that leaves the root.
 */
export function resolveSymlinks(
  segments: readonly string[],
  trailingSlash: boolean,
  followFinal: boolean,
  fs: LinkReader,
): string[] {
  const done: string[] = [];
  let pending = [...segments];
  let followed = 0;
  while (pending.length > 0) {
    const seg = pending[0]!;
    pending = pending.slice(1);
    const candidate = [...done, seg];
    const isLink = fs.isLink(candidate);
    if (isLink === null) return [...candidate, ...pending];
    if (!isLink || (pending.length === 0 && !followFinal && !trailingSlash)) {
      done.push(seg);
      continue;
    }
    if (++followed > MAX_SYMLINKS) throw 'loop';
    const target = fs.readLink(candidate).replace(/\\/g, '/');
    if (target.startsWith('/')) throw new SymlinkEscape();
    const next = [...done];
    for (const part of target.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (next.pop() === undefined) throw new SymlinkEscape();
      } else next.push(part);
    }
    pending = [...next, ...pending];
    done.length = 0;
  }
  return done;
}

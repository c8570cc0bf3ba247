/**
 * `--dir GUEST=HOST` (SPEC section 8): parsing, checking the host side, and finding mappings
 * no filesystem grant covers (a warning: the guest would never see them).
 */
import { realpathSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { UsageError } from '../errors.js';
import { PolicyRules } from '../policy/rules.js';
import { guestPathOfHost, planPreopens } from '../gate/preopens.js';
import { normalizeGuestPath, pathCovers, PathScope } from '../policy/scopes/path.js';
import type { CanonicalManifest } from '../policy/types.js';

/** What parseDirs needs to know about a host path (injectable for tests). */
export type HostDirKind = 'directory' | 'missing' | 'not-directory';

function hostDirKind(path: string): HostDirKind {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'not-directory';
  } catch {
    return 'missing';
  }
}

/**
 * `--dir GUEST=HOST`, or `--dir /abs` mapping an absolute path to itself. A relative path
 * without `=` (`--dir ./d`) is refused: which guest path should it be? A host directory that
 * does not exist, or is not a directory, is refused too (UsageError, exit 64), instead of a
 * guest that finds nothing there.
 */
export function parseDirs(values: readonly string[] = [], kindOf: (host: string) => HostDirKind = hostDirKind): Record<string, string> {
  const dirs: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const shown = `--dir ${JSON.stringify(v)}`;
    if (eq < 0 && !v.startsWith('/')) {
      throw new UsageError(`${shown}: a relative path needs GUEST=HOST (for example --dir /data=${v})`);
    }
    const guest = eq < 0 ? v : v.slice(0, eq);
    const host = eq < 0 ? v : v.slice(eq + 1);
    if (guest === '' || host === '') throw new UsageError(`${shown}: expected GUEST=HOST`);
    if (normalizeGuestPath(guest) === null) throw new UsageError(`${shown}: ${JSON.stringify(guest)} is not a guest path`);
    const kind = kindOf(host);
    if (kind === 'missing') throw new UsageError(`${shown}: the host directory ${JSON.stringify(host)} does not exist`);
    if (kind === 'not-directory') throw new UsageError(`${shown}: ${JSON.stringify(host)} is not a directory`);
    dirs[guest] = host;
  }
  return dirs;
}

/** Whether a grant of fs.read or fs.write reaches `guest` or something below it (the typed scopes, not parsed again). */
function covered(rules: PolicyRules, guest: string): boolean {
  for (const cap of ['fs.read', 'fs.write'] as const) {
    if (rules.deny.get(cap) === true) continue;
    const grant = rules.allow.get(cap);
    if (grant === true) return true;
    if (grant === undefined) continue;
    for (const s of grant) if (s instanceof PathScope && (pathCovers(s.path, guest) || pathCovers(guest, s.path))) return true;
  }
  return false;
}

/** One warning per `--dir` mapping that no filesystem grant of `manifest` reaches. */
export function uncoveredDirWarnings(manifest: CanonicalManifest, dirs: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  const rules = PolicyRules.fromManifest(manifest);
  for (const guest of Object.keys(dirs)) {
    const g = normalizeGuestPath(guest);
    if (g === null || covered(rules, g)) continue;
    out.push(
      `--dir ${guest}: no fs.read or fs.write grant covers ${guest}, so the guest will not see it (grant it with --allow-read=${guest} or --allow-write=${guest})`,
    );
  }
  return out;
}

/**
 * Where a preopen's host directory really is, as the kernel resolves it when the preopen is
 * opened: realpath(3), not Node's JS realpathSync or path.resolve, which take `link/..`
 * lexically (the directory holding `link`, where the kernel goes to the parent of link's
 * target) and would put the guest's cwd in another directory than its preopen. A directory
 * that does not exist (an implicit preopen left out) is resolved lexically: it maps nothing.
 */
export function hostDirAsOpened(host: string): string {
  try {
    return realpathSync.native(host);
  } catch {
    return resolvePath(host);
  }
}

/**
 * The guest path of the host's working directory `cwd` (default: this process's, which
 * getcwd(3) gives as a real path) through the preopens of `manifest` and `dirs`, or undefined
 * when no preopen maps it: the guest's `initial-cwd`, never a host path (SPEC section 5).
 */
export function guestCwdOf(
  manifest: CanonicalManifest,
  dirs: Readonly<Record<string, string>>,
  cwd: string = process.cwd(),
): string | undefined {
  return guestPathOfHost(cwd, planPreopens(manifest, dirs), hostDirAsOpened);
}

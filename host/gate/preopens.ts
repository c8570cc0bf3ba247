/**
 * Which directories a guest gets as preopens (SPEC section 8, `--dir GUEST=HOST`).
 * Every fs.read / fs.write scope path is a preopen mapped to the same host path unless a
 * `--dir` mapping names it; a scope that lies inside another preopen is reached through that
 * one instead of getting its own. An unscoped grant (`fs.read: true`) adds no preopen by
 * itself: like Wasmtime, directories are reached only through `--dir` then. Preopens that
 * the live policy does not allow are hidden by `get-directories`. Pure.
 */
import { PolicyRules } from '../policy/rules.js';
import { normalizeGuestPath, pathCovers, PathScope } from '../policy/scopes/path.js';
import type { CanonicalManifest } from '../policy/types.js';

export interface PreopenPlan {
  /** The normalised guest path or relative preopen name (`/data`, `fs-tests.dir`). */
  readonly guest: string;
  /** The host directory (as given; the platform resolves relative ones). */
  readonly host: string;
  /**
   * Named by a `--dir` mapping (or below one). A missing host directory is then an error;
   * an implicit preopen (a scope mapped to itself) that does not exist is left out.
   * Default true (a preopen an embedder names must exist).
   */
  readonly mapped?: boolean;
  /**
   * Set when the preopen lies below a `--dir` mapping (a scope inside it): that mapping's guest
   * path and host directory, and the path below it. The preopen is then opened by the sandbox
   * walk beneath the mapping's directory (symlinks resolved inside it, checked where they
   * lead), never through `host` as a string: a symlink planted there (by a guest that could
   * write the mapping, in an earlier run) would otherwise make the preopen any host directory.
   */
  readonly within?: PreopenWithin;
}

/** Where a preopen below a `--dir` mapping lies: the mapping and the path below it. */
export interface PreopenWithin {
  /** The mapping's normalised guest path. */
  readonly guest: string;
  /** The mapping's host directory (as given). */
  readonly host: string;
  /** The preopen's path below it, normal (no `.`, `..` or empty components). */
  readonly path: string;
}

/**
 * @param manifest the resolved policy, as typed rules or as a manifest (one the policy core
 *   made maps back to its rules without parsing)
 * @param dirs guest path -> host directory (`--dir`); default none
 */
export function planPreopens(manifest: CanonicalManifest | PolicyRules, dirs: Readonly<Record<string, string>> = {}): PreopenPlan[] {
  const plans = new Map<string, string>();
  const fromDir = new Set<string>();
  const mapped = new Set<string>();
  const within = new Map<string, PreopenWithin>();
  for (const [guest, host] of Object.entries(dirs)) {
    const g = normalizeGuestPath(guest);
    if (g !== null) {
      plans.set(g, host);
      fromDir.add(g);
      mapped.add(g);
    }
  }
  const rules = manifest instanceof PolicyRules ? manifest : PolicyRules.fromManifest(manifest);
  const scopes: string[] = [];
  for (const cap of ['fs.read', 'fs.write'] as const) {
    const grant = rules.allow.get(cap);
    // The scopes' paths are normal already (PathScope.parse normalised them).
    if (grant !== undefined && grant !== true) for (const s of grant) if (s instanceof PathScope) scopes.push(s.path);
  }
  // Outermost first, so an inner scope finds the preopen that already covers it.
  scopes.sort((a, b) => a.length - b.length);
  for (const s of scopes) {
    if (plans.has(s)) continue;
    // Inside another scope's preopen: reached through it.
    if ([...plans.keys()].some((p) => !fromDir.has(p) && pathCovers(p, s))) continue;
    // Inside a `--dir` mapping (which may itself be hidden): its own preopen, mapped below it.
    const dir = [...fromDir].filter((p) => pathCovers(p, s)).sort((a, b) => b.length - a.length)[0];
    if (dir !== undefined) {
      const rest = dir === '/' || dir === '.' ? s.replace(/^\/+/, '') : s.slice(dir.length + 1);
      const host = plans.get(dir)!;
      plans.set(s, host.endsWith('/') ? host + rest : `${host}/${rest}`);
      mapped.add(s);
      within.set(s, { guest: dir, host, path: rest });
    } else plans.set(s, s);
  }
  return [...plans.entries()]
    .map(([guest, host]) => {
      const w = within.get(guest);
      return { guest, host, mapped: mapped.has(guest), ...(w === undefined ? {} : { within: w }) };
    })
    .sort((a, b) => (a.guest < b.guest ? -1 : a.guest > b.guest ? 1 : 0));
}

/**
 * The guest path at which the host directory `hostPath` (absolute) is seen through the
 * preopens, or undefined when no preopen maps it: how the CLI turns its own working
 * directory into the guest's `initial-cwd` without ever showing the guest a host path.
 * `resolveHost` makes a preopen's host path absolute (the platform's rule).
 */
export function guestPathOfHost(
  hostPath: string,
  plans: readonly PreopenPlan[],
  resolveHost: (host: string) => string,
): string | undefined {
  let best: { guest: string; rest: string } | undefined;
  for (const p of plans) {
    const host = resolveHost(p.host).replace(/\/+$/, '') || '/';
    // Host paths are absolute: the path scope's rule (same namespace, whole components) holds for them too.
    if (!pathCovers(host, hostPath)) continue;
    const rest = host === '/' ? hostPath.slice(1) : hostPath.slice(host.length + 1);
    if (best === undefined || rest.length < best.rest.length) best = { guest: p.guest, rest };
  }
  if (best === undefined) return undefined;
  if (best.rest === '') return best.guest;
  return best.guest === '/' ? '/' + best.rest : best.guest === '.' ? best.rest : `${best.guest}/${best.rest}`;
}

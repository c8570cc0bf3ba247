/**
 * The library (createHost: `prepare`, `run`) and the CLI (`run`, `serve`) refuse a policy
 * under which the guest could write code the host runs:
 * - the cache root (transpiled components, imported as JavaScript; the CLI's V8 code cache),
 *   whose hashes detect damage, not a writer (host/node/transpile-cache.ts): a guest granted
 *   `--allow-write=~` could plant JavaScript there that a later `run` executes with the user's
 *   rights, fs.write turned into everything;
 * - molt-wasm's own installed files (its package directory, and the node_modules directory it
 *   was installed into, which holds jco and preview2-shim): `npx molt-wasm run --allow-write=.`
 *   in a project is the same plant, one directory over.
 * The README said never to grant them; this makes the host hold to it. Only the guest's write
 * grant counts (reading them tells nothing secret), and only where it reaches one of them, as
 * the preopens place it and as the policy allows writing there.
 *
 * A policy that passes may still be widened while the guest runs: a `--prompt` answer (or an
 * embedder's `grant`) for a path there. So the guest's policy also gets a deny of `fs.write`
 * at each place a code root is reached through a preopen (denyCodeWrites): deny wins over any
 * later grant, and a prompt never asks about a denial by a rule. The rules stay here; the
 * prompter knows nothing of them.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WritableCodeError } from '../errors.js';
import { planPreopens } from '../gate/preopens.js';
import { CompiledPolicy } from '../policy/policy.js';
import { PolicyRules } from '../policy/rules.js';
import { pathCovers, PathScope } from '../policy/scopes/path.js';
import type { CanonicalManifest } from '../policy/types.js';

/** The package's directories the host loads code from (the CLI, its bundle, the addons, dependencies). */
const CODE_DIRS = ['package.json', 'bin', 'dist', 'native', 'node_modules'];

/**
 * The places molt-wasm's own code is loaded from: in its package root (the nearest ancestor
 * of this module with a package.json named molt-wasm; the same from the CLI bundle), CODE_DIRS;
 * and, when it was installed as a dependency, the node_modules directory holding it. A grant
 * on the package root reaches them all.
 */
export function ownCodeRoots(from: string = fileURLToPath(import.meta.url)): string[] {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'molt-wasm') {
        // Where code is loaded from, not the whole directory: a checkout's root also holds
        // guest examples and test data, which a guest may well be given to write.
        const code = CODE_DIRS.map((d) => join(dir, d));
        const parent = dirname(dir);
        return basename(parent) === 'node_modules' ? [...code, parent] : code;
      }
    } catch {
      // no package.json here, or not JSON: look further up
    }
    if (dirname(dir) === dir) return [];
  }
}

/** `p` absolute, with every symlink in its longest existing prefix resolved (the rest may not exist yet). */
function realish(p: string): string {
  let head = resolve(p);
  const rest: string[] = [];
  while (!existsSync(head)) {
    const up = dirname(head);
    if (up === head) break;
    rest.unshift(head.slice(up.length).replace(/^[/\\]+/, ''));
    head = up;
  }
  let real = head;
  try {
    real = realpathSync.native(head);
  } catch {
    // keep it as given
  }
  return rest.length === 0 ? real : resolve(real, ...rest);
}

/** `inner` relative to `outer` when it lies at or below it (`''` for itself), else null. */
function below(outer: string, inner: string): string | null {
  const r = relative(outer, inner);
  if (r === '') return '';
  if (r.startsWith('..') || resolve(outer, r) !== inner || r.split(sep).includes('..')) return null;
  return r.split(sep).join('/');
}

/** Whether a write grant names a path inside `guest` (a place in the cache itself). */
function writeScopeWithin(policy: CompiledPolicy, guest: string): boolean {
  const grant = policy.rules.allow.get('fs.write');
  if (grant === undefined || grant === true) return false;
  return [...grant].some(
    (s) => s instanceof PathScope && pathCovers(guest, s.path) && policy.check('fs.write', { kind: 'path', path: s.path }) === 'ok',
  );
}

/** Where a code root is reached through a preopen: the host path, and the guest path it has there. */
export interface CodePlace {
  readonly host: string;
  readonly guest: string;
}

/**
 * Each place where one of `codeRoots` meets a preopen of `manifest` (with `dirs`): the root
 * inside the preopen (at the guest path it has there), or the preopen inside the root (at the
 * preopen's guest path).
 */
export function codePlaces(manifest: CanonicalManifest, dirs: Readonly<Record<string, string>>, codeRoots: readonly string[]): CodePlace[] {
  const out: CodePlace[] = [];
  const preopens = planPreopens(manifest, dirs);
  for (const root of codeRoots) {
    const code = realish(root);
    for (const p of preopens) {
      const host = realish(p.host);
      const rest = below(host, code);
      if (rest === null && below(code, host) === null) continue;
      const guest = rest === null || rest === '' ? p.guest : p.guest === '/' ? `/${rest}` : p.guest === '.' ? rest : `${p.guest}/${rest}`;
      out.push({ host: code, guest });
    }
  }
  return out;
}

/**
 * Throws WritableCodeError (exit 64) when a preopen of `manifest` (with `dirs`) lets the guest
 * write at or above or inside one of `codeRoots`. Scopes and deny rules are honoured: a write
 * grant below the root's path, or a deny of writing there, is fine.
 */
export function refuseWritableCode(
  manifest: CanonicalManifest,
  dirs: Readonly<Record<string, string>>,
  codeRoots: readonly string[],
): void {
  const policy = CompiledPolicy.fromRules(PolicyRules.fromManifest(manifest));
  for (const { host, guest } of codePlaces(manifest, dirs, codeRoots)) {
    if (policy.check('fs.write', { kind: 'path', path: guest }) !== 'ok' && !writeScopeWithin(policy, guest)) continue;
    throw new WritableCodeError(
      `the guest could write in ${JSON.stringify(host)} (as ${JSON.stringify(guest)}), which holds code the host runs ` +
        "(molt-wasm's cache or its own installed files): narrow the write grant, deny writing there (--deny-write), or move the cache (MOLT_WASM_CACHE_DIR, --cache-dir)",
      host,
      guest,
    );
  }
}

/**
 * `manifest` with `fs.write` denied at every place a code root is reached through a preopen
 * (refuseWritableCode passed it: nothing it grants is taken away), so no grant made while
 * the guest runs (a prompt's answer, an embedder's `grant`) can reach one.
 */
export function denyCodeWrites(
  manifest: CanonicalManifest,
  dirs: Readonly<Record<string, string>>,
  codeRoots: readonly string[],
): CanonicalManifest {
  const places = [...new Set(codePlaces(manifest, dirs, codeRoots).map((p) => p.guest))];
  const denied = manifest.deny['fs.write'];
  if (places.length === 0 || denied === true) return manifest;
  const scopes = [...new Set([...(denied ?? []), ...places])].sort();
  return { ...manifest, deny: { ...manifest.deny, 'fs.write': scopes } };
}

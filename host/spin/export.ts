/**
 * The policy `molt-wasm run` would enforce, as one Spin component (SPEC section 8, `export
 * spin`). Pure: the caller resolves the policy, plans the preopens, reads the binary and says
 * how host paths are written; this module decides what maps to Spin, what Spin cannot express
 * (`unsupported`: the CLI refuses unless `--allow-lossy`) and what is only worth a warning.
 *
 * What maps: net grants to `allowed_outbound_hosts` (outbound-hosts.ts), fs.read preopens to
 * `files` mounts (Spin mounts them read-only), `--env` values the env grant lets through to
 * `environment`, and a `wasi:http/proxy` component to an HTTP trigger on `/...`.
 * What Spin cannot express: deny rules that narrow a grant, fs.write, withholding
 * console.write or time (Spin always gives stdio and clocks), relative preopen names, env
 * grants whose value would come from the host at run time, and imports Spin does not supply.
 */
import { normalizeGuestPath, pathCovers } from '../policy/scopes/path.js';
import { EnvScope } from '../policy/scopes/env.js';
import type { CanonicalManifest, CapabilityName, Grant } from '../policy/types.js';
import type { ExportEntry, ImportEntry } from '../manifest/wasm/imports.js';
import type { BinaryKind } from '../manifest/wasm/sections.js';
import { UsageError } from '../errors.js';
import { quoteForTerminal } from '../terminal-text.js';
import { NotHttpProxyError } from './errors.js';
import { allowedOutboundHosts } from './outbound-hosts.js';

/** A preopen as host/gate/preopens.ts plans it for `run`. */
export interface SpinPreopen {
  readonly guest: string;
  readonly host: string;
  /** Named by a `--dir` mapping (checked to exist already), not a scope mapped to itself. */
  readonly mapped?: boolean;
  /** Below a `--dir` mapping: that mapping and the path below it (PreopenPlan.within). */
  readonly within?: { readonly guest: string; readonly host: string; readonly path: string };
}

export interface SpinExportInput {
  /** The resolved policy (what `run` would enforce). */
  readonly policy: CanonicalManifest;
  /** planPreopens(policy, dirs): the directories `run` would give the guest. */
  readonly preopens: readonly SpinPreopen[];
  /** `--env` values. */
  readonly env: Readonly<Record<string, string>>;
  /** What the binary is, imports and exports. */
  readonly binary: { readonly kind: BinaryKind; readonly imports: readonly ImportEntry[]; readonly exports: readonly ExportEntry[] };
  /** The label of the binary in messages (its path as given). */
  readonly label: string;
  /** The application name and component id (a Spin kebab id). */
  readonly name: string;
  /** `source` of the component: the wasm path as spin.toml should name it. */
  readonly source: string;
  /** A host directory as a `files` mount source. */
  readonly mountSource: (host: string) => string;
  /**
   * Whether a host path is a directory. An implicit preopen that is not one is left out (as
   * `run` does); one below a `--dir` mapping is a UsageError (64).
   */
  readonly isDirectory: (host: string) => boolean;
  /**
   * The symlinks below a host directory (paths relative to it, `/`-separated) that lead out
   * of it, and whether the scan stopped at its bound before seeing everything. `run` never
   * follows such a link, but Spin's `spin up` copies a mount following symlinks, so a mount
   * holding one would give the guest what it points to.
   */
  readonly linksLeaving: (host: string) => { readonly links: readonly string[]; readonly incomplete: boolean };
  /** A host path with every symlink resolved (realpath(3)), or null when it cannot be. */
  readonly realPath: (host: string) => string | null;
}

/** `[[component.NAME.files]]` placement entries. */
export interface SpinFilesMount {
  readonly source: string;
  readonly destination: string;
}

export interface SpinComponent {
  source: string;
  allowed_outbound_hosts?: string[];
  files?: SpinFilesMount[];
  environment?: Record<string, string>;
}

/** The manifest document (Spin manifest v2), in the order it is written. */
export interface SpinManifest {
  spin_manifest_version: 2;
  application: { name: string; description: string };
  trigger: { http: { route: string; component: string }[] };
  component: Record<string, SpinComponent>;
}

export interface SpinExport {
  readonly manifest: SpinManifest;
  /** What Spin cannot express, one line each, in a stable order. Empty when the export is faithful. */
  readonly unsupported: string[];
  /** Things worth saying that do not change the policy (skipped --env values, missing implicit preopens). */
  readonly warnings: string[];
}

/** Spin's HTTP trigger runs components exporting this interface (WASI 0.2.x). */
const INCOMING_HANDLER = /^wasi:http\/incoming-handler(@0\.2\.\d+)?$/;
/** WASI 0.3's HTTP handler: Spin may run it, `run` cannot, so neither does the export. */
const WASI_03_HANDLER = /^wasi:http\/handler@0\.3\./;

/** Import namespaces Spin supplies: WASI and its own APIs. Anything else it would fail to link. */
const SPIN_NAMESPACES = ['wasi:', 'fermyon:', 'spin:'];

/**
 * Spin component ids (spin crates/serde/src/id.rs): `-`-separated words, each starting
 * with an ASCII letter, lowercase letters and digits.
 */
export const SPIN_ID = /^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/;

/** A Spin id from a file name: `my_app.v2.wasm` -> `my-app-v2`; `app` when nothing is left. */
export function spinIdFromFileName(fileName: string): string {
  const stem = fileName.replace(/\.wasm$/i, '').toLowerCase();
  const words: string[] = [];
  for (const w of stem.split(/[^a-z0-9]+/)) {
    if (w === '') continue;
    // A word starting with a digit joins the one before it (`app-2` -> `app2`).
    if (/^[0-9]/.test(w)) {
      if (words.length > 0) words[words.length - 1] += w;
      continue;
    }
    words.push(w);
  }
  return words.length === 0 ? 'app' : words.join('-');
}

function exportNames(binary: SpinExportInput['binary']): string[] {
  return binary.exports.map((e) => e.name);
}

/** Throws NotHttpProxyError unless the binary is a component exporting wasi:http/incoming-handler 0.2. */
function requireHttpProxy(binary: SpinExportInput['binary'], label: string): void {
  const names = exportNames(binary);
  if (binary.kind === 'core') {
    throw new NotHttpProxyError(
      `${label} is a preview1 core module; Spin's HTTP trigger runs wasi:http/proxy components ` +
        '(Spin runs a preview1 module only through its WAGI executor, a CGI convention molt-wasm does not export)',
      names,
    );
  }
  if (names.some((n) => INCOMING_HANDLER.test(n))) return;
  if (names.some((n) => WASI_03_HANDLER.test(n))) {
    throw new NotHttpProxyError(
      `${label} is a WASI 0.3 HTTP handler, which molt-wasm does not run, so it does not export it either`,
      names,
    );
  }
  throw new NotHttpProxyError(
    `${label} is not a wasi:http/proxy component (it does not export wasi:http/incoming-handler@0.2), ` +
      'and a Spin application needs one for its HTTP trigger',
    names,
  );
}

/** The allow grant of `cap` that the policy really gives: none when absent or denied outright. */
function effectiveGrant(policy: CanonicalManifest, cap: CapabilityName): Grant | undefined {
  if (policy.deny[cap] === true) return undefined;
  return policy.allow[cap];
}

function scopedDenies(policy: CanonicalManifest, cap: CapabilityName): readonly string[] {
  const d = policy.deny[cap];
  return d === undefined || d === true ? [] : d;
}

/** Whether a path deny scope can take anything away from `grant` (else it is harmless to leave out). */
function pathDenyOverlaps(grant: Grant, deny: string): boolean {
  if (grant === true) return true;
  const d = normalizeGuestPath(deny);
  if (d === null) return false;
  return grant.some((g) => {
    const a = normalizeGuestPath(g);
    return a !== null && (pathCovers(a, d) || pathCovers(d, a));
  });
}

function envDenyOverlaps(grant: Grant, deny: string): boolean {
  if (grant === true) return true;
  const d = EnvScope.parse(deny, 'env deny');
  return grant.some((g) => {
    const a = EnvScope.parse(g, 'env grant');
    return a.covers(d) || d.covers(a);
  });
}

/**
 * Deny rules: Spin's manifest only lists what is allowed. A deny that cannot take anything
 * away from the grant it sits beside (a path or name outside every allowed scope) changes
 * nothing and is left out quietly; a net deny always matters, since run checks it against
 * every address a name resolves to.
 */
function denyItems(policy: CanonicalManifest): string[] {
  const out: string[] = [];
  for (const cap of ['net', 'fs.read', 'fs.write', 'env'] as const) {
    const grant = effectiveGrant(policy, cap);
    if (grant === undefined) continue;
    for (const d of scopedDenies(policy, cap)) {
      const matters = cap === 'net' ? true : cap === 'env' ? envDenyOverlaps(grant, d) : pathDenyOverlaps(grant, d);
      if (matters) out.push(`deny ${cap} ${JSON.stringify(d)}: Spin has no deny rules (spin.toml lists only what is allowed)`);
    }
  }
  return out;
}

function readCovers(grant: Grant | undefined, guest: string): boolean {
  if (grant === undefined) return false;
  if (grant === true) return true;
  return grant.some((g) => {
    const a = normalizeGuestPath(g);
    return a !== null && pathCovers(a, guest);
  });
}

interface Part<T> {
  value: T;
  unsupported: string[];
  warnings: string[];
}

/** Whether `host` is the mapping's directory joined with `within.path`, no symlink on the way. */
function reachedDirectly(input: SpinExportInput, host: string, within: NonNullable<SpinPreopen['within']>): boolean {
  const real = input.realPath(host);
  const base = input.realPath(within.host);
  if (real === null || base === null) return false;
  return real === (base.endsWith('/') ? base : base + '/') + within.path;
}

function filesPart(input: SpinExportInput): Part<SpinFilesMount[]> {
  const grant = effectiveGrant(input.policy, 'fs.read');
  const value: SpinFilesMount[] = [];
  const unsupported: string[] = [];
  const warnings: string[] = [];
  for (const p of input.preopens) {
    // A preopen no read grant covers is one run hides (an uncovered --dir, or write-only).
    if (!readCovers(grant, p.guest)) continue;
    if (!p.guest.startsWith('/')) {
      unsupported.push(`fs.read ${JSON.stringify(p.guest)}: a relative preopen name; Spin mounts directories only at absolute guest paths`);
      continue;
    }
    if (!input.isDirectory(p.host)) {
      // A preopen below a --dir mapping must exist (run refuses to start without it); one
      // a grant maps to itself is left out, as run leaves it out.
      if (p.mapped === true) {
        throw new UsageError(`fs.read ${p.guest}: the host directory ${JSON.stringify(p.host)} (below a --dir mapping) does not exist`);
      }
      warnings.push(
        `fs.read ${p.guest}: the host directory ${JSON.stringify(p.host)} does not exist, so it is not mounted (run leaves it out too)`,
      );
      continue;
    }
    // A preopen below a --dir mapping that is reached through a symlink: `run` opens it by the
    // walk beneath the mapping and checks it where the link leads (refusing one that leads
    // out), while Spin would mount whatever the link points to under the preopen's name.
    if (p.within !== undefined && !reachedDirectly(input, p.host, p.within)) {
      unsupported.push(
        `fs.read ${JSON.stringify(p.guest)}: the host directory ${JSON.stringify(p.host)} is reached through a symlink below the --dir mapping of ${JSON.stringify(p.within.guest)}; run checks it where the link leads (or refuses it when the link leads out), Spin would mount what it points to`,
      );
      continue;
    }
    // Spin copies the directory following symlinks; `run` refuses every link out of it. A
    // mount with one is not expressible, and left out (narrower) under --allow-lossy.
    const leaving = input.linksLeaving(p.host);
    if (leaving.links.length > 0 || leaving.incomplete) {
      const why = "`run` never follows it, but Spin's copy of the mount would give the guest what it points to";
      for (const link of leaving.links) {
        // The link's name is whoever made it's (a guest with a write grant can): quoted safe for the terminal.
        unsupported.push(`fs.read ${JSON.stringify(p.guest)}: the symlink ${quoteForTerminal(link)} leads out of the mount; ${why}`);
      }
      if (leaving.incomplete) {
        unsupported.push(
          `fs.read ${JSON.stringify(p.guest)}: too many entries to check every symlink in it for one leading out of the mount`,
        );
      }
      continue;
    }
    value.push({ source: input.mountSource(p.host), destination: p.guest });
  }
  return { value, unsupported, warnings };
}

function fsWriteItems(policy: CanonicalManifest): string[] {
  const grant = effectiveGrant(policy, 'fs.write');
  if (grant === undefined) return [];
  const why = 'Spin mounts files read-only (spin up --allow-transient-write writes to a copy that is thrown away)';
  if (grant === true) return [`fs.write (every path): ${why}`];
  return grant.map((s) => `fs.write ${JSON.stringify(s)}: ${why}`);
}

function environmentPart(input: SpinExportInput): Part<Record<string, string>> {
  const grant = effectiveGrant(input.policy, 'env');
  const denies = scopedDenies(input.policy, 'env').map((d) => EnvScope.parse(d, 'env deny'));
  const scopes = grant === undefined || grant === true ? [] : grant.map((g) => EnvScope.parse(g, 'env grant'));
  const visible = (name: string): boolean =>
    grant !== undefined && (grant === true || scopes.some((s) => s.allows(name))) && !denies.some((d) => d.blocks(name));
  const value: Record<string, string> = {};
  const unsupported: string[] = [];
  const warnings: string[] = [];
  for (const name of Object.keys(input.env).sort()) {
    if (visible(name)) value[name] = input.env[name]!;
    else warnings.push(`--env ${name}: the env grant does not let the guest see ${name}, so it is not written (run would hide it too)`);
  }
  const host = 'spin.toml holds fixed values and export never copies the host environment into it';
  if (grant === true) unsupported.push(`env (every variable): Spin cannot pass the host environment through; ${host}`);
  for (const s of scopes) {
    if (s.isPrefix) {
      unsupported.push(
        `env ${JSON.stringify(s.toString())}: Spin cannot pass host variables through by prefix; only --env values are written`,
      );
    } else if (!(s.name in value) && !denies.some((d) => d.blocks(s.name))) {
      unsupported.push(`env ${JSON.stringify(s.name)}: granted but no --env ${s.name}=VALUE given; ${host}`);
    }
  }
  return { value, unsupported, warnings };
}

function withheldItems(policy: CanonicalManifest): string[] {
  const out: string[] = [];
  if (effectiveGrant(policy, 'console.write') === undefined) {
    out.push("console.write withheld: Spin always connects the guest's stdout and stderr (to its log)");
  }
  if (effectiveGrant(policy, 'time') === undefined) {
    out.push('time withheld: Spin always gives the guest its wall and monotonic clocks');
  }
  return out;
}

function importItems(binary: SpinExportInput['binary']): string[] {
  const foreign = [...new Set(binary.imports.map((i) => i.name).filter((n) => !SPIN_NAMESPACES.some((ns) => n.startsWith(ns))))];
  return foreign.sort().map((n) => `import ${n}: Spin does not supply it, so the component would fail to instantiate`);
}

/**
 * The Spin manifest for `input`, what it cannot express, and warnings. Throws
 * NotHttpProxyError when the binary is not a wasi:http/proxy component, UsageError when a
 * directory below a `--dir` mapping does not exist.
 */
export function exportSpin(input: SpinExportInput): SpinExport {
  requireHttpProxy(input.binary, input.label);
  const files = filesPart(input);
  const environment = environmentPart(input);
  const net = effectiveGrant(input.policy, 'net');
  const unsupported = [
    ...denyItems(input.policy),
    ...fsWriteItems(input.policy),
    ...files.unsupported,
    ...environment.unsupported,
    ...withheldItems(input.policy),
    ...importItems(input.binary),
  ];
  const component: SpinComponent = { source: input.source };
  if (net !== undefined) component.allowed_outbound_hosts = allowedOutboundHosts(net);
  if (files.value.length > 0) component.files = files.value;
  if (Object.keys(environment.value).length > 0) component.environment = environment.value;
  const manifest: SpinManifest = {
    spin_manifest_version: 2,
    application: { name: input.name, description: 'exported by molt-wasm: the policy `molt-wasm run` would enforce' },
    trigger: { http: [{ route: '/...', component: input.name }] },
    component: { [input.name]: component },
  };
  return { manifest, unsupported, warnings: [...files.warnings, ...environment.warnings] };
}

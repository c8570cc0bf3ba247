/**
 * Policy fixtures (test/fixtures/*.json, format in test/fixtures/README.md): loading,
 * validation, op parsing and scratch directories. Shared by every runner, so each one reads
 * the same file the same way.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolvePolicy } from '../../host/policy/index.js';
import type { CanonicalManifest } from '../../host/policy/types.js';

/** Every outcome a runner may report: SPEC section 2 codes, WIT outcomes, and the runner's own. */
export const OUTCOMES = [
  'ok',
  'missing',
  'subject-invalid',
  'cap-invalid',
  'access',
  'not-permitted',
  'no-entry',
  'exist',
  'trap',
  'absent',
  'access-denied',
  'HTTP-request-denied',
] as const;
export type Expected = (typeof OUTCOMES)[number];
/** `n/a`: the runner cannot express the op (it is left out of comparisons, and shown). Anything else unexpected is kept verbatim. */
export type Outcome = Expected | 'n/a' | (string & {});

export interface ControlOp {
  readonly control: 'grant' | 'revoke' | 'deny' | 'drop-subject';
  readonly cap?: string;
  readonly scope?: string;
}
export interface GuestOp {
  readonly op: string;
  readonly expect: Expected;
}
export type FixtureStep = ControlOp | GuestOp;

export interface Fixture {
  readonly name: string;
  readonly description: string;
  readonly policy: {
    readonly manifest?: CanonicalManifest;
    readonly embedded?: CanonicalManifest;
    readonly allowFlags?: CanonicalManifest;
    readonly denyFlags?: CanonicalManifest;
    readonly allowUndeclared?: boolean;
  };
  /** When set, resolving the policy must throw an error with this `name`; no op runs. */
  readonly policyError?: string;
  readonly files?: Readonly<Record<string, string>>;
  readonly symlinks?: Readonly<Record<string, string>>;
  readonly dirs?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly operations: readonly FixtureStep[];
  /** Where it was read from (filled in by the loader). */
  readonly file?: string;
}

/** A parsed guest op. Paths are guest paths; `$PORT` is already substituted. */
export type ParsedOp =
  | { readonly kind: 'read' | 'write' | 'stat' | 'readdir' | 'mkdir' | 'unlink'; readonly path: string }
  | { readonly kind: 'rename'; readonly from: string; readonly to: string }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'time'; readonly clock: 'wall' | 'mono' }
  | { readonly kind: 'lookup'; readonly host: string }
  | { readonly kind: 'connect'; readonly host: string; readonly port: number }
  | { readonly kind: 'fetch'; readonly url: string }
  | { readonly kind: 'check'; readonly name: string }
  | { readonly kind: 'check-id'; readonly id: number };

/** One runner's answer for every step of a fixture, in order; control steps answer `control`. */
export type Outcomes = readonly Outcome[];

/**
 * A runner: the Node native runner, the WASM-in-Node runner and (later) the browser runner
 * all have this shape. `available` says why a runner is skipped on this platform.
 */
export interface Runner {
  readonly name: string;
  available(): Promise<true | string>;
  run(fixture: Fixture, env: RunEnv): Promise<Outcomes>;
}

/** What the harness gives every runner: the substitutions for `$PORT`. */
export interface RunEnv {
  readonly port: number;
}

export function isControl(step: FixtureStep): step is ControlOp {
  return 'control' in step;
}

export function substitute(op: string, env: RunEnv): string {
  return op.replaceAll('$PORT', String(env.port));
}

/** Parses `kind:args`. Throws on an op the format does not define (a typo in a fixture is a bug). */
export function parseOp(op: string): ParsedOp {
  const at = op.indexOf(':');
  const kind = at < 0 ? op : op.slice(0, at);
  const rest = at < 0 ? '' : op.slice(at + 1);
  switch (kind) {
    case 'read':
    case 'write':
    case 'stat':
    case 'readdir':
    case 'mkdir':
    case 'unlink':
      return { kind, path: rest };
    case 'rename': {
      const [from, to, ...more] = rest.split(':');
      if (from === undefined || to === undefined || more.length > 0) break;
      return { kind, from, to };
    }
    case 'env':
      return { kind, name: rest };
    case 'time':
      if (rest === 'wall' || rest === 'mono') return { kind, clock: rest };
      break;
    case 'lookup':
      return { kind, host: rest };
    case 'connect': {
      // host:port; the host may be IPv6 (`::ffff:127.0.0.1`), so the port is after the last colon.
      const c = rest.lastIndexOf(':');
      const port = Number(rest.slice(c + 1));
      if (c <= 0 || !Number.isInteger(port)) break;
      const host = rest.slice(0, c);
      return { kind, host: host.startsWith('[') ? host.slice(1, -1) : host, port };
    }
    case 'fetch':
      return { kind, url: rest };
    case 'check':
      return { kind, name: rest };
    case 'check-id':
      if (/^[0-9]+$/.test(rest)) return { kind, id: Number(rest) };
      break;
  }
  throw new Error(`fixture op ${JSON.stringify(op)} is not one the format defines (see test/fixtures/README.md)`);
}

/** The resolved manifest (resolvePolicy with the fixture's layers). Throws what resolvePolicy throws. */
export function fixtureManifest(f: Fixture): CanonicalManifest {
  return resolvePolicy({
    ...(f.policy.embedded ? { embedded: f.policy.embedded } : {}),
    ...(f.policy.manifest ? { manifest: f.policy.manifest } : {}),
    ...(f.policy.allowFlags ? { allowFlags: f.policy.allowFlags } : {}),
    ...(f.policy.denyFlags ? { denyFlags: f.policy.denyFlags } : {}),
    ...(f.policy.allowUndeclared !== undefined ? { allowUndeclared: f.policy.allowUndeclared } : {}),
  }).manifest;
}

/** test/fixtures in the source tree (this file runs from dist/test/parity/). */
export function fixturesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..', '..', '..', 'test', 'fixtures');
}

function validate(f: Fixture, file: string): void {
  const where = `${file}:`;
  if (typeof f.name !== 'string' || typeof f.description !== 'string') throw new Error(`${where} needs "name" and "description"`);
  if (typeof f.policy !== 'object' || f.policy === null) throw new Error(`${where} needs "policy" (an object, {} for none)`);
  if (!Array.isArray(f.operations)) throw new Error(`${where} needs "operations" (a list)`);
  f.operations.forEach((s, i) => {
    if (isControl(s)) {
      if (!['grant', 'revoke', 'deny', 'drop-subject'].includes(s.control))
        throw new Error(`${where} operations[${i}]: unknown control ${JSON.stringify(s.control)}`);
      if (s.control !== 'drop-subject' && typeof s.cap !== 'string')
        throw new Error(`${where} operations[${i}]: control ${s.control} needs "cap"`);
      return;
    }
    if (!(OUTCOMES as readonly string[]).includes(s.expect))
      throw new Error(`${where} operations[${i}]: unknown expect ${JSON.stringify(s.expect)}`);
    parseOp(s.op.replaceAll('$PORT', '1'));
  });
}

export function loadFixtures(dir = fixturesDir()): Fixture[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => {
      const file = join(dir, n);
      const f = JSON.parse(readFileSync(file, 'utf8')) as Fixture;
      validate(f, file);
      return { ...f, file };
    });
}

/** A fresh scratch directory seeded with the fixture's files and symlinks; `dirs` made absolute. */
export interface Scratch {
  readonly root: string;
  readonly dirs: Record<string, string>;
  dispose(): void;
}

export function makeScratch(f: Fixture, label: string): Scratch {
  const root = mkdtempSync(join(tmpdir(), `molt-parity-${f.name}-${label}-`));
  for (const [rel, text] of Object.entries(f.files ?? {})) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  for (const [rel, target] of Object.entries(f.symlinks ?? {})) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    symlinkSync(target, p);
  }
  const dirs: Record<string, string> = {};
  for (const [guest, rel] of Object.entries(f.dirs ?? {})) {
    const p = join(root, rel);
    mkdirSync(p, { recursive: true });
    dirs[guest] = p;
  }
  return { root, dirs, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

/** Applies a control step to a live subject. */
export function applyControl(
  engine: {
    grant(s: number, c: string, sc?: string): unknown;
    revoke(s: number, c: string, sc?: string): unknown;
    deny(s: number, c: string, sc?: string): unknown;
    dropSubject(s: number): unknown;
  },
  subject: number,
  c: ControlOp,
): void {
  switch (c.control) {
    case 'drop-subject':
      engine.dropSubject(subject);
      return;
    case 'grant':
    case 'revoke':
    case 'deny':
      engine[c.control](subject, c.cap!, c.scope);
      return;
  }
}

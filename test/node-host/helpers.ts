/**
 * Test support: WAT -> core module (wabt) -> component (wasm-tools componentEmbed + componentNew),
 * with the WASI 0.2.12 packages of wit/deps inlined as nested WIT packages. Plus small helpers
 * for policies, temp dirs and output capture.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';
import { componentEmbed, componentNew } from '@bytecodealliance/jco-transpile/wasm-tools';
import type { CanonicalManifest } from '../../host/policy/types.js';
import type { AuditRecord } from '../../host/gate/audit.js';
import { UNKNOWN_IMPORT_WIT, type GuestSource } from './guests/guests.js';

/** The repo root, from dist/test/node-host/ or test/node-host/. */
export const REPO = (() => {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!d.endsWith('/dist') && d !== '/') d = dirname(d);
  return d === '/' ? join(dirname(fileURLToPath(import.meta.url)), '..', '..') : dirname(d);
})();

function nested(text: string): string {
  const m = /^package ([^;{]+);/m.exec(text);
  if (m === null) throw new Error('no package line');
  return `package ${m[1]!.trim()} {\n${text.slice(m.index + m[0].length)}\n}\n`;
}

let depsWit: string | undefined;
function wasiDeps(): string {
  if (depsWit === undefined) {
    depsWit = ['io', 'clocks', 'cli', 'filesystem', 'random', 'sockets']
      .map((p) => nested(readFileSync(join(REPO, 'wit', 'deps', p, 'package.wit'), 'utf8')))
      .join('');
    const molt = readFileSync(join(REPO, 'wit', 'molt-capabilities.wit'), 'utf8').replace(/^\s*\/\/\/.*$/gm, '');
    depsWit += nested(molt) + UNKNOWN_IMPORT_WIT;
  }
  return depsWit;
}

let wabt: Awaited<ReturnType<typeof wabtInit>> | undefined;
const built = new Map<string, Uint8Array>();

/** Builds (and memoises) a component from a test guest. */
export async function buildComponent(guest: GuestSource): Promise<Uint8Array> {
  const hit = built.get(guest.wat);
  if (hit) return hit;
  wabt ??= await wabtInit();
  const mod = wabt.parseWat('guest.wat', guest.wat);
  const core = mod.toBinary({}).buffer;
  mod.destroy();
  const world = `package local:guest;\nworld guest {\n${guest.imports.map((i) => `  import ${i};`).join('\n')}\n  export wasi:cli/run@0.2.12;\n}\n`;
  const embedded = await componentEmbed({ binary: core, witSource: world + wasiDeps(), world: 'guest' });
  const component = await componentNew(embedded);
  built.set(guest.wat, component);
  return component;
}

export function tempDir(prefix = 'molt-host-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A manifest from a compact allow map (deny optional). */
export function policy(
  allow: CanonicalManifest['allow'],
  deny: CanonicalManifest['deny'] = {},
): CanonicalManifest {
  return { version: 1, allow, deny };
}

/** Collects bytes from a sink as text. */
export function capture(): { sink: (b: Uint8Array) => void; text: () => string } {
  const chunks: Uint8Array[] = [];
  return {
    sink: (b) => void chunks.push(b),
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

export function auditLog(): { sink: (r: AuditRecord) => void; records: AuditRecord[] } {
  const records: AuditRecord[] = [];
  return { sink: (r) => void records.push(r), records };
}

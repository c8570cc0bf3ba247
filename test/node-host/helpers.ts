/**
 * Test support: test guests built into components by scripts/lib/componentize.ts (the guest
 * build's own WAT -> core -> component path). Plus small helpers
 * for policies, temp dirs and output capture.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreToComponent, REPO_ROOT, watToCore } from '../../scripts/lib/componentize.js';
import type { CanonicalManifest } from '../../host/policy/types.js';
import type { AuditRecord } from '../../host/gate/audit.js';
import { UNKNOWN_IMPORT_WIT, type GuestSource } from './guests/guests.js';

/** The repo root (scripts/lib/componentize.ts works it out once for the build and the tests). */
export const REPO = REPO_ROOT;

const built = new Map<string, Uint8Array>();

/**
 * Builds (and memoises) a component from a test guest: a world that imports exactly
 * `guest.imports` and exports wasi:cli/run, over our WIT packages plus a package no host
 * supplies (for the unknown-import tests).
 */
export async function buildComponent(guest: GuestSource): Promise<Uint8Array> {
  const hit = built.get(guest.wat);
  if (hit) return hit;
  const world = `world guest {\n${guest.imports.map((i) => `  import ${i};`).join('\n')}\n  export wasi:cli/run@0.2.12;\n}\n`;
  const component = await coreToComponent(await watToCore(guest.wat), world, UNKNOWN_IMPORT_WIT);
  built.set(guest.wat, component);
  return component;
}

export function tempDir(prefix = 'molt-host-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A manifest from a compact allow map (deny optional). */
export function policy(allow: CanonicalManifest['allow'], deny: CanonicalManifest['deny'] = {}): CanonicalManifest {
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

// Models prompt spoofing against the auditor (Deno CVE-2023-28446 / CVE-2024-27936: ANSI escapes
// and bidi overrides in untrusted text shown on a terminal; Trojan Source, CVE-2021-42574):
// `inspect` exists so that an auditor can trust a binary without decompiling it (SPEC section
// 4), and it printed the binary's own strings raw. A core module's import and export names are
// any UTF-8, and the provenance section's tool name and version are not covered by its hashes,
// so a binary could print a line of its own, then conceal (ESC[8m) or overwrite (CR, ESC[2K,
// cursor up) the audit table below, under a `provenance: verified` line. `run` (the unknown
// import error), `build` (the same audit table) and `verify` (the binary's manifest scopes)
// printed the same strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatInspect, inspectFile } from '../../host/cli/inspect.js';
import { siteViolations } from '../../host/cli/verify.js';
import { auditImports, formatAuditTable } from '../../host/manifest/audit.js';
import { embedManifest } from '../../host/manifest/provenance.js';
import { readInterface } from '../../host/manifest/wasm/imports.js';
import { emptyManifest } from '../../host/policy/manifest.js';
import { tempDir } from '../node-host/helpers.js';
import { host, policy, wat2wasm } from './support.js';

/** Bytes a terminal acts on (but the line breaks between lines), and the bidi controls. */
function hasActive(text: string): boolean {
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c === 0x0a) continue;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) return true;
  }
  return false;
}

// `\1b[1A\1b[2K`: cursor up, erase the line; `\0d`: back to its start; `\1b[8m`: conceal the rest.
const SPOOF = 'x\\0d\\1b[1A\\1b[2K  wasi:cli/stdout  console.write  yes\\0a\\1b[8m';
const WAT = `(module
  (import "wasi_snapshot_preview1" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "env\\1b]0;title\\07" "f\\e2\\80\\ae" (func))
  (memory (export "memory") 1)
  (func (export "_start"))
  (func (export "${SPOOF}")))`;

test('inspect, build and run show a binary\u2019s names and provenance strings escaped', async () => {
  const dir = tempDir('molt-adv-inspect-');
  const plain = await wat2wasm(WAT);
  const signed = embedManifest(plain, policy({ 'console.write': true }), {
    name: 'molt-wasm\r\x1b[2Kprovenance: verified',
    version: '0.1.0\x1b[8m',
  });
  const file = join(dir, 'spoof.wasm');
  writeFileSync(file, signed);
  const result = inspectFile(file);
  assert.equal(result.provenance.status, 'verified', 'the tool strings are not hashed: the provenance still verifies');
  const text = formatInspect(result);
  assert.ok(!hasActive(text), `inspect printed a control character: ${JSON.stringify(text)}`);
  // One line per import and export: no name adds a line of its own.
  const lines = text.split('\n');
  const exportsAt = lines.findIndex((l) => l.startsWith('exports ('));
  assert.equal(lines[exportsAt], 'exports (3):');
  assert.equal(lines[exportsAt + 4], 'audit:', text);
  assert.ok(text.includes('\\x1b[8m'), 'the escape is shown, not acted on');
  // The fs import's row is still there and still says what it needs.
  assert.match(text, /wasi_snapshot_preview1#path_open\s+fs\./);

  // build prints the same table.
  const table = formatAuditTable(auditImports(readInterface(plain).imports, emptyManifest())).join('\n');
  assert.ok(!hasActive(table), `the audit table printed a control character: ${JSON.stringify(table)}`);

  // run refuses the unknown import with a message that writes nothing to the terminal.
  await assert.rejects(host.run(plain, { manifest: policy({}) }), (e: unknown) => {
    const m = String((e as Error).message);
    assert.match(m, /does not supply/);
    assert.ok(!hasActive(m), `run's error printed a control character: ${JSON.stringify(m)}`);
    return true;
  });
});

test("verify shows the binary's scopes escaped", () => {
  const out = siteViolations(policy({ 'fs.read': ['/pub\r\x1b[2Kok: within the site policy\x1b[8m'] }), policy({}));
  assert.equal(out.length, 1);
  assert.ok(!hasActive(out[0]!), JSON.stringify(out[0]));
});

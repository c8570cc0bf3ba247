import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditImports, capabilityForImport, formatAuditTable } from '../../host/manifest/audit.js';
import { listImports, type ImportEntry } from '../../host/manifest/wasm/imports.js';
import type { CanonicalManifest } from '../../host/policy/types.js';
import { adaptedComponent, preview1Module } from './helpers.js';

const manifest = (allow: CanonicalManifest['allow']): CanonicalManifest => ({ version: 1, allow, deny: {} });
const comp = (name: string): ImportEntry => ({ module: null, name, kind: 'instance' });
const p1 = (name: string): ImportEntry => ({ module: 'wasi_snapshot_preview1', name, kind: 'func' });

test('component interfaces map to the capability their entry points need (SPEC 4/5)', () => {
  const table: [string, string | null][] = [
    ['wasi:filesystem/preopens@0.2.3', 'fs.read|fs.write'],
    ['wasi:filesystem/types@0.2.3', null],
    ['wasi:sockets/ip-name-lookup@0.2.0', 'net'],
    ['wasi:sockets/tcp-create-socket@0.2.0', 'net'],
    ['wasi:sockets/udp-create-socket@0.2.0', 'net'],
    ['wasi:sockets/instance-network@0.2.0', 'net'],
    ['wasi:sockets/tcp@0.2.0', null],
    ['wasi:http/outgoing-handler@0.2.0', 'net'],
    ['wasi:http/types@0.2.0', null],
    ['wasi:cli/environment@0.2.3', 'env'],
    ['wasi:clocks/wall-clock@0.2.3', 'time'],
    ['wasi:clocks/monotonic-clock', 'time'],
    ['wasi:cli/stdout@0.2.3', 'console.write'],
    ['wasi:cli/stderr@0.2.3', 'console.write'],
    ['wasi:cli/terminal-stdout@0.2.3', 'console.write'],
    ['wasi:cli/terminal-stderr@0.2.3', 'console.write'],
    ['wasi:cli/stdin@0.2.3', null],
    ['wasi:random/random@0.2.3', null],
    ['wasi:io/streams@0.2.3', null],
    ['molt:capabilities/capabilities', null],
  ];
  for (const [name, cap] of table) assert.equal(capabilityForImport(comp(name)), cap, name);
});

test('preview1 functions map to capabilities; other modules are ungated', () => {
  const table: [string, string | null][] = [
    ['path_open', 'fs.read|fs.write'],
    ['fd_prestat_get', 'fs.read|fs.write'],
    ['fd_prestat_dir_name', 'fs.read|fs.write'],
    ['fd_readdir', 'fs.read|fs.write'],
    ['fd_filestat_get', 'fs.read|fs.write'],
    ['clock_time_get', 'time'],
    ['poll_oneoff', 'time'],
    ['environ_get', 'env'],
    ['environ_sizes_get', 'env'],
    ['sock_accept', 'net'],
    ['fd_write', 'console.write'],
    ['fd_read', null],
    ['args_get', null],
    ['random_get', null],
    ['proc_exit', null],
  ];
  for (const [name, cap] of table) assert.equal(capabilityForImport(p1(name)), cap, name);
  assert.equal(capabilityForImport({ module: 'env', name: 'fd_write', kind: 'func' }), null);
});

test('an adapted component with console.write only: clocks and preopens warn, phrased for adapted components', async () => {
  const report = auditImports(listImports(await adaptedComponent()), manifest({ 'console.write': true }));
  const wall = report.rows.find((r) => r.import.startsWith('wasi:clocks/wall-clock@'));
  assert.deepEqual(wall && { capability: wall.capability, declared: wall.declared }, { capability: 'time', declared: false });
  const stdout = report.rows.find((r) => r.import.startsWith('wasi:cli/stdout@'));
  assert.equal(stdout?.declared, true);
  assert.ok(
    report.warnings.includes(
      "every call of wasi:clocks/wall-clock will be denied: capability 'time' is not declared (this matters only if the program uses it)",
    ),
    report.warnings.join('\n'),
  );
  assert.ok(
    report.warnings.some((w) => w.startsWith("wasi:filesystem/preopens will list no directories: neither 'fs.read' nor 'fs.write'")),
  );
  assert.ok(!report.warnings.some((w) => w.includes('wasi:io')));
});

test('a declared capability that no import reaches warns; a reached one does not', async () => {
  const imports = listImports(await preview1Module());
  const report = auditImports(imports, manifest({ 'console.write': true, time: true, net: ['example.com'] }));
  assert.deepEqual(report.warnings, [
    "capability 'net' is declared but no import can use it: the binary imports nothing it gates (remove it from the manifest, or check the build)",
  ]);
  assert.deepEqual(
    report.rows.map((r) => [r.import, r.capability, r.declared]),
    [
      ['wasi_snapshot_preview1#fd_write', 'console.write', true],
      ['wasi_snapshot_preview1#clock_time_get', 'time', true],
      ['wasi_snapshot_preview1#args_get', null, true],
    ],
  );
});

test('fs.write alone satisfies preopens; the table prints every row', () => {
  const report = auditImports([comp('wasi:filesystem/preopens@0.2.3'), comp('wasi:io/streams@0.2.3')], manifest({ 'fs.write': ['/out'] }));
  assert.deepEqual(report.warnings, []);
  const lines = formatAuditTable(report);
  assert.equal(lines.length, 3);
  assert.match(lines[1]!, /^wasi:filesystem\/preopens@0\.2\.3\s+fs\.read\|fs\.write\s+yes$/);
  assert.match(lines[2]!, /^wasi:io\/streams@0\.2\.3\s+-\s+ungated$/);
});

test('wasi:cli/environment: only get-environment needs env, and the row and warning say so', () => {
  const report = auditImports([comp('wasi:cli/environment@0.2.3'), comp('wasi:cli/stdout@0.2.3')], manifest({ 'console.write': true }));
  const row = report.rows.find((r) => r.import.startsWith('wasi:cli/environment@'));
  assert.deepEqual(row && { capability: row.capability, declared: row.declared, only: row.only }, {
    capability: 'env',
    declared: false,
    only: ['get-environment'],
  });
  assert.deepEqual(report.warnings, [
    "calls of get-environment (wasi:cli/environment) will read an empty environment: capability 'env' is not declared; get-arguments and initial-cwd are not affected (this matters only if the program uses it)",
  ]);
  assert.ok(!report.warnings.some((w) => w.startsWith('every call of wasi:cli/environment')));
  assert.match(formatAuditTable(report).join('\n'), /wasi:cli\/environment@0\.2\.3\s+env \(get-environment\)\s+NO/);
  // Declared: no warning, and env counts as reachable.
  assert.deepEqual(auditImports([comp('wasi:cli/environment@0.2.3')], manifest({ env: ['HOME'] })).warnings, []);
});

test('preview1 environ_*: an undeclared env reads as empty, and the warning says so (not "denied")', () => {
  const env: ImportEntry = { module: 'wasi_snapshot_preview1', name: 'environ_get', kind: 'func' };
  assert.deepEqual(auditImports([env], manifest({})).warnings, [
    "wasi_snapshot_preview1#environ_get will read an empty environment: capability 'env' is not declared (this matters only if the program uses it)",
  ]);
});

test('a binary without a manifest is audited with what run grants it anyway: console.write, not warned about', () => {
  const imports: ImportEntry[] = [
    { module: 'wasi_snapshot_preview1', name: 'fd_write', kind: 'func' },
    { module: 'wasi_snapshot_preview1', name: 'clock_time_get', kind: 'func' },
  ];
  const defaults = manifest({ 'console.write': true });
  const report = auditImports(imports, manifest({}), defaults);
  assert.deepEqual(report.warnings, [
    "every call of wasi_snapshot_preview1#clock_time_get will be denied: capability 'time' is not declared (this matters only if the program uses it)",
  ]);
  assert.equal(report.rows[0]!.byDefault, true);
  assert.match(formatAuditTable(report).join('\n'), /fd_write\s+console\.write\s+no \(run grants it by default\)/);
  // The default is not a declaration: no "declared but unreachable" warning for it either.
  assert.deepEqual(auditImports([imports[1]!], manifest({}), defaults).warnings.length, 1);
  // Without defaults (build's audit of a manifest), fd_write is warned about as before.
  assert.equal(auditImports(imports, manifest({})).warnings.length, 2);
});

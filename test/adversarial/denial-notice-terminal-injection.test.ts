// Models prompt spoofing on the host's own lines (Deno CVE-2023-28446 / CVE-2024-27936: ANSI
// escapes and bidi overrides in a guest-chosen string shown on the terminal; deno#36195): a
// denial notice (`molt-wasm: denied fs.read on PATH ...; run again with --allow-read=PATH`) put
// the path the guest asked for on the operator's terminal as it was. A guest with NO
// `console.write` thus wrote to the terminal anyway (a newline, then a line of its own that
// looks like the host's; ESC sequences: colours, the window title, OSC 52 to the clipboard; a
// right-to-left override), and chose the flag the host advised: a path or name with a comma
// (`a,/`, `api.example.com,169.254.169.254`) made the advice grant `/` or the metadata address
// too, the flags' separator being a comma.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DenialNotices } from '../../host/run/denial-notices.js';
import { deniedLookup, host, policy, sandbox, wat2wasm } from './support.js';

const PATHS = [
  'plain.txt',
  'x\nmolt-wasm: all checks passed',
  'y\r\x1b[2K\x1b[1A\x1b[31mmolt-wasm: granted',
  '\x1b]52;c;ZWNobyBwd25lZA==\x07',
  'report\u202etxt.exe',
  'a,/',
  'b c',
];

/** A guest that only opens each path for reading (denied: fs.write alone) and never writes. */
function opensWat(paths: readonly string[]): string {
  const enc = new TextEncoder();
  let at = 1024;
  const data: string[] = [];
  const calls: string[] = [];
  for (const p of paths) {
    const bytes = enc.encode(p);
    data.push(`(data (i32.const ${at}) "${Array.from(bytes, (b) => '\\' + b.toString(16).padStart(2, '0')).join('')}")`);
    calls.push(
      `(drop (call $open (i32.const 3) (i32.const 0) (i32.const ${at}) (i32.const ${bytes.length}) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 40)))`,
    );
    at += bytes.length + 1;
  }
  return `(module
 (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
 (memory (export "memory") 1)
 ${data.join('\n ')}
 (func (export "_start") ${calls.join(' ')}))`;
}

/** Characters a terminal acts on, or that show one thing and paste another. */
function hasActive(l: string): boolean {
  for (const ch of l) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) return true;
  }
  return false;
}

test('denial notices show guest-chosen paths escaped, one line each, and never advise a flag that grants more', async () => {
  const s = sandbox();
  mkdirSync(join(s.granted, 'drop'));
  let stderr = '';
  const r = await host.run(await wat2wasm(opensWat(PATHS)), {
    // No console.write: nothing the guest chooses may reach the terminal.
    manifest: policy({ 'fs.write': ['/data'] }),
    dirs: { '/data': s.granted },
    stderr: (b) => void (stderr += Buffer.from(b).toString()),
    denialNotices: {},
  });
  assert.equal(r.outcome, 'returned');
  const lines = stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, PATHS.length, stderr);
  for (const l of lines) {
    assert.match(l, /^molt-wasm: denied fs\.read on \/data\//, `not the host's line: ${JSON.stringify(l)}`);
    assert.ok(!hasActive(l), `a control or bidi character reached the terminal: ${JSON.stringify(l)}`);
  }
  assert.ok(
    lines.some((l) => l.includes('x\\x0amolt-wasm: all checks passed')),
    'the newline is shown escaped',
  );
  assert.ok(
    lines.some((l) => l.includes('report\\u202etxt.exe')),
    'the override is shown escaped',
  );
  // The advice: a flag for a plain path; none for a target no flag can name exactly.
  assert.ok(
    lines.some((l) => l.endsWith('run again with --allow-read=/data/plain.txt')),
    stderr,
  );
  assert.ok(!/--allow-read=\/data\/a,/.test(stderr), 'advised a flag granting "/" as well');
  assert.ok(!/--allow-read=\/data\/b /.test(stderr), 'advised a flag that splits on the command line');
  assert.ok(!/--allow-read=[^\n]*\\/.test(stderr), 'advised a flag naming another path than the one denied');
});

test('a lookup name with a comma gets no advice to grant both names', () => {
  let out = '';
  const n = new DenialNotices((b) => void (out += Buffer.from(b).toString()), { policy: policy({}) });
  const name = 'api.example.com,169.254.169.254';
  n.denials(deniedLookup(name), { kind: 'net', host: name });
  assert.match(out, /denied net on api\.example\.com,169\.254\.169\.254/);
  assert.doesNotMatch(out, /--allow-net/);
});

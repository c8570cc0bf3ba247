// Models Trojan Source against the auditor's machine-readable view (CVE-2021-42574 class):
// `inspect` escapes a binary's names for the terminal, but `inspect --json` printed
// JSON.stringify's output, which escapes only the C0 controls: a core module's import and
// export names (any UTF-8) kept their bidi overrides, isolates and marks (U+202A-U+202E,
// U+2066-U+2069, U+200E/U+200F, U+061C), DEL and the C1 controls (CSI 0x9b) raw, so the JSON
// shown on a terminal (or in a review tool) could reorder or hide what follows a name. Now
// each becomes a \uXXXX escape: the text is safe, and it is still JSON with the same values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatInspectJson, inspectFile } from '../../host/cli/inspect.js';
import { tempDir } from '../node-host/helpers.js';
import { wat2wasm } from './support.js';

/** Bidi controls, DEL and C1 controls: characters a terminal acts on that JSON.stringify keeps. */
const ACTIVE = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

// U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE, U+2069 POP DIRECTIONAL ISOLATE,
// U+200F RIGHT-TO-LEFT MARK, U+061C ARABIC LETTER MARK, U+009B CSI, DEL, as WAT string bytes.
const WAT = `(module
  (import "env\\e2\\80\\ae" "fdp\\e2\\81\\a6x\\e2\\81\\a9" (func))
  (import "wasi_snapshot_preview1" "fd_write\\e2\\80\\8f\\d8\\9c" (func))
  (memory (export "memory") 1)
  (func (export "_start"))
  (func (export "name\\c2\\9b2J\\7f")))`;

test('inspect --json escapes bidi and C1 characters in the binary\u2019s names and stays the same JSON', async () => {
  const dir = tempDir('molt-adv-inspect-json-');
  const file = join(dir, 'bidi.wasm');
  writeFileSync(file, await wat2wasm(WAT));
  const result = inspectFile(file);
  // The names hold the characters (the test would prove nothing otherwise).
  assert.ok(result.imports.some((i) => i.includes('\u202e')) && result.exports.some((e) => e.includes('\u009b')));
  assert.ok(ACTIVE.test(JSON.stringify(result)), 'JSON.stringify keeps them raw');

  const text = formatInspectJson(result);
  assert.ok(!ACTIVE.test(text), `inspect --json printed an active character: ${JSON.stringify(text)}`);
  assert.ok(text.includes('\\u202e') && text.includes('\\u2066') && text.includes('\\u009b') && text.includes('\\u007f'), text);
  // Still JSON, with the very same values.
  assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(result)));
});

// Models Trojan Source in a refusal message (CVE-2021-42574 class): `export spin` refuses a
// mount holding a symlink that leads out of it and names each link, quoted with
// JSON.stringify. A link's name is chosen by whoever made it (a guest with a write grant under
// `run` can plant one), and JSON.stringify leaves bidi overrides and isolates raw, so the name
// `\u202eexe.txt` showed on the operator's terminal as another name, and a name could reorder
// the rest of the line it was quoted in. Each such character is now a \uXXXX escape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportSpin, freshDir, proxyComponent, writeWasm } from '../export-spin/helpers.js';

const ACTIVE = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

test('export spin shows the names of links leading out with their bidi characters escaped', async () => {
  const tmp = freshDir();
  const pub = join(tmp, 'public');
  mkdirSync(pub);
  writeFileSync(join(tmp, 'secret.txt'), 'SECRET\n');
  // Shown raw, `\u202e` turns the rest around: "report" + RLO + "txt.exe" reads "reportexe.txt".
  symlinkSync('../secret.txt', join(pub, 'report\u202etxt.exe'));
  symlinkSync('../secret.txt', join(pub, 'a\u2066b\u2069\u200f\u061c'));
  const app = writeWasm(tmp, 'app.wasm', await proxyComponent());
  const r = exportSpin(app, { allowTime: true, allowRead: ['/site'], dir: [`/site=${pub}`], output: join(tmp, 'spin.toml') });
  assert.equal(r.code, 65, r.stderr);
  assert.ok(!ACTIVE.test(r.stderr), `export spin printed a bidi character: ${JSON.stringify(r.stderr)}`);
  assert.ok(r.stderr.includes('the symlink "report\\u202etxt.exe" leads out'), r.stderr);
  assert.ok(r.stderr.includes('the symlink "a\\u2066b\\u2069\\u200f\\u061c" leads out'), r.stderr);
});

// Models host exhaustion through host calls (Wasmtime GHSA-852m-cvvp-9p4w family), through the
// host's own bookkeeping: `run` prints one notice per DISTINCT denial and remembered every one
// it printed. A guest of 64 KiB opening denied paths of 4000 characters, a counter at the end
// to keep each distinct, made the host remember and print every one: 100000 opens were 400 MB
// of stderr and 526 MiB of host memory (and a lookup name can be as long as the guest's
// memory). Notices are now bounded in number and in the length of the target they show.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DenialNotices, MAX_DENIAL_NOTICES, NOTICE_TARGET_CHARS } from '../../host/run/denial-notices.js';
import { deniedLookup, deniedOpenFloodWat, host, policy, sandbox, wat2wasm } from './support.js';

test('a guest denied on many distinct long paths gets a bounded number of short notices', async () => {
  const s = sandbox();
  mkdirSync(join(s.granted, 'private'));
  let stderr = '';
  const r = await host.run(await wat2wasm(deniedOpenFloodWat(2000, -1, 4000)), {
    manifest: policy({ 'fs.read': ['/data'] }, { 'fs.read': ['/data/private'] }),
    dirs: { '/data': s.granted },
    stderr: (b) => void (stderr += Buffer.from(b).toString()),
    denialNotices: {},
  });
  assert.equal(r.outcome, 'returned');
  const lines = stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, MAX_DENIAL_NOTICES + 1, lines.slice(-2).join('\n'));
  assert.match(lines[0]!, /denied fs\.read on \/data\/private\/00000000a{10}/);
  assert.match(lines.at(-1)!, /100 denials shown; further ones are not/);
  for (const l of lines) assert.ok(l.length < NOTICE_TARGET_CHARS + 400, `a notice of ${l.length} characters`);
});

test('a notice shows at most NOTICE_TARGET_CHARS of a target, and says how long it was', () => {
  let out = '';
  const n = new DenialNotices((b) => void (out += Buffer.from(b).toString()), { policy: policy({}) });
  const name = 'x'.repeat(1 << 20);
  n.denials(deniedLookup(name));
  assert.ok(out.length < NOTICE_TARGET_CHARS + 400, `${out.length}`);
  assert.match(out, /\(1048576 characters\)/);
});

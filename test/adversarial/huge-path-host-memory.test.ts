/**
 * Host memory sized by the guest through a path (the class of Wasmtime GHSA-q879-9g95-56mx /
 * the host-memory tests beside this one: a guest-chosen length turned into a host
 * allocation): a preview1 guest passes one path of 32 MiB (`.` then slashes then `f`) to
 * path_filestat_get. The host split it into one array slot per component, twice (the
 * lexical policy check and the walk): about 12 bytes of host memory per guest byte, and
 * seconds of the host thread, so a guest under --max-memory 1G could make the host allocate
 * gigabytes (SPEC section 5: host memory a guest sizes is bounded per call). A path longer
 * than any the OS accepts (PATH_MAX, 4096) must be refused at once with ENAMETOOLONG.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { policy, sandbox, wat2wasm, host } from './support.js';

const ENAMETOOLONG = 37;
const PATH_BYTES = 32 * 1024 * 1024;

// Memory: 0..64 scratch (the filestat), the path at 65536: `.`, PATH_BYTES-2 slashes, `f`.
const WAT = `(module
  (import "wasi_snapshot_preview1" "path_filestat_get" (func $stat (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") ${(65536 + PATH_BYTES) / 65536 + 1})
  (func (export "_start")
    (i32.store8 (i32.const 65536) (i32.const 46))
    (memory.fill (i32.const 65537) (i32.const 47) (i32.const ${PATH_BYTES - 2}))
    (i32.store8 (i32.const ${65536 + PATH_BYTES - 1}) (i32.const 102))
    (call $exit (call $stat (i32.const 3) (i32.const 1) (i32.const 65536) (i32.const ${PATH_BYTES}) (i32.const 0)))))`;

test('a path longer than PATH_MAX is refused ENAMETOOLONG before the host splits it', async () => {
  const s = sandbox();
  writeFileSync(join(s.granted, 'f'), 'x');
  const wasm = await wat2wasm(WAT);
  const r = await host.run(wasm, {
    manifest: policy({ 'fs.read': ['/data'] }),
    dirs: { '/data': s.granted },
  });
  assert.equal(r.exitCode, ENAMETOOLONG, `path_filestat_get of a ${PATH_BYTES}-byte path answered ${r.exitCode}`);
});

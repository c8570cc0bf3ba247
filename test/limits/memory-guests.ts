/**
 * Guests that ask the host to allocate memory they do not have (issue 14; the Wasmtime
 * GHSA-852m-cvvp-9p4w / GHSA-243v-98vx-264h family): each passes a length far beyond its own
 * linear memory (1 MiB: 16 pages, run under `--max-memory=1M`) to one host call. Used by the
 * child-process RSS test (host-memory.test.ts) and the adversarial tests.
 *
 * Preview1 guests exit with the call's errno, or with 100 when the call succeeded but reported
 * more bytes than the guest's memory holds (the host multiplied overlapping iovecs). Component
 * guests print "ok"/"err" and return.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../node-host/helpers.js';
import { buildComponent } from '../node-host/helpers.js';
import { V } from '../node-host/guests/prelude.js';
import { adaptPreview1, watToCore } from '../../scripts/lib/componentize.js';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
/** Every guest here has exactly 1 MiB of linear memory (16 pages). */
export const GUEST_MEMORY = MiB;

const P1 = (name: string, sig: string) => `(import "wasi_snapshot_preview1" "${name}" (func $${name} ${sig}))`;
const EXIT = P1('proc_exit', '(param i32)');

/** 1024 iovecs at 0x80000, each {buf 0, len 1 MiB}: all overlap the whole memory (1 GiB in total). */
const OVERLAPPING_IOVECS = `
 (func $iovecs (local $i i32) (local $at i32)
   (loop $l
     (local.set $at (i32.add (i32.const 0x80000) (i32.shl (local.get $i) (i32.const 3))))
     (i32.store (local.get $at) (i32.const 0))
     (i32.store offset=4 (local.get $at) (i32.const ${MiB}))
     (local.set $i (i32.add (local.get $i) (i32.const 1)))
     (br_if $l (i32.lt_u (local.get $i) (i32.const 1024)))))
 ;; errno, or 100 when the call reported more bytes than this memory holds
 (func $verdict (param $errno i32) (result i32)
   (if (result i32) (local.get $errno) (then (local.get $errno))
     (else (select (i32.const 100) (i32.const 0) (i32.gt_u (i32.load (i32.const 0x7fff0)) (i32.const ${GUEST_MEMORY}))))))`;

/** Opens `big` in preopen fd 3 with the given rights into 0x7ffe0; exits with the errno on failure. */
const OPEN_BIG = (rights: bigint, oflags = 0) => `
 (data (i32.const 0x7ff00) "big")
 (func $open_big (result i32) (local $e i32)
   (local.set $e (call $path_open (i32.const 3) (i32.const 1) (i32.const 0x7ff00) (i32.const 3) (i32.const ${oflags})
     (i64.const ${rights}) (i64.const 0) (i32.const 0) (i32.const 0x7ffe0)))
   (if (local.get $e) (then (call $proc_exit (local.get $e))))
   (i32.load (i32.const 0x7ffe0)))`;
const PATH_OPEN = P1('path_open', '(param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)');
const RIGHT_READ = 1n << 1n;
const RIGHT_WRITE = 1n << 6n;

function core(imports: string[], body: string, start: string): string {
  return `(module ${imports.join(' ')} ${EXIT}
 (memory (export "memory") 16)
 ${body}
 (func (export "_start") ${start}))`;
}

export interface MemoryCase {
  /** Short name (file name of the guest). */
  readonly name: string;
  /** `adapted`: the preview1 module wrapped by jco's preview1 adapter (a component). */
  readonly kind: 'preview1' | 'component' | 'adapted';
  /** What the guest asks. */
  readonly what: string;
  readonly wat: string;
  /** Component imports (kind component). */
  readonly imports?: readonly string[];
  /** Extra CLI arguments (e.g. --dir for the file cases); `DIR` is replaced by a data directory. */
  readonly cliArgs?: readonly string[];
  /** `--max-memory`: 1M, or 4M for the adapted guests (the adapter grows the memory for its own state). */
  readonly maxMemory?: '1M' | '4M';
  /** The exit code after the bound (a trap is 70). */
  readonly exitAfter: number;
}

const P1_WRITE = P1('fd_write', '(param i32 i32 i32 i32) (result i32)');
const P1_READ = P1('fd_read', '(param i32 i32 i32 i32) (result i32)');
const P1_PWRITE = P1('fd_pwrite', '(param i32 i32 i32 i64 i32) (result i32)');
const P1_PREAD = P1('fd_pread', '(param i32 i32 i32 i64 i32) (result i32)');
const P1_RANDOM = P1('random_get', '(param i32 i32) (result i32)');

/** Component prelude: stdout and a result print. Memory 16 pages, no growth (cabi_realloc traps past it). */
function component(imports: string, body: string, run: string): string {
  return `(module
 (import "wasi:cli/stdout@${V}" "get-stdout" (func $get_stdout (result i32)))
 (import "wasi:io/streams@${V}" "[method]output-stream.blocking-write-and-flush" (func $bwf (param i32 i32 i32 i32)))
 ${imports}
 (memory (export "memory") 16)
 (global $heap (mut i32) (i32.const 0x80000))
 (data (i32.const 1024) "ok\\nerr\\n")
 (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (local $p i32)
   (local.set $p (global.get $heap))
   (global.set $heap (i32.add (local.get $p) (local.get 3)))
   (if (i32.gt_u (global.get $heap) (i32.const ${GUEST_MEMORY})) (then unreachable))
   (local.get $p))
 ;; prints "ok" or "err" from the result<_, _> tag at $r
 (func $print_res (param $r i32)
   (if (i32.load8_u (local.get $r))
     (then (call $bwf (call $get_stdout) (i32.const 1027) (i32.const 4) (i32.const 8)))
     (else (call $bwf (call $get_stdout) (i32.const 1024) (i32.const 3) (i32.const 8)))))
 ${body}
 (func (export "wasi:cli/run@${V}#run") (result i32) ${run} (i32.const 0)))`;
}

const COMPONENT_IMPORTS = [`wasi:cli/stdout@${V}`, `wasi:io/streams@${V}`];

export const MEMORY_CASES: readonly MemoryCase[] = [
  {
    name: 'p1-fd-write-overlap',
    kind: 'preview1',
    what: 'fd_write(stdout) with 1024 overlapping 1 MiB iovecs (1 GiB)',
    wat: core(
      [P1_WRITE],
      OVERLAPPING_IOVECS,
      `(call $iovecs)
      (call $proc_exit (call $verdict (call $fd_write (i32.const 1) (i32.const 0x80000) (i32.const 1024) (i32.const 0x7fff0))))`,
    ),
    exitAfter: 0,
  },
  {
    name: 'p1-fd-read-overlap',
    kind: 'preview1',
    what: 'fd_read(file) with 1024 overlapping 1 MiB iovecs (1 GiB)',
    wat: core(
      [P1_READ, PATH_OPEN],
      OVERLAPPING_IOVECS + OPEN_BIG(RIGHT_READ),
      `(call $iovecs)
      (call $proc_exit (call $verdict (call $fd_read (call $open_big) (i32.const 0x80000) (i32.const 1024) (i32.const 0x7fff0))))`,
    ),
    cliArgs: ['--allow-read', '--dir', '/data=DIR'],
    exitAfter: 0,
  },
  {
    name: 'p1-fd-pread-overlap',
    kind: 'preview1',
    what: 'fd_pread(file) with 1024 overlapping 1 MiB iovecs (1 GiB)',
    wat: core(
      [P1_PREAD, PATH_OPEN],
      OVERLAPPING_IOVECS + OPEN_BIG(RIGHT_READ),
      `(call $iovecs)
      (call $proc_exit (call $verdict (call $fd_pread (call $open_big) (i32.const 0x80000) (i32.const 1024) (i64.const 0) (i32.const 0x7fff0))))`,
    ),
    cliArgs: ['--allow-read', '--dir', '/data=DIR'],
    exitAfter: 0,
  },
  {
    name: 'p1-fd-pwrite-overlap',
    kind: 'preview1',
    what: 'fd_pwrite(file) with 1024 overlapping 1 MiB iovecs (1 GiB)',
    wat: core(
      [P1_PWRITE, PATH_OPEN],
      OVERLAPPING_IOVECS + OPEN_BIG(RIGHT_WRITE, 1 | 8),
      `(call $iovecs)
      (call $proc_exit (call $verdict (call $fd_pwrite (call $open_big) (i32.const 0x80000) (i32.const 1024) (i64.const 0) (i32.const 0x7fff0))))`,
    ),
    cliArgs: ['--allow-read', '--allow-write', '--dir', '/data=DIR'],
    exitAfter: 0,
  },
  {
    name: 'adapted-fd-write-overlap',
    kind: 'adapted',
    maxMemory: '4M',
    what: 'fd_write(stdout) with 1024 overlapping 1 MiB iovecs, through the preview1 adapter',
    wat: core(
      [P1_WRITE],
      OVERLAPPING_IOVECS,
      `(call $iovecs)
      (call $proc_exit (call $verdict (call $fd_write (i32.const 1) (i32.const 0x80000) (i32.const 1024) (i32.const 0x7fff0))))`,
    ),
    exitAfter: 0,
  },
  {
    name: 'adapted-random-get-1g',
    kind: 'adapted',
    maxMemory: '4M',
    what: 'random_get(buf 0, len 1 GiB) with 1 MiB of memory, through the preview1 adapter',
    wat: core([P1_RANDOM], '', '(call $proc_exit (call $random_get (i32.const 0) (i32.const 0x40000000)))'),
    exitAfter: 70,
  },
  {
    name: 'p1-random-get-1g',
    kind: 'preview1',
    what: 'random_get(buf 0, len 1 GiB) with 1 MiB of memory',
    wat: core([P1_RANDOM], '', '(call $proc_exit (call $random_get (i32.const 0) (i32.const 0x40000000)))'),
    exitAfter: 70,
  },
  {
    name: 'c-write-zeroes-1g',
    kind: 'component',
    what: 'output-stream.write-zeroes(stdout, 1 GiB)',
    imports: COMPONENT_IMPORTS,
    wat: component(
      `(import "wasi:io/streams@${V}" "[method]output-stream.write-zeroes" (func $wz (param i32 i64 i32)))`,
      '',
      `(call $wz (call $get_stdout) (i64.const ${GiB}) (i32.const 16)) (call $print_res (i32.const 16))`,
    ),
    exitAfter: 70,
  },
  {
    name: 'c-blocking-write-zeroes-1g',
    kind: 'component',
    what: 'output-stream.blocking-write-zeroes-and-flush(stdout, 1 GiB)',
    imports: COMPONENT_IMPORTS,
    wat: component(
      `(import "wasi:io/streams@${V}" "[method]output-stream.blocking-write-zeroes-and-flush" (func $bwz (param i32 i64 i32)))`,
      '',
      `(call $bwz (call $get_stdout) (i64.const ${GiB}) (i32.const 16)) (call $print_res (i32.const 16))`,
    ),
    exitAfter: 0,
  },
  {
    name: 'c-random-bytes-1g',
    kind: 'component',
    what: 'wasi:random/random#get-random-bytes(1 GiB)',
    imports: [...COMPONENT_IMPORTS, `wasi:random/random@${V}`],
    wat: component(
      `(import "wasi:random/random@${V}" "get-random-bytes" (func $grb (param i64 i32)))`,
      '',
      `(call $grb (i64.const ${GiB}) (i32.const 16))`,
    ),
    exitAfter: 70,
  },
  {
    name: 'c-insecure-random-bytes-1g',
    kind: 'component',
    what: 'wasi:random/insecure#get-insecure-random-bytes(1 GiB)',
    imports: [...COMPONENT_IMPORTS, `wasi:random/insecure@${V}`],
    wat: component(
      `(import "wasi:random/insecure@${V}" "get-insecure-random-bytes" (func $gir (param i64 i32)))`,
      '',
      `(call $gir (i64.const ${GiB}) (i32.const 16))`,
    ),
    exitAfter: 70,
  },
];

/** A preview1 hello (the baseline for the preview1 cases). */
export const P1_HELLO = core(
  [P1_WRITE],
  '(data (i32.const 64) "hello\\n") (data (i32.const 0) "\\40\\00\\00\\00\\06\\00\\00\\00")',
  '(drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))',
);

/** The guest's bytes: a core module, or a component built over our WIT. */
export async function buildCase(c: Pick<MemoryCase, 'kind' | 'wat' | 'imports'>): Promise<Uint8Array> {
  if (c.kind === 'preview1') return watToCore(c.wat);
  if (c.kind === 'adapted') return adaptPreview1(await watToCore(c.wat));
  return buildComponent({ imports: [...(c.imports ?? [])], wat: c.wat });
}

/** The component hello of guest-examples (the baseline for the component cases). */
export function componentHello(): Uint8Array {
  return new Uint8Array(readFileSync(join(REPO, 'guest-examples', 'dist', 'hello.wasm')));
}

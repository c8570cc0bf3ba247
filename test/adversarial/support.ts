/**
 * Support for the adversarial corpus: a builder for small preview1 WAT guests that make raw
 * `path_*` calls with exactly the arguments a test names (so every trick reaches the host
 * unfiltered by a libc), sandbox directories with content outside the grant, and snapshots
 * of host trees to prove nothing outside the grant was read or changed.
 *
 * Guest output, one line per op: `LABEL ERRNO` (0 = success). `cat` first prints the file's
 * bytes between `<<` and `>>`; `list`/`preopens`/`environ` print one name per line.
 */
import { spawn } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import wabtInit from 'wabt';
import { createHost, type GuestOptions, type RunResult } from '../../host/index.js';
import type { AuditRecord } from '../../host/gate/audit.js';
import type { CanonicalManifest } from '../../host/policy/types.js';
import { buildComponent, capture, tempDir } from '../node-host/helpers.js';
import type { GuestSource } from '../node-host/guests/guests.js';
import { V, guestWat } from '../node-host/guests/prelude.js';

export const O = { creat: 1, directory: 2, excl: 4, trunc: 8 } as const;
export const R = { read: 1n << 1n, write: 1n << 6n, readdir: 1n << 14n } as const;
export const FOLLOW = 1;
/** fstflags: set both times to explicit values. */
export const SET_BOTH = 1 | 4;

export type Op =
  | { op: 'open'; label: string; fd: number; path: string; oflags?: number; rights?: bigint; lookup?: number; fdflags?: number }
  | { op: 'cat'; label: string; fd: number; path: string; lookup?: number }
  | { op: 'list'; label: string; fd: number; path: string }
  | { op: 'mkdir' | 'rmdir' | 'unlink'; label: string; fd: number; path: string }
  | { op: 'rename'; label: string; fd: number; path: string; fd2: number; path2: string }
  | { op: 'link'; label: string; fd: number; path: string; fd2: number; path2: string; lookup?: number }
  | { op: 'symlink'; label: string; target: string; fd: number; path: string }
  | { op: 'settimes'; label: string; fd: number; path: string; lookup?: number }
  | { op: 'stat'; label: string; fd: number; path: string; lookup?: number }
  | { op: 'readlink'; label: string; fd: number; path: string }
  /** Opens and KEEPS the descriptor (preview1 numbers it: the lowest free fd after the preopens). */
  | { op: 'hold'; label: string; fd: number; path: string; oflags?: number; rights?: bigint; lookup?: number }
  /** Creates or truncates `path` and writes `text` into it. */
  | { op: 'write'; label: string; fd: number; path: string; text: string }
  /** `body` `count` times (no nesting). */
  | { op: 'loop'; count: number; body: readonly Op[] }
  | { op: 'preopens' }
  | { op: 'environ' }
  | { op: 'exit'; code: number }
  | { op: 'spin' }
  | { op: 'trap' };

const IMPORTS: Record<string, string> = {
  fd_write: '(param i32 i32 i32 i32) (result i32)',
  fd_read: '(param i32 i32 i32 i32) (result i32)',
  fd_close: '(param i32) (result i32)',
  fd_readdir: '(param i32 i32 i32 i64 i32) (result i32)',
  fd_prestat_get: '(param i32 i32) (result i32)',
  fd_prestat_dir_name: '(param i32 i32 i32) (result i32)',
  path_open: '(param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)',
  path_create_directory: '(param i32 i32 i32) (result i32)',
  path_remove_directory: '(param i32 i32 i32) (result i32)',
  path_unlink_file: '(param i32 i32 i32) (result i32)',
  path_rename: '(param i32 i32 i32 i32 i32 i32) (result i32)',
  path_link: '(param i32 i32 i32 i32 i32 i32 i32) (result i32)',
  path_symlink: '(param i32 i32 i32 i32 i32) (result i32)',
  path_filestat_set_times: '(param i32 i32 i32 i32 i64 i64 i32) (result i32)',
  path_filestat_get: '(param i32 i32 i32 i32 i32) (result i32)',
  path_readlink: '(param i32 i32 i32 i32 i32 i32) (result i32)',
  environ_sizes_get: '(param i32 i32) (result i32)',
  environ_get: '(param i32 i32) (result i32)',
  proc_exit: '(param i32)',
};

/** Memory: 0..256 scratch, 1024.. strings, 65536.. read buffer (64 KiB), 131072.. environ. */
const BUF = 65536;
const BUF_LEN = 65536;

function watString(s: string): string {
  return Array.from(new TextEncoder().encode(s), (b) => '\\' + b.toString(16).padStart(2, '0')).join('');
}

/** WAT source for a guest performing `ops` in order. */
export function opsWat(ops: readonly Op[]): string {
  const data: string[] = [];
  let next = 1024;
  const str = (s: string): [number, number] => {
    const len = new TextEncoder().encode(s).length;
    const at = next;
    data.push(`(data (i32.const ${at}) "${watString(s)}")`);
    next += len + 1;
    return [at, len];
  };
  const report = (label: string, errno: string): string => {
    const [p, l] = str(label);
    return `(call $report (i32.const ${p}) (i32.const ${l}) ${errno})`;
  };
  const body: string[] = [];
  const emit = (o: Op): void => {
    switch (o.op) {
      case 'hold': {
        const [p, l] = str(o.path);
        body.push(`(local.set $e (call $path_open (i32.const ${o.fd}) (i32.const ${o.lookup ?? FOLLOW}) (i32.const ${p}) (i32.const ${l})
          (i32.const ${o.oflags ?? 0}) (i64.const ${o.rights ?? R.read | R.readdir}) (i64.const 0) (i32.const 0) (i32.const 40)))
          ${report(o.label, '(local.get $e)')}`);
        break;
      }
      case 'write': {
        const [p, l] = str(o.path);
        const [t, tl] = str(o.text);
        body.push(`(local.set $e (call $path_open (i32.const ${o.fd}) (i32.const 0) (i32.const ${p}) (i32.const ${l})
          (i32.const ${O.creat | O.trunc}) (i64.const ${R.write}) (i64.const 0) (i32.const 0) (i32.const 40)))
          (if (i32.eqz (local.get $e)) (then
            (i32.store (i32.const 48) (i32.const ${t})) (i32.store (i32.const 52) (i32.const ${tl}))
            (local.set $e (call $fd_write (i32.load (i32.const 40)) (i32.const 48) (i32.const 1) (i32.const 56)))
            (drop (call $fd_close (i32.load (i32.const 40))))))
          ${report(o.label, '(local.get $e)')}`);
        break;
      }
      case 'loop': {
        body.push(`(local.set $i (i32.const ${o.count})) (block $loop_done (loop $loop_next
          (br_if $loop_done (i32.eqz (local.get $i)))`);
        for (const inner of o.body) {
          if (inner.op === 'loop') throw new Error('opsWat: loops do not nest');
          emit(inner);
        }
        body.push(`(local.set $i (i32.sub (local.get $i) (i32.const 1))) (br $loop_next)))`);
        break;
      }
      case 'open': {
        const [p, l] = str(o.path);
        body.push(`(local.set $e (call $path_open (i32.const ${o.fd}) (i32.const ${o.lookup ?? 0}) (i32.const ${p}) (i32.const ${l})
          (i32.const ${o.oflags ?? 0}) (i64.const ${o.rights ?? R.read}) (i64.const 0) (i32.const ${o.fdflags ?? 0}) (i32.const 40)))
          (if (i32.eqz (local.get $e)) (then (drop (call $fd_close (i32.load (i32.const 40))))))
          ${report(o.label, '(local.get $e)')}`);
        break;
      }
      case 'cat': {
        const [p, l] = str(o.path);
        body.push(`(local.set $e (call $path_open (i32.const ${o.fd}) (i32.const ${o.lookup ?? FOLLOW}) (i32.const ${p}) (i32.const ${l})
          (i32.const 0) (i64.const ${R.read}) (i64.const 0) (i32.const 0) (i32.const 40)))
          (if (i32.eqz (local.get $e)) (then (call $cat (i32.load (i32.const 40)))))
          ${report(o.label, '(local.get $e)')}`);
        break;
      }
      case 'list': {
        const [p, l] = str(o.path);
        body.push(`(local.set $e (call $path_open (i32.const ${o.fd}) (i32.const ${FOLLOW}) (i32.const ${p}) (i32.const ${l})
          (i32.const ${O.directory}) (i64.const ${R.readdir | R.read}) (i64.const 0) (i32.const 0) (i32.const 40)))
          (if (i32.eqz (local.get $e)) (then (local.set $e (call $list (i32.load (i32.const 40))))))
          ${report(o.label, '(local.get $e)')}`);
        break;
      }
      case 'mkdir':
      case 'rmdir':
      case 'unlink': {
        const fn = { mkdir: 'path_create_directory', rmdir: 'path_remove_directory', unlink: 'path_unlink_file' }[o.op];
        const [p, l] = str(o.path);
        body.push(report(o.label, `(call $${fn} (i32.const ${o.fd}) (i32.const ${p}) (i32.const ${l}))`));
        break;
      }
      case 'rename': {
        const [p, l] = str(o.path);
        const [q, m] = str(o.path2);
        body.push(
          report(
            o.label,
            `(call $path_rename (i32.const ${o.fd}) (i32.const ${p}) (i32.const ${l}) (i32.const ${o.fd2}) (i32.const ${q}) (i32.const ${m}))`,
          ),
        );
        break;
      }
      case 'link': {
        const [p, l] = str(o.path);
        const [q, m] = str(o.path2);
        body.push(
          report(
            o.label,
            `(call $path_link (i32.const ${o.fd}) (i32.const ${o.lookup ?? 0}) (i32.const ${p}) (i32.const ${l}) (i32.const ${o.fd2}) (i32.const ${q}) (i32.const ${m}))`,
          ),
        );
        break;
      }
      case 'symlink': {
        const [t, tl] = str(o.target);
        const [p, l] = str(o.path);
        body.push(
          report(o.label, `(call $path_symlink (i32.const ${t}) (i32.const ${tl}) (i32.const ${o.fd}) (i32.const ${p}) (i32.const ${l}))`),
        );
        break;
      }
      case 'settimes': {
        const [p, l] = str(o.path);
        // 2001-09-09: a time no test machine has on its files.
        body.push(
          report(
            o.label,
            `(call $path_filestat_set_times (i32.const ${o.fd}) (i32.const ${o.lookup ?? 0}) (i32.const ${p}) (i32.const ${l}) (i64.const 1000000000000000000) (i64.const 1000000000000000000) (i32.const ${SET_BOTH}))`,
          ),
        );
        break;
      }
      case 'stat': {
        const [p, l] = str(o.path);
        body.push(
          report(
            o.label,
            `(call $path_filestat_get (i32.const ${o.fd}) (i32.const ${o.lookup ?? FOLLOW}) (i32.const ${p}) (i32.const ${l}) (i32.const 128))`,
          ),
        );
        break;
      }
      case 'readlink': {
        const [p, l] = str(o.path);
        body.push(`(local.set $e (call $path_readlink (i32.const ${o.fd}) (i32.const ${p}) (i32.const ${l}) (i32.const ${BUF}) (i32.const 4096) (i32.const 40)))
          (if (i32.eqz (local.get $e)) (then (call $print (i32.const ${BUF}) (i32.load (i32.const 40))) (call $nl)))
          ${report(o.label, '(local.get $e)')}`);
        break;
      }
      case 'preopens':
        body.push('(call $preopens)');
        break;
      case 'environ':
        body.push('(call $environ)');
        break;
      case 'exit':
        body.push(`(call $proc_exit (i32.const ${o.code}))`);
        break;
      case 'spin':
        body.push('(loop $forever (br $forever))');
        break;
      case 'trap':
        body.push('unreachable');
        break;
    }
  };
  for (const o of ops) emit(o);
  const imports = Object.entries(IMPORTS)
    .map(([n, sig]) => `(import "wasi_snapshot_preview1" "${n}" (func $${n} ${sig}))`)
    .join('\n ');
  return `(module
 ${imports}
 (memory (export "memory") 4)
 (data (i32.const 100) " \\n<<>>")
 ${data.join('\n ')}
 (func $print (param $p i32) (param $l i32)
   (i32.store (i32.const 16) (local.get $p)) (i32.store (i32.const 20) (local.get $l))
   (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24))))
 (func $nl (call $print (i32.const 101) (i32.const 1)))
 (func $print_u32 (param $n i32) (local $p i32)
   (local.set $p (i32.const 96))
   (loop $l
     (local.set $p (i32.sub (local.get $p) (i32.const 1)))
     (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
     (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
     (br_if $l (local.get $n)))
   (call $print (local.get $p) (i32.sub (i32.const 96) (local.get $p))))
 (func $report (param $p i32) (param $l i32) (param $e i32)
   (call $print (local.get $p) (local.get $l)) (call $print (i32.const 100) (i32.const 1))
   (call $print_u32 (local.get $e)) (call $nl))
 (func $cat (param $fd i32) (local $n i32)
   (call $print (i32.const 102) (i32.const 2))
   (block $done (loop $l
     (i32.store (i32.const 48) (i32.const ${BUF})) (i32.store (i32.const 52) (i32.const ${BUF_LEN}))
     (br_if $done (call $fd_read (local.get $fd) (i32.const 48) (i32.const 1) (i32.const 56)))
     (local.set $n (i32.load (i32.const 56)))
     (br_if $done (i32.eqz (local.get $n)))
     (call $print (i32.const ${BUF}) (local.get $n))
     (br $l)))
   (call $print (i32.const 104) (i32.const 2)) (call $nl)
   (drop (call $fd_close (local.get $fd))))
 (func $list (param $fd i32) (result i32) (local $e i32) (local $p i32) (local $end i32) (local $n i32)
   (local.set $e (call $fd_readdir (local.get $fd) (i32.const ${BUF}) (i32.const ${BUF_LEN}) (i64.const 0) (i32.const 56)))
   (if (i32.eqz (local.get $e)) (then
     (local.set $p (i32.const ${BUF}))
     (local.set $end (i32.add (i32.const ${BUF}) (i32.load (i32.const 56))))
     (block $done (loop $l
       (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 24)) (local.get $end)))
       (local.set $n (i32.load offset=16 (local.get $p)))
       (call $print (i32.add (local.get $p) (i32.const 24)) (local.get $n)) (call $nl)
       (local.set $p (i32.add (local.get $p) (i32.add (i32.const 24) (local.get $n))))
       (br $l)))))
   (drop (call $fd_close (local.get $fd)))
   (local.get $e))
 (func $preopens (local $fd i32)
   (local.set $fd (i32.const 3))
   (block $done (loop $l
     (br_if $done (call $fd_prestat_get (local.get $fd) (i32.const 40)))
     (drop (call $fd_prestat_dir_name (local.get $fd) (i32.const ${BUF}) (i32.load (i32.const 44))))
     (call $print (i32.const ${BUF}) (i32.load (i32.const 44))) (call $nl)
     (local.set $fd (i32.add (local.get $fd) (i32.const 1)))
     (br $l))))
 (func $environ (local $i i32) (local $n i32)
   (if (call $environ_sizes_get (i32.const 40) (i32.const 44)) (then (return)))
   (drop (call $environ_get (i32.const 131072) (i32.const 196608)))
   (local.set $n (i32.load (i32.const 44)))
   (block $done (loop $l
     (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
     (if (i32.eqz (i32.load8_u (i32.add (i32.const 196608) (local.get $i))))
       (then (i32.store8 (i32.add (i32.const 196608) (local.get $i)) (i32.const 10))))
     (local.set $i (i32.add (local.get $i) (i32.const 1)))
     (br $l)))
   (call $print (i32.const 196608) (local.get $n)))
 (func (export "_start") (local $e i32) (local $i i32)
   ${body.join('\n   ')}))`;
}

/**
 * A guest opening `private/<8 hex digits of (i & mask)><pad a's>` for i in 0..n, all denied:
 * mask 0 is one path n times, mask 1 two paths in turn, mask -1 n distinct paths. For the
 * floods of denials (audit records, notices) a guest can cause with one capability missing.
 */
export function deniedOpenFloodWat(n: number, mask: number, pad: number): string {
  const path = 'private/00000000' + 'a'.repeat(pad);
  return `(module
 (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
 (memory (export "memory") 1)
 (data (i32.const 100) "0123456789abcdef")
 (data (i32.const 1024) "${path}")
 (func (export "_start") (local $i i32) (local $j i32) (local $k i32)
   (loop $l
     (local.set $k (i32.and (local.get $i) (i32.const ${mask})))
     (local.set $j (i32.const 0))
     (loop $h
       (i32.store8 (i32.add (i32.const ${1024 + 'private/'.length}) (local.get $j))
         (i32.load8_u (i32.add (i32.const 100) (i32.and (i32.shr_u (local.get $k) (i32.mul (local.get $j) (i32.const 4))) (i32.const 15)))))
       (local.set $j (i32.add (local.get $j) (i32.const 1)))
       (br_if $h (i32.lt_u (local.get $j) (i32.const 8))))
     (drop (call $open (i32.const 3) (i32.const 0) (i32.const 1024) (i32.const ${path.length}) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 40)))
     (local.set $i (i32.add (local.get $i) (i32.const 1)))
     (br_if $l (i32.lt_u (local.get $i) (i32.const ${n}))))))`;
}

/** A denied lookup of `name`, as the gate records it (for DenialNotices cases). */
export function deniedLookup(name: string): AuditRecord {
  return {
    time: '',
    subject: 1,
    capability: 'net',
    operation: 'wasi:sockets/ip-name-lookup#resolve-addresses',
    target: name,
    decision: 'deny',
    code: 'missing',
  };
}

let wabt: Awaited<ReturnType<typeof wabtInit>> | undefined;

export async function wat2wasm(source: string): Promise<Uint8Array> {
  wabt ??= await wabtInit();
  const mod = wabt.parseWat('guest.wat', source);
  try {
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

export async function opsGuest(ops: readonly Op[]): Promise<Uint8Array> {
  return wat2wasm(opsWat(ops));
}

export const host = createHost({ cacheDir: tempDir('molt-adv-cache-') });

/**
 * A resource-flood guest. `run hold N` runs `setup`, then `step` N times with `$drop` 0, and
 * prints "held"; `run churn N` the same with `$drop` 1 (the step drops what it made), printing
 * "churned". `setup` and `step` may use `locals`; `functions` are added to the module.
 */
export function floodGuest(flood: {
  readonly interfaces: readonly string[];
  readonly imports: string;
  readonly functions?: string;
  readonly locals?: string;
  readonly setup?: string;
  readonly step: string;
}): GuestSource {
  return {
    imports: [`wasi:cli/stdout@${V}`, `wasi:io/streams@${V}`, `wasi:cli/environment@${V}`, ...flood.interfaces],
    wat: guestWat(
      flood.imports,
      `(data (i32.const 2048) "held\\n")
       (data (i32.const 2056) "churned\\n")
       ${flood.functions ?? ''}`,
      `(local $n i32) (local $drop i32) ${flood.locals ?? ''}
       (local.set $drop (i32.eq (i32.load8_u (call $arg_ptr (i32.const 1))) (i32.const 99)))
       (local.set $n (call $arg_u32 (i32.const 2)))
       ${flood.setup ?? ''}
       (block $done (loop $l
         (br_if $done (i32.eqz (local.get $n)))
         ${flood.step}
         (local.set $n (i32.sub (local.get $n) (i32.const 1)))
         (br $l)))
       (if (local.get $drop)
         (then (call $print (i32.const 2056) (i32.const 8)))
         (else (call $print (i32.const 2048) (i32.const 5))))`,
    ),
  };
}

/** Runs a flood guest (floodGuest) `count` times in `mode` under a policy of console output alone. */
export function runFlood(source: GuestSource, mode: 'hold' | 'churn', count: number, options: GuestOptions = {}) {
  return runComponentGuest(source, policy({ 'console.write': true }), ['flood', mode, String(count)], options);
}

/** Runs a component built from `source` with `args` under `manifest`: the result and what it printed. */
export async function runComponentGuest(
  source: GuestSource,
  manifest: CanonicalManifest,
  args: readonly string[],
  options: GuestOptions = {},
): Promise<RunResult & { readonly out: string }> {
  const out = capture();
  const result = await host.run(await buildComponent(source), { manifest, args: [...args], stdout: out.sink, ...options });
  return { ...result, out: out.text() };
}

export interface Outcome {
  readonly result: RunResult;
  readonly stdout: string;
  /** LABEL -> errno, from the report lines. */
  readonly codes: Record<string, number>;
}

/** Runs an ops guest under `manifest` with `dirs`, collecting stdout and the report lines. */
export async function runOps(ops: readonly Op[], manifest: CanonicalManifest, options: GuestOptions = {}): Promise<Outcome> {
  const out = capture();
  const result = await host.run(await opsGuest(ops), { manifest, stdout: out.sink, ...options });
  const stdout = out.text();
  const codes: Record<string, number> = {};
  for (const m of stdout.matchAll(/^(\S+) (\d+)$/gm)) codes[m[1]!] = Number(m[2]);
  return { result, stdout, codes };
}

/** preview1 errno values the corpus asserts on. */
export const E = { acces: 2, badf: 8, exist: 20, noent: 44, notcapable: 76, perm: 63, xdev: 75, loop: 32 } as const;

/** Any of the refusals a gate may give (policy: EACCES; leaving the preopen: EPERM / ENOTCAPABLE). */
export const REFUSED = new Set<number>([E.acces, E.perm, E.notcapable]);

/** A sandbox: `granted/` (the grant), `outside/` beside it with a secret, under one temp root. */
export function sandbox(): { root: string; granted: string; outside: string; secret: string } {
  const root = tempDir('molt-adv-');
  const granted = join(root, 'granted');
  const outside = join(root, 'outside');
  mkdirSync(granted);
  mkdirSync(outside);
  const secret = `SECRET-${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(outside, 'secret.txt'), secret + '\n');
  mkdirSync(join(outside, 'dir'));
  writeFileSync(join(outside, 'dir', 'inner.txt'), secret + '-inner\n');
  writeFileSync(join(granted, 'a.txt'), 'inside\n');
  return { root, granted, outside, secret };
}

/**
 * Everything about a host tree that a guest could change: entry types, contents, link
 * targets, modes and mtimes (and atimes are not compared: reads may move them).
 */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out[r] = `link -> ${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[r] = `dir ${st.mode.toString(8)} ${st.mtimeMs}`;
        walk(p, r);
      } else out[r] = `file ${st.mode.toString(8)} ${st.mtimeMs} ${st.nlink} ${readFileSync(p, 'base64')}`;
    }
  };
  walk(dir, '');
  return out;
}

/** A policy from an allow map (and deny map). */
export function policy(allow: CanonicalManifest['allow'], deny: CanonicalManifest['deny'] = {}): CanonicalManifest {
  return { version: 1, allow, deny };
}

/** A second process racing a test: `script` run by node with `args`, printing its swap count. */
export interface Swapper {
  /** The last count the swapper printed (0 until its first report). */
  swaps(): number;
  /** Resolves once the swapper has reported at least once: it is really racing. */
  started(): Promise<void>;
  kill(): void;
}

/** Starts `script` (a loop printing its count every 100 swaps) in a second node process. */
export function startSwapper(script: string, args: readonly string[]): Swapper {
  const child = spawn(process.execPath, ['-e', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let swaps = 0;
  child.stdout.on('data', (b: Buffer) => {
    const last = b.toString().trim().split('\n').at(-1);
    if (last !== undefined && /^\d+$/.test(last)) swaps = Number(last);
  });
  return {
    swaps: () => swaps,
    async started() {
      while (swaps === 0) await new Promise((r) => setTimeout(r, 20));
    },
    kill: () => void child.kill('SIGKILL'),
  };
}

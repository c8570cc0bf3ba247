/**
 * The WAT test guests (SPEC section 5 surfaces), each with the WASI interfaces its world
 * imports. Output is plain text on stdout so tests can assert what the guest saw.
 */
import { V, guestWat } from './prelude.js';

export interface GuestSource {
  /** Interfaces the world imports, e.g. `wasi:clocks/wall-clock@0.2.12`. */
  readonly imports: readonly string[];
  readonly wat: string;
}

const BASE = [`wasi:cli/stdout@${V}`, `wasi:io/streams@${V}`, `wasi:cli/environment@${V}`];

/** Prints each argument after args[0] on its own line. */
export const hello: GuestSource = {
  imports: BASE,
  wat: guestWat(
    '',
    '(data (i32.const 2048) "hello\\n")',
    `(local $i i32)
     (call $print (i32.const 2048) (i32.const 6))
     (local.set $i (i32.const 1))
     (block $done (loop $l
       (br_if $done (i32.ge_u (local.get $i) (call $argc)))
       (call $print (call $arg_ptr (local.get $i)) (call $arg_len (local.get $i)))
       (call $nl)
       (local.set $i (i32.add (local.get $i) (i32.const 1)))
       (br $l)))`,
  ),
};

/** Prints "start", reads the wall clock, prints "wall", reads the monotonic clock, prints "mono". */
export const clock: GuestSource = {
  imports: [...BASE, `wasi:clocks/wall-clock@${V}`, `wasi:clocks/monotonic-clock@${V}`],
  wat: guestWat(
    `(import "wasi:clocks/wall-clock@${V}" "now" (func $wall_now (param i32)))
     (import "wasi:clocks/monotonic-clock@${V}" "now" (func $mono_now (result i64)))`,
    '(data (i32.const 2048) "start\\nwall\\nmono\\n")',
    `(call $print (i32.const 2048) (i32.const 6))
     (call $wall_now (i32.const 64))
     ;; a wall clock after 2020 proves the real clock was read
     (if (i64.lt_u (i64.load (i32.const 64)) (i64.const 1577836800)) (then unreachable))
     (call $print (i32.const 2054) (i32.const 5))
     (drop (call $mono_now))
     (call $print (i32.const 2059) (i32.const 5))`,
  ),
};

/** Prints every environment variable it is given as K=V lines, then "end". */
export const env: GuestSource = {
  imports: BASE,
  wat: guestWat(
    `(import "wasi:cli/environment@${V}" "get-environment" (func $get_env (param i32)))`,
    '(data (i32.const 2048) "end\\n")',
    `(local $p i32) (local $n i32)
     (call $get_env (i32.const 96))
     (local.set $p (i32.load (i32.const 96)))
     (local.set $n (i32.load (i32.const 100)))
     (block $done (loop $l
       (br_if $done (i32.eqz (local.get $n)))
       (call $print (i32.load (local.get $p)) (i32.load offset=4 (local.get $p)))
       (call $print (i32.const 1030) (i32.const 1))
       (call $print (i32.load offset=8 (local.get $p)) (i32.load offset=12 (local.get $p)))
       (call $nl)
       (local.set $p (i32.add (local.get $p) (i32.const 16)))
       (local.set $n (i32.sub (local.get $n) (i32.const 1)))
       (br $l)))
     (call $print (i32.const 2048) (i32.const 4))`,
  ),
};

/** Prints "bye", then exit-with-code(the first byte of args[1] - '0', times 10 + second). */
export const exit: GuestSource = {
  imports: [...BASE, `wasi:cli/exit@${V}`],
  wat: guestWat(
    `(import "wasi:cli/exit@${V}" "exit-with-code" (func $exit_code (param i32)))`,
    '(data (i32.const 2048) "bye\\nafter exit\\n")',
    `(local $a i32)
     (call $print (i32.const 2048) (i32.const 4))
     (local.set $a (call $arg_ptr (i32.const 1)))
     (call $exit_code (i32.add
        (i32.mul (i32.sub (i32.load8_u (local.get $a)) (i32.const 48)) (i32.const 10))
        (i32.sub (i32.load8_u offset=1 (local.get $a)) (i32.const 48))))
     (call $print (i32.const 2052) (i32.const 11))`,
  ),
};

/** Prints "before" then executes `unreachable`. */
export const trap: GuestSource = {
  imports: BASE,
  wat: guestWat('', '(data (i32.const 2048) "before\\n")', '(call $print (i32.const 2048) (i32.const 7)) unreachable'),
};

/** Prints "failing" then returns err from `wasi:cli/run#run` (a guest reporting its own failure). */
export const runErr: GuestSource = {
  imports: BASE,
  wat: guestWat('', '(data (i32.const 2048) "failing\\n")', '(call $print (i32.const 2048) (i32.const 8)) (return (i32.const 1))'),
};

/** Imports an interface no host supplies. */
export const unknownImport: GuestSource = {
  imports: [...BASE, 'local:extra/thing@0.1.0'],
  wat: guestWat('(import "local:extra/thing@0.1.0" "poke" (func $poke))', '', '(call $poke)'),
};
export const UNKNOWN_IMPORT_WIT = 'package local:extra@0.1.0 { interface thing { poke: func(); } }';

/**
 * Asks molt:capabilities: prints `check time`, `check-id 6`, `check-id 99`, `check bogus`,
 * `require net` (disc,code) and the granted names, one per line.
 */
export const caps: GuestSource = {
  imports: [...BASE, 'molt:capabilities/capabilities@0.1.0'],
  wat: guestWat(
    `(import "molt:capabilities/capabilities@0.1.0" "check" (func $check (param i32 i32) (result i32)))
     (import "molt:capabilities/capabilities@0.1.0" "check-id" (func $check_id (param i32) (result i32)))
     (import "molt:capabilities/capabilities@0.1.0" "require" (func $require (param i32 i32 i32)))
     (import "molt:capabilities/capabilities@0.1.0" "granted" (func $granted (param i32)))`,
    '(data (i32.const 2048) "timenetbogus")',
    `(local $p i32) (local $n i32)
     (call $print_u32 (call $check (i32.const 2048) (i32.const 4))) (call $nl)
     (call $print_u32 (call $check_id (i32.const 6))) (call $nl)
     (call $print_u32 (call $check_id (i32.const 99))) (call $nl)
     (call $print_u32 (call $check (i32.const 2055) (i32.const 5))) (call $nl)
     (call $require (i32.const 2052) (i32.const 3) (i32.const 96))
     (call $print_u32 (i32.load8_u (i32.const 96))) (call $sp)
     (call $print_u32 (i32.load8_u (i32.const 97))) (call $nl)
     (call $granted (i32.const 96))
     (local.set $p (i32.load (i32.const 96)))
     (local.set $n (i32.load (i32.const 100)))
     (block $done (loop $l
       (br_if $done (i32.eqz (local.get $n)))
       (call $print (i32.load (local.get $p)) (i32.load offset=4 (local.get $p)))
       (call $sp)
       (local.set $p (i32.add (local.get $p) (i32.const 8)))
       (local.set $n (i32.sub (local.get $n) (i32.const 1)))
       (br $l)))
     (call $nl)`,
  ),
};

const FS = `wasi:filesystem/types@${V}`;
/**
 * A filesystem probe driven by its arguments (after args[0]); `P` is an index into the
 * preopen list as the guest sees it. Each command prints one line: the letter, then `ok` or
 * `e<error-code index>` per step.
 *   D                 list preopen names
 *   R P path          open-at(read) + read     -> "R ok ok <content>"
 *   W P path          open-at(write|create|truncate) + write "data-written"
 *   A P path          open-at(write) (no create/truncate) + write at offset 0
 *   M P path          create-directory-at
 *   U P path          unlink-file-at
 *   S P path          stat-at (follow symlinks)
 *   N P old Q new     rename-at
 *   L P old Q new     link-at
 *   Y P target path   symlink-at
 */
export const fsProbe: GuestSource = {
  imports: [...BASE, `wasi:filesystem/types@${V}`, `wasi:filesystem/preopens@${V}`],
  wat: guestWat(
    `(import "wasi:filesystem/preopens@${V}" "get-directories" (func $get_dirs (param i32)))
     (import "${FS}" "[method]descriptor.open-at" (func $open_at (param i32 i32 i32 i32 i32 i32 i32)))
     (import "${FS}" "[method]descriptor.read" (func $read (param i32 i64 i64 i32)))
     (import "${FS}" "[method]descriptor.write" (func $write (param i32 i32 i32 i64 i32)))
     (import "${FS}" "[method]descriptor.create-directory-at" (func $mkdir (param i32 i32 i32 i32)))
     (import "${FS}" "[method]descriptor.unlink-file-at" (func $unlink (param i32 i32 i32 i32)))
     (import "${FS}" "[method]descriptor.stat-at" (func $stat_at (param i32 i32 i32 i32 i32)))
     (import "${FS}" "[method]descriptor.rename-at" (func $rename (param i32 i32 i32 i32 i32 i32 i32)))
     (import "${FS}" "[method]descriptor.link-at" (func $link (param i32 i32 i32 i32 i32 i32 i32 i32)))
     (import "${FS}" "[method]descriptor.symlink-at" (func $symlink (param i32 i32 i32 i32 i32 i32)))`,
    `(data (i32.const 2048) "data-written")
     (global $dirs (mut i32) (i32.const -1))
     (global $ndirs (mut i32) (i32.const 0))
     (func $load_dirs
       (if (i32.lt_s (global.get $dirs) (i32.const 0))
         (then (call $get_dirs (i32.const 80))
               (global.set $dirs (i32.load (i32.const 80)))
               (global.set $ndirs (i32.load (i32.const 84))))))
     (func $pre (param $i i32) (result i32)
       (call $load_dirs)
       (i32.load (i32.add (global.get $dirs) (i32.mul (i32.sub (i32.load8_u (call $arg_ptr (local.get $i))) (i32.const 48)) (i32.const 12)))))
     (func $letter (param $i i32)
       (call $print (call $arg_ptr (local.get $i)) (i32.const 1)))
     ;; open-at then optionally read or write; prints each step's result
     (func $open (param $i i32) (param $oflags i32) (param $dflags i32) (result i32)
       (call $open_at (call $pre (i32.add (local.get $i) (i32.const 1))) (i32.const 1)
         (call $arg_ptr (i32.add (local.get $i) (i32.const 2))) (call $arg_len (i32.add (local.get $i) (i32.const 2)))
         (local.get $oflags) (local.get $dflags) (i32.const 96))
       (call $sp) (call $print_res (i32.const 96) (i32.const 4))
       (if (result i32) (i32.load8_u (i32.const 96)) (then (i32.const -1)) (else (i32.load (i32.const 100)))))`,
    `(local $i i32) (local $op i32) (local $h i32) (local $k i32)
     (local.set $i (i32.const 1))
     (block $done (loop $l
       (br_if $done (i32.ge_u (local.get $i) (call $argc)))
       (local.set $op (i32.load8_u (call $arg_ptr (local.get $i))))
       (call $letter (local.get $i))
       (if (i32.eq (local.get $op) (i32.const 68)) ;; D
         (then
           (global.set $dirs (i32.const -1)) ;; ask again: the list follows the live policy
           (call $load_dirs)
           (local.set $k (i32.const 0))
           (block $e (loop $m
             (br_if $e (i32.ge_u (local.get $k) (global.get $ndirs)))
             (call $sp)
             (call $print (i32.load offset=4 (i32.add (global.get $dirs) (i32.mul (local.get $k) (i32.const 12))))
                          (i32.load offset=8 (i32.add (global.get $dirs) (i32.mul (local.get $k) (i32.const 12)))))
             (local.set $k (i32.add (local.get $k) (i32.const 1)))
             (br $m)))
           (local.set $i (i32.add (local.get $i) (i32.const 1)))))
       (if (i32.eq (local.get $op) (i32.const 82)) ;; R
         (then
           (local.set $h (call $open (local.get $i) (i32.const 0) (i32.const 1)))
           (if (i32.ge_s (local.get $h) (i32.const 0)) (then
             (call $read (local.get $h) (i64.const 4096) (i64.const 0) (i32.const 96))
             (call $sp) (call $print_res (i32.const 96) (i32.const 4))
             (if (i32.eqz (i32.load8_u (i32.const 96))) (then
               (call $sp) (call $print (i32.load (i32.const 100)) (i32.load (i32.const 104)))))))
           (local.set $i (i32.add (local.get $i) (i32.const 3)))))
       (if (i32.or (i32.eq (local.get $op) (i32.const 87)) (i32.eq (local.get $op) (i32.const 65))) ;; W, A
         (then
           (local.set $h (call $open (local.get $i)
              (select (i32.const 9) (i32.const 0) (i32.eq (local.get $op) (i32.const 87))) (i32.const 2)))
           (if (i32.ge_s (local.get $h) (i32.const 0)) (then
             (call $write (local.get $h) (i32.const 2048) (i32.const 12) (i64.const 0) (i32.const 96))
             (call $sp) (call $print_res (i32.const 96) (i32.const 8))))
           (local.set $i (i32.add (local.get $i) (i32.const 3)))))
       (if (i32.eq (local.get $op) (i32.const 77)) ;; M
         (then
           (call $mkdir (call $pre (i32.add (local.get $i) (i32.const 1)))
             (call $arg_ptr (i32.add (local.get $i) (i32.const 2))) (call $arg_len (i32.add (local.get $i) (i32.const 2))) (i32.const 96))
           (call $sp) (call $print_res (i32.const 96) (i32.const 1))
           (local.set $i (i32.add (local.get $i) (i32.const 3)))))
       (if (i32.eq (local.get $op) (i32.const 85)) ;; U
         (then
           (call $unlink (call $pre (i32.add (local.get $i) (i32.const 1)))
             (call $arg_ptr (i32.add (local.get $i) (i32.const 2))) (call $arg_len (i32.add (local.get $i) (i32.const 2))) (i32.const 96))
           (call $sp) (call $print_res (i32.const 96) (i32.const 1))
           (local.set $i (i32.add (local.get $i) (i32.const 3)))))
       (if (i32.eq (local.get $op) (i32.const 83)) ;; S
         (then
           (call $stat_at (call $pre (i32.add (local.get $i) (i32.const 1))) (i32.const 1)
             (call $arg_ptr (i32.add (local.get $i) (i32.const 2))) (call $arg_len (i32.add (local.get $i) (i32.const 2))) (i32.const 96))
           (call $sp) (call $print_res (i32.const 96) (i32.const 8))
           (local.set $i (i32.add (local.get $i) (i32.const 3)))))
       (if (i32.eq (local.get $op) (i32.const 78)) ;; N
         (then
           (call $rename (call $pre (i32.add (local.get $i) (i32.const 1)))
             (call $arg_ptr (i32.add (local.get $i) (i32.const 2))) (call $arg_len (i32.add (local.get $i) (i32.const 2)))
             (call $pre (i32.add (local.get $i) (i32.const 3)))
             (call $arg_ptr (i32.add (local.get $i) (i32.const 4))) (call $arg_len (i32.add (local.get $i) (i32.const 4))) (i32.const 96))
           (call $sp) (call $print_res (i32.const 96) (i32.const 1))
           (local.set $i (i32.add (local.get $i) (i32.const 5)))))
       (if (i32.eq (local.get $op) (i32.const 76)) ;; L
         (then
           (call $link (call $pre (i32.add (local.get $i) (i32.const 1))) (i32.const 0)
             (call $arg_ptr (i32.add (local.get $i) (i32.const 2))) (call $arg_len (i32.add (local.get $i) (i32.const 2)))
             (call $pre (i32.add (local.get $i) (i32.const 3)))
             (call $arg_ptr (i32.add (local.get $i) (i32.const 4))) (call $arg_len (i32.add (local.get $i) (i32.const 4))) (i32.const 96))
           (call $sp) (call $print_res (i32.const 96) (i32.const 1))
           (local.set $i (i32.add (local.get $i) (i32.const 5)))))
       (if (i32.eq (local.get $op) (i32.const 89)) ;; Y
         (then
           (call $symlink (call $pre (i32.add (local.get $i) (i32.const 1)))
             (call $arg_ptr (i32.add (local.get $i) (i32.const 2))) (call $arg_len (i32.add (local.get $i) (i32.const 2)))
             (call $arg_ptr (i32.add (local.get $i) (i32.const 3))) (call $arg_len (i32.add (local.get $i) (i32.const 3))) (i32.const 96))
           (call $sp) (call $print_res (i32.const 96) (i32.const 1))
           (local.set $i (i32.add (local.get $i) (i32.const 4)))))
       (call $nl)
       (br $l)))`,
  ),
};

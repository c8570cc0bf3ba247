/**
 * Shared WAT for the test guests: memory, a bump `cabi_realloc`, stdout printing and argument
 * access, written against the canonical ABI of WASI 0.2.12. Scratch layout: 8..20 the
 * blocking-write result, 64..128 return areas, 128..160 digits, 1024.. constant strings,
 * 65536.. the heap.
 */
export const V = '0.2.12';

export const PRELUDE_IMPORTS = `
 (import "wasi:cli/stdout@${V}" "get-stdout" (func $get_stdout (result i32)))
 (import "wasi:io/streams@${V}" "[method]output-stream.blocking-write-and-flush" (func $bwf (param i32 i32 i32 i32)))
 (import "wasi:cli/environment@${V}" "get-arguments" (func $get_arguments (param i32)))
`;

export const PRELUDE_BODY = `
 (memory (export "memory") 2)
 (global $heap (mut i32) (i32.const 65536))
 (global $out (mut i32) (i32.const -1))
 (global $argv (mut i32) (i32.const 0))
 (global $argc (mut i32) (i32.const -1))
 (data (i32.const 1024) "ok e \\n=")
 (func $realloc (export "cabi_realloc") (param $old i32) (param $osize i32) (param $align i32) (param $size i32) (result i32)
   (local $p i32)
   (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                          (i32.sub (i32.const 0) (local.get $align))))
   (global.set $heap (i32.add (local.get $p) (local.get $size)))
   (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
     (then (drop (memory.grow (i32.const 4)))))
   (local.get $p))
 (func $print (param $p i32) (param $l i32)
   (if (i32.lt_s (global.get $out) (i32.const 0)) (then (global.set $out (call $get_stdout))))
   (call $bwf (global.get $out) (local.get $p) (local.get $l) (i32.const 8)))
 (func $sp (call $print (i32.const 1028) (i32.const 1)))
 (func $nl (call $print (i32.const 1029) (i32.const 1)))
 (func $print_u32 (param $n i32) (local $p i32)
   (local.set $p (i32.const 160))
   (loop $l
     (local.set $p (i32.sub (local.get $p) (i32.const 1)))
     (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
     (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
     (br_if $l (local.get $n)))
   (call $print (local.get $p) (i32.sub (i32.const 160) (local.get $p))))
 ;; prints "ok" when the result at $r is ok, else "e<error index>" read at $r + $off
 (func $print_res (param $r i32) (param $off i32)
   (if (i32.eqz (i32.load8_u (local.get $r)))
     (then (call $print (i32.const 1024) (i32.const 2)))
     (else (call $print (i32.const 1027) (i32.const 1))
           (call $print_u32 (i32.load8_u (i32.add (local.get $r) (local.get $off)))))))
 (func $load_args
   (if (i32.lt_s (global.get $argc) (i32.const 0))
     (then (call $get_arguments (i32.const 64))
           (global.set $argv (i32.load (i32.const 64)))
           (global.set $argc (i32.load (i32.const 68))))))
 (func $argc (result i32) (call $load_args) (global.get $argc))
 (func $arg_ptr (param $i i32) (result i32) (call $load_args) (i32.load (i32.add (global.get $argv) (i32.shl (local.get $i) (i32.const 3)))))
 (func $arg_len (param $i i32) (result i32) (call $load_args) (i32.load offset=4 (i32.add (global.get $argv) (i32.shl (local.get $i) (i32.const 3)))))
 ;; argument $i read as a decimal number (digits only)
 (func $arg_u32 (param $i i32) (result i32) (local $p i32) (local $l i32) (local $n i32)
   (local.set $p (call $arg_ptr (local.get $i)))
   (local.set $l (call $arg_len (local.get $i)))
   (block $done (loop $d
     (br_if $done (i32.eqz (local.get $l)))
     (local.set $n (i32.add (i32.mul (local.get $n) (i32.const 10)) (i32.sub (i32.load8_u (local.get $p)) (i32.const 48))))
     (local.set $p (i32.add (local.get $p) (i32.const 1)))
     (local.set $l (i32.sub (local.get $l) (i32.const 1)))
     (br $d)))
   (local.get $n))
`;

/** A guest module: prelude + imports + body, exporting `wasi:cli/run#run`. */
export function guestWat(imports: string, body: string, run: string): string {
  return `(module ${PRELUDE_IMPORTS} ${imports} ${PRELUDE_BODY} ${body}
 (func (export "wasi:cli/run@${V}#run") (result i32) ${run} (i32.const 0)))`;
}

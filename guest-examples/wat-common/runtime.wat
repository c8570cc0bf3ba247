;; Shared runtime for the WAT guests, pasted in by scripts/build-guests.ts where a guest
;; writes `;; @include runtime.wat` (after its imports: WAT wants imports first).
;;
;; The including guest must import, under these names:
;;   $get_stdout  wasi:cli/stdout@0.2.12 get-stdout            (result i32)
;;   $get_stderr  wasi:cli/stderr@0.2.12 get-stderr            (result i32)
;;   $write_flush wasi:io/streams@0.2.12 [method]output-stream.blocking-write-and-flush
;;                                                             (param i32 i32 i32 i32)
;;   $drop_out    wasi:io/streams@0.2.12 [resource-drop]output-stream (param i32)
;;
;; Memory map: 0..63 scratch for $write_to's return area, 64..511 return areas for the
;; guest's own calls (8-aligned), 960..999 number formatting, 1024.. the guest's data
;; (nul-terminated strings), 65536.. the bump heap that cabi_realloc hands out.

  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 65536))

  ;; The canonical ABI calls this to place lists/strings the host returns. A bump
  ;; allocator is enough: guests are short-lived and never free.
  (func $cabi_realloc (export "cabi_realloc")
    (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32) (local $end i32) (local $have i32)
    (local.set $p
      (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $p) (local.get $size)))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq (i32.const -1)
              (memory.grow
                (i32.add (i32.shr_u (i32.sub (local.get $end) (local.get $have)) (i32.const 16))
                         (i32.const 1))))
          (then unreachable))))
    (global.set $heap (local.get $end))
    (if (local.get $old)
      (then (memory.copy (local.get $p) (local.get $old) (local.get $old_size))))
    (local.get $p))

  ;; Write n bytes at p to stream s in chunks of 4096 (the most blocking-write-and-flush
  ;; accepts), then drop s. Returns 0 on success, 1 on a stream error.
  (func $write_to (param $s i32) (param $p i32) (param $n i32) (result i32)
    (local $chunk i32) (local $failed i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $chunk
          (select (i32.const 4096) (local.get $n) (i32.gt_u (local.get $n) (i32.const 4096))))
        (call $write_flush (local.get $s) (local.get $p) (local.get $chunk) (i32.const 0))
        (if (i32.load8_u (i32.const 0))
          (then (local.set $failed (i32.const 1)) (br $done)))
        (local.set $p (i32.add (local.get $p) (local.get $chunk)))
        (local.set $n (i32.sub (local.get $n) (local.get $chunk)))
        (br $more)))
    (call $drop_out (local.get $s))
    (local.get $failed))

  (func $print (param $p i32) (param $n i32)
    (drop (call $write_to (call $get_stdout) (local.get $p) (local.get $n))))
  (func $eprint (param $p i32) (param $n i32)
    (drop (call $write_to (call $get_stderr) (local.get $p) (local.get $n))))

  (func $strlen (param $p i32) (result i32)
    (local $q i32)
    (local.set $q (local.get $p))
    (block $end (loop $l
      (br_if $end (i32.eqz (i32.load8_u (local.get $q))))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $l)))
    (i32.sub (local.get $q) (local.get $p)))

  ;; nul-terminated strings from the data segment
  (func $puts (param $p i32) (call $print (local.get $p) (call $strlen (local.get $p))))
  (func $eputs (param $p i32) (call $eprint (local.get $p) (call $strlen (local.get $p))))

  ;; Decimal text of v, written backwards ending at 999; returns the start.
  (func $fmt_u64 (param $v i64) (result i32)
    (local $p i32)
    (local.set $p (i32.const 999))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i64.store8 (local.get $p) (i64.add (i64.const 48) (i64.rem_u (local.get $v) (i64.const 10))))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $digit (i64.ne (local.get $v) (i64.const 0))))
    (local.get $p))
  (func $print_u64 (param $v i64)
    (local $p i32)
    (local.set $p (call $fmt_u64 (local.get $v)))
    (call $print (local.get $p) (i32.sub (i32.const 999) (local.get $p))))
  (func $eprint_u64 (param $v i64)
    (local $p i32)
    (local.set $p (call $fmt_u64 (local.get $v)))
    (call $eprint (local.get $p) (i32.sub (i32.const 999) (local.get $p))))

  ;; byte-wise equality of two memory ranges
  (func $mem_eq (param $a i32) (param $an i32) (param $b i32) (param $bn i32) (result i32)
    (if (i32.ne (local.get $an) (local.get $bn)) (then (return (i32.const 0))))
    (block $end (loop $l
      (br_if $end (i32.eqz (local.get $an)))
      (if (i32.ne (i32.load8_u (local.get $a)) (i32.load8_u (local.get $b)))
        (then (return (i32.const 0))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (local.set $an (i32.sub (local.get $an) (i32.const 1)))
      (br $l)))
    (i32.const 1))

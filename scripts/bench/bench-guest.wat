;; The guest for `npm run bench` (scripts/bench/guest-calls.ts): three loops, each calling
;; one WASI import N times from inside the guest, exported as world-level functions of the
;; `bench` world (scripts/bench/guest-calls.ts adds it to a copy of wit/ that includes
;; molt:capabilities/guest). `;; @include` lines are pasted from guest-examples/wat-common/.
(module
  ;; @include imports-stdio.wat
  (import "wasi:clocks/monotonic-clock@0.2.12" "now" (func $mono_now (result i64)))
  (import "wasi:filesystem/preopens@0.2.12" "get-directories" (func $get_dirs (param i32)))
  (import "wasi:filesystem/types@0.2.12" "[method]descriptor.open-at"
    (func $open_at (param i32 i32 i32 i32 i32 i32 i32)))
  (import "wasi:filesystem/types@0.2.12" "[method]descriptor.read"
    (func $read (param i32 i64 i64 i32)))
  (import "wasi:filesystem/types@0.2.12" "[resource-drop]descriptor" (func $drop_fd (param i32)))
  ;; @include runtime.wat
  (data (i32.const 1024) "small.txt")
  (data (i32.const 1040) "molt-wasm bench: one stdout line\n")
  (global $dir (mut i32) (i32.const -1))

  ;; n monotonic-clock reads; returns their (wrapping) sum so nothing is optimised away
  (func (export "clock-now") (param $n i32) (result i64)
    (local $acc i64)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $acc (i64.add (local.get $acc) (call $mono_now)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (local.get $acc))

  ;; n times: open small.txt in the first preopen, read up to 4 KiB, drop; returns failures
  (func (export "read-file") (param $n i32) (result i32)
    (local $fd i32) (local $fail i32)
    (if (i32.eq (global.get $dir) (i32.const -1))
      (then
        (call $get_dirs (i32.const 64))
        (if (i32.eqz (i32.load (i32.const 68))) (then (return (i32.const -1))))
        (global.set $dir (i32.load (i32.load (i32.const 64))))))
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (global.set $heap (i32.const 65536))
      (call $open_at (global.get $dir) (i32.const 1) (i32.const 1024) (i32.const 9)
                     (i32.const 0) (i32.const 1) (i32.const 64))
      (if (i32.load8_u (i32.const 64))
        (then (local.set $fail (i32.add (local.get $fail) (i32.const 1))))
        (else
          (local.set $fd (i32.load (i32.const 68)))
          (call $read (local.get $fd) (i64.const 4096) (i64.const 0) (i32.const 64))
          (if (i32.load8_u (i32.const 64))
            (then (local.set $fail (i32.add (local.get $fail) (i32.const 1)))))
          (call $drop_fd (local.get $fd))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (local.get $fail))

  ;; n blocking-write-and-flush calls of a 33-byte line on one stdout handle; returns failures
  (func (export "write-stdout") (param $n i32) (result i32)
    (local $s i32) (local $fail i32)
    (local.set $s (call $get_stdout))
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (call $write_flush (local.get $s) (i32.const 1040) (i32.const 33) (i32.const 0))
      (if (i32.load8_u (i32.const 0))
        (then (local.set $fail (i32.add (local.get $fail) (i32.const 1)))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (call $drop_out (local.get $s))
    (local.get $fail))

  (func (export "wasi:cli/run@0.2.12#run") (result i32) (i32.const 0)))

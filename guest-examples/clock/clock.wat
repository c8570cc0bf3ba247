;; clock: prints the wall clock in whole seconds since the Unix epoch (needs time).
(module
  ;; @include imports-stdio.wat
  (import "wasi:clocks/wall-clock@0.2.12" "now" (func $now (param i32)))
  ;; @include runtime.wat
  (data (i32.const 1024) "wall clock: \00")
  (data (i32.const 1040) " s\n\00")
  (func (export "wasi:cli/run@0.2.12#run") (result i32)
    ;; datetime { seconds: u64, nanoseconds: u32 } in the return area
    (call $now (i32.const 64))
    (call $puts (i32.const 1024))
    (call $print_u64 (i64.load (i32.const 64)))
    (call $puts (i32.const 1040))
    (i32.const 0)))

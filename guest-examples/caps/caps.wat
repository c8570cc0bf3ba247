;; caps: asks molt:capabilities what it holds and adapts: prints its grants and a few
;; checks, and reads the wall clock only when `time` is granted (no trap without it).
(module
  ;; @include imports-stdio.wat
  (import "molt:capabilities/capabilities@0.1.0" "check" (func $check (param i32 i32) (result i32)))
  (import "molt:capabilities/capabilities@0.1.0" "check-id" (func $check_id (param i32) (result i32)))
  ;; require -> result<_, check-result>: tag at 0, the code at 1
  (import "molt:capabilities/capabilities@0.1.0" "require" (func $require (param i32 i32 i32)))
  ;; granted -> list<string>: (ptr, len), entries of 8 bytes (ptr, len)
  (import "molt:capabilities/capabilities@0.1.0" "granted" (func $granted (param i32)))
  (import "wasi:clocks/wall-clock@0.2.12" "now" (func $now (param i32)))
  ;; @include runtime.wat
  (data (i32.const 1024) "granted:\00")
  (data (i32.const 1040) " \00")
  (data (i32.const 1048) "\n\00")
  (data (i32.const 1056) "check net: \00")
  (data (i32.const 1072) "net\00")
  (data (i32.const 1080) "check-id 6: \00")
  (data (i32.const 1096) "check teleport: \00")
  (data (i32.const 1120) "teleport\00")
  (data (i32.const 1136) "require time: \00")
  (data (i32.const 1152) "time\00")
  (data (i32.const 1160) "wall clock: \00")
  (data (i32.const 1176) " s\n\00")
  (data (i32.const 1184) "no time capability: not reading the clock\n\00")
  (data (i32.const 1232) "ok\00")
  (data (i32.const 1240) "missing\00")
  (data (i32.const 1248) "subject-invalid\00")
  (data (i32.const 1264) "cap-invalid\00")
  (data (i32.const 1280) "check-id 99: \00")

  ;; prints the check-result enum case name and a newline
  (func $put_result (param $r i32)
    (call $puts
      (select (i32.const 1232)
        (select (i32.const 1240)
          (select (i32.const 1248) (i32.const 1264) (i32.eq (local.get $r) (i32.const 2)))
          (i32.eq (local.get $r) (i32.const 1)))
        (i32.eqz (local.get $r))))
    (call $puts (i32.const 1048)))

  (func (export "wasi:cli/run@0.2.12#run") (result i32)
    (local $p i32) (local $n i32)
    ;; granted: a b c
    (call $granted (i32.const 64))
    (local.set $p (i32.load (i32.const 64)))
    (local.set $n (i32.load (i32.const 68)))
    (call $puts (i32.const 1024))
    (block $end (loop $each
      (br_if $end (i32.eqz (local.get $n)))
      (call $puts (i32.const 1040))
      (call $print (i32.load (local.get $p)) (i32.load offset=4 (local.get $p)))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $each)))
    (call $puts (i32.const 1048))

    (call $puts (i32.const 1056))
    (call $put_result (call $check (i32.const 1072) (i32.const 3)))
    (call $puts (i32.const 1080))
    (call $put_result (call $check_id (i32.const 6)))
    (call $puts (i32.const 1280))
    (call $put_result (call $check_id (i32.const 99)))
    (call $puts (i32.const 1096))
    (call $put_result (call $check (i32.const 1120) (i32.const 8)))

    ;; adapt: the clock only when require("time") is ok
    (call $require (i32.const 1152) (i32.const 4) (i32.const 80))
    (call $puts (i32.const 1136))
    (if (i32.load8_u (i32.const 80))
      (then
        (call $put_result (i32.load8_u (i32.const 81)))
        (call $puts (i32.const 1184)))
      (else
        (call $put_result (i32.const 0))
        (call $now (i32.const 96))
        (call $puts (i32.const 1160))
        (call $print_u64 (i64.load (i32.const 96)))
        (call $puts (i32.const 1176))))
    (i32.const 0)))

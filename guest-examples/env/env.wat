;; env: prints the environment variable GREETING (needs env, scoped to GREETING).
;; Exit 0 and `GREETING=value` when it is visible, exit 1 and a message when not.
(module
  ;; @include imports-stdio.wat
  (import "wasi:cli/environment@0.2.12" "get-environment" (func $get_env (param i32)))
  ;; @include runtime.wat
  (data (i32.const 1024) "GREETING\00")
  (data (i32.const 1040) "=\00")
  (data (i32.const 1048) "\n\00")
  (data (i32.const 1056) "env: GREETING is not set (or not visible to this guest)\n\00")
  (func (export "wasi:cli/run@0.2.12#run") (result i32)
    (local $list i32) (local $n i32) (local $e i32)
    ;; list<tuple<string,string>>: return area holds (ptr, len); each entry is
    ;; 16 bytes: key ptr, key len, value ptr, value len
    (call $get_env (i32.const 64))
    (local.set $list (i32.load (i32.const 64)))
    (local.set $n (i32.load (i32.const 68)))
    (block $not_found
      (loop $next
        (br_if $not_found (i32.eqz (local.get $n)))
        (if (call $mem_eq (i32.load (local.get $list)) (i32.load offset=4 (local.get $list))
                          (i32.const 1024) (i32.const 8))
          (then
            (call $puts (i32.const 1024))
            (call $puts (i32.const 1040))
            (call $print (i32.load offset=8 (local.get $list)) (i32.load offset=12 (local.get $list)))
            (call $puts (i32.const 1048))
            (return (i32.const 0))))
        (local.set $list (i32.add (local.get $list) (i32.const 16)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (call $eputs (i32.const 1056))
    (i32.const 1)))

;; hello: the smallest WASI 0.2 command. Writes one line to stdout (needs console.write).
(module
  ;; @include imports-stdio.wat
  ;; @include runtime.wat
  (data (i32.const 1024) "hello from a molt-wasm component\n\00")
  (func (export "wasi:cli/run@0.2.12#run") (result i32)
    (call $puts (i32.const 1024))
    (i32.const 0)))

;; http-client: GET the http:// or https:// URL given as an argument through
;; wasi:http/outgoing-handler and print the response status (needs net for that host).
;; A denial is the handler's own error code (HTTP-request-denied): printed, exit 1.
;; @world http-guest
(module
  ;; @include imports-stdio.wat
  ;; get-arguments -> list<string>
  (import "wasi:cli/environment@0.2.12" "get-arguments" (func $get_args (param i32)))
  (import "wasi:http/types@0.2.12" "[constructor]fields" (func $fields_new (result i32)))
  (import "wasi:http/types@0.2.12" "[constructor]outgoing-request" (func $req_new (param i32) (result i32)))
  ;; method variant (tag, string ptr, len); get = 0
  (import "wasi:http/types@0.2.12" "[method]outgoing-request.set-method"
    (func $set_method (param i32 i32 i32 i32) (result i32)))
  ;; option<scheme>: (is-some, scheme tag HTTP=0 HTTPS=1, other ptr, len)
  (import "wasi:http/types@0.2.12" "[method]outgoing-request.set-scheme"
    (func $set_scheme (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-request.set-authority"
    (func $set_authority (param i32 i32 i32 i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-request.set-path-with-query"
    (func $set_path (param i32 i32 i32 i32) (result i32)))
  ;; handle(request, option<request-options>, retptr) -> result<future-incoming-response, error-code>
  (import "wasi:http/outgoing-handler@0.2.12" "handle" (func $handle (param i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]future-incoming-response.subscribe"
    (func $subscribe (param i32) (result i32)))
  ;; get -> option<result<result<incoming-response, error-code>, _>>
  (import "wasi:http/types@0.2.12" "[method]future-incoming-response.get" (func $fut_get (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]incoming-response.status" (func $status (param i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[resource-drop]incoming-response" (func $drop_resp (param i32)))
  (import "wasi:http/types@0.2.12" "[resource-drop]future-incoming-response" (func $drop_fut (param i32)))
  (import "wasi:io/poll@0.2.12" "[method]pollable.block" (func $block (param i32)))
  (import "wasi:io/poll@0.2.12" "[resource-drop]pollable" (func $drop_poll (param i32)))
  ;; @include runtime.wat
  (data (i32.const 1024) "http://\00")
  (data (i32.const 1032) "https://\00")
  (data (i32.const 1048) "usage: http-client http://HOST[:PORT]/PATH\n\00")
  (data (i32.const 1096) "http-client: request failed: \00")
  (data (i32.const 1128) "HTTP-request-denied\n\00")
  (data (i32.const 1152) "error-code \00")
  (data (i32.const 1168) "\n\00")
  (data (i32.const 1176) "status: \00")
  (data (i32.const 1192) "/\00")

  ;; stderr: "http-client: request failed: <error-code>"; returns the exit status 1
  (func $fail (param $code i32) (result i32)
    (call $eputs (i32.const 1096))
    (if (i32.eq (local.get $code) (i32.const 15))
      (then (call $eputs (i32.const 1128)))
      (else (call $eputs (i32.const 1152))
            (call $eprint_u64 (i64.extend_i32_u (local.get $code)))
            (call $eputs (i32.const 1168))))
    (i32.const 1))

  (func (export "wasi:cli/run@0.2.12#run") (result i32)
    (local $args i32) (local $n i32) (local $url i32) (local $len i32)
    (local $scheme i32) (local $skip i32) (local $i i32) (local $auth_len i32)
    (local $req i32) (local $fut i32) (local $poll i32) (local $resp i32) (local $code i32)
    (local.set $scheme (i32.const -1))
    ;; the first argument that starts with http:// or https:// (argv[0] may or may not
    ;; be the program name, depending on the host)
    (call $get_args (i32.const 64))
    (local.set $args (i32.load (i32.const 64)))
    (local.set $n (i32.load (i32.const 68)))
    (block $found (loop $each
      (br_if $found (i32.eqz (local.get $n)))
      (local.set $url (i32.load (local.get $args)))
      (local.set $len (i32.load offset=4 (local.get $args)))
      (if (i32.and (i32.ge_u (local.get $len) (i32.const 7))
                   (call $mem_eq (local.get $url) (i32.const 7) (i32.const 1024) (i32.const 7)))
        (then (local.set $scheme (i32.const 0)) (local.set $skip (i32.const 7)) (br $found)))
      (if (i32.and (i32.ge_u (local.get $len) (i32.const 8))
                   (call $mem_eq (local.get $url) (i32.const 8) (i32.const 1032) (i32.const 8)))
        (then (local.set $scheme (i32.const 1)) (local.set $skip (i32.const 8)) (br $found)))
      (local.set $args (i32.add (local.get $args) (i32.const 8)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $each)))
    (if (i32.lt_s (local.get $scheme) (i32.const 0))
      (then (call $eputs (i32.const 1048)) (return (i32.const 1))))
    (local.set $url (i32.add (local.get $url) (local.get $skip)))
    (local.set $len (i32.sub (local.get $len) (local.get $skip)))
    ;; authority runs to the first '/'
    (block $slash (loop $scan
      (br_if $slash (i32.ge_u (local.get $i) (local.get $len)))
      (br_if $slash (i32.eq (i32.load8_u (i32.add (local.get $url) (local.get $i))) (i32.const 47)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $scan)))
    (local.set $auth_len (local.get $i))
    (if (i32.eqz (local.get $auth_len))
      (then (call $eputs (i32.const 1048)) (return (i32.const 1))))

    (local.set $req (call $req_new (call $fields_new)))
    (drop (call $set_method (local.get $req) (i32.const 0) (i32.const 0) (i32.const 0)))
    (drop (call $set_scheme (local.get $req) (i32.const 1) (local.get $scheme) (i32.const 0) (i32.const 0)))
    (drop (call $set_authority (local.get $req) (i32.const 1) (local.get $url) (local.get $auth_len)))
    (if (i32.lt_u (local.get $auth_len) (local.get $len))
      (then (drop (call $set_path (local.get $req) (i32.const 1)
                    (i32.add (local.get $url) (local.get $auth_len))
                    (i32.sub (local.get $len) (local.get $auth_len)))))
      (else (drop (call $set_path (local.get $req) (i32.const 1) (i32.const 1192) (i32.const 1)))))

    ;; result<future, error-code>: tag at 0, payload at 8 (error-code is 8-aligned)
    (call $handle (local.get $req) (i32.const 0) (i32.const 0) (i32.const 128))
    (if (i32.load8_u (i32.const 128))
      (then (return (call $fail (i32.load8_u (i32.const 136))))))
    (local.set $fut (i32.load (i32.const 136)))
    (local.set $poll (call $subscribe (local.get $fut)))
    (call $block (local.get $poll))
    (call $drop_poll (local.get $poll))

    ;; option tag at 0, outer result tag at 8, inner result tag at 16, payload at 24
    (call $fut_get (local.get $fut) (i32.const 128))
    (call $drop_fut (local.get $fut))
    (if (i32.eqz (i32.load8_u (i32.const 128))) (then unreachable)) ;; ready after block
    (if (i32.load8_u (i32.const 136)) (then unreachable))           ;; get called once
    (if (i32.load8_u (i32.const 144))
      (then (return (call $fail (i32.load8_u (i32.const 152))))))
    (local.set $resp (i32.load (i32.const 152)))
    (call $puts (i32.const 1176))
    (call $print_u64 (i64.extend_i32_u (call $status (local.get $resp))))
    (call $puts (i32.const 1168))
    (call $drop_resp (local.get $resp))
    (i32.const 0)))

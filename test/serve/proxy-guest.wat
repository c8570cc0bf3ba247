;; proxy-guest: a hand-written wasi:http/proxy component for the `molt-wasm serve` tests
;; (test/serve/). Routes on the request's path:
;;   /               200 "count=N\n": N counts requests in this instance's own memory, so a
;;                   fresh instance per request always answers count=1 (an instance reused
;;                   for many requests answers count=2, 3, ...)
;;   /fetch/AUTHORITY  GET http://AUTHORITY/ through wasi:http/outgoing-handler: 200
;;                   "upstream STATUS\n", or 502 "denied\n" (HTTP-request-denied) / "error N\n"
;;   /echo           reads the request body: 200 "read N\n"
;;   /spin           never returns (the host's --timeout must stop it)
;;   /trap           traps (unreachable)
;;   /hoard          makes wasi:http fields resources in a loop and keeps them all: host memory
;;                   with no guest memory and no capability (--max-host-heap must end it)
;;   /secret         writes the marker "SECRET!!" all over its memory (return-area page, past
;;                   the counter, the heap, the last bytes): 200 "stored\n"
;;   /grow-secret    grows its memory by a page and writes the marker there too: 200 "grown\n"
;;   /scan           counts the non-zero bytes of its memory other than its data segments and
;;                   what this request itself has written so far (the path and its return
;;                   area): 200 "dirty=N pages=P\n". A fresh memory answers dirty=0 pages=2; so
;;                   must a reused one (the pooled-memory tests, test/adversarial/serve-pooled-*).
;; Memory: 0..511 return areas, 960..999 number formatting, 1024.. strings, 2048 the
;; counter, 4096.. the response text, 65536.. the bump heap for cabi_realloc.
(module
  (import "wasi:http/types@0.2.12" "[method]incoming-request.path-with-query" (func $req_path (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]incoming-request.consume" (func $req_consume (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[resource-drop]incoming-request" (func $drop_req (param i32)))
  (import "wasi:http/types@0.2.12" "[method]incoming-body.stream" (func $body_stream (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[resource-drop]incoming-body" (func $drop_in_body (param i32)))
  (import "wasi:io/streams@0.2.12" "[method]input-stream.blocking-read" (func $blocking_read (param i32 i64 i32)))
  (import "wasi:io/streams@0.2.12" "[resource-drop]input-stream" (func $drop_in (param i32)))
  (import "wasi:http/types@0.2.12" "[constructor]fields" (func $fields_new (result i32)))
  (import "wasi:http/types@0.2.12" "[constructor]outgoing-response" (func $resp_new (param i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-response.set-status-code" (func $set_status (param i32 i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-response.body" (func $resp_body (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-body.write" (func $body_write (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[static]outgoing-body.finish" (func $body_finish (param i32 i32 i32 i32)))
  ;; (param, result<own<outgoing-response>, error-code> flattened to eight slots)
  (import "wasi:http/types@0.2.12" "[static]response-outparam.set"
    (func $outparam_set (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.12" "[method]output-stream.blocking-write-and-flush" (func $write_flush (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.12" "[resource-drop]output-stream" (func $drop_out (param i32)))
  (import "wasi:http/types@0.2.12" "[constructor]outgoing-request" (func $oreq_new (param i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-request.set-scheme" (func $set_scheme (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-request.set-authority" (func $set_authority (param i32 i32 i32 i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-request.set-path-with-query" (func $set_path (param i32 i32 i32 i32) (result i32)))
  (import "wasi:http/outgoing-handler@0.2.12" "handle" (func $handle (param i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]future-incoming-response.subscribe" (func $fut_subscribe (param i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]future-incoming-response.get" (func $fut_get (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]incoming-response.status" (func $status (param i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[resource-drop]incoming-response" (func $drop_resp (param i32)))
  (import "wasi:http/types@0.2.12" "[resource-drop]future-incoming-response" (func $drop_fut (param i32)))
  (import "wasi:io/poll@0.2.12" "[method]pollable.block" (func $block (param i32)))
  (import "wasi:io/poll@0.2.12" "[resource-drop]pollable" (func $drop_poll (param i32)))

  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 65536))
  (global $out (mut i32) (i32.const 4096))

  (data (i32.const 1024) "/fetch/\00")
  (data (i32.const 1040) "/spin\00")
  (data (i32.const 1048) "/trap\00")
  (data (i32.const 1056) "/echo\00")
  (data (i32.const 1064) "count=\00")
  (data (i32.const 1072) "upstream \00")
  (data (i32.const 1088) "denied\0a\00")
  (data (i32.const 1096) "error \00")
  (data (i32.const 1104) "read \00")
  (data (i32.const 1112) "\0a\00")
  (data (i32.const 1116) "/\00")
  (data (i32.const 1120) "/hoard\00")
  (data (i32.const 1128) "/secret\00")
  (data (i32.const 1136) "/grow-secret\00")
  (data (i32.const 1152) "/scan\00")
  (data (i32.const 1160) "stored\0a\00")
  (data (i32.const 1168) "grown\0a\00")
  (data (i32.const 1176) "dirty=\00")
  (data (i32.const 1184) " pages=\00")

  (func $cabi_realloc (export "cabi_realloc")
    (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32) (local $end i32) (local $have i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $p) (local.get $size)))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then (if (i32.eq (i32.const -1)
                  (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end) (local.get $have)) (i32.const 16)) (i32.const 1))))
              (then unreachable))))
    (global.set $heap (local.get $end))
    (if (local.get $old) (then (memory.copy (local.get $p) (local.get $old) (local.get $old_size))))
    (local.get $p))

  (func $strlen (param $p i32) (result i32)
    (local $q i32)
    (local.set $q (local.get $p))
    (block $end (loop $l
      (br_if $end (i32.eqz (i32.load8_u (local.get $q))))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $l)))
    (i32.sub (local.get $q) (local.get $p)))

  ;; the path (p, n) starts with the nul-terminated string s
  (func $starts (param $p i32) (param $n i32) (param $s i32) (result i32)
    (local $m i32) (local $i i32)
    (local.set $m (call $strlen (local.get $s)))
    (if (i32.lt_u (local.get $n) (local.get $m)) (then (return (i32.const 0))))
    (block $no (loop $l
      (if (i32.ge_u (local.get $i) (local.get $m)) (then (return (i32.const 1))))
      (br_if $no (i32.ne (i32.load8_u (i32.add (local.get $p) (local.get $i)))
                         (i32.load8_u (i32.add (local.get $s) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (i32.const 0))

  (func $emit (param $s i32)
    (local $n i32)
    (local.set $n (call $strlen (local.get $s)))
    (memory.copy (global.get $out) (local.get $s) (local.get $n))
    (global.set $out (i32.add (global.get $out) (local.get $n))))

  (func $emit_u32 (param $v i32)
    (local $p i32)
    (local.set $p (i32.const 999))
    (i32.store8 (local.get $p) (i32.const 0))
    (loop $d
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $d (local.get $v)))
    (call $emit (local.get $p)))

  ;; Sends status and the text emitted so far as the response.
  (func $respond (param $outparam i32) (param $code i32)
    (local $resp i32) (local $body i32) (local $stream i32)
    (local.set $resp (call $resp_new (call $fields_new)))
    (drop (call $set_status (local.get $resp) (local.get $code)))
    (call $resp_body (local.get $resp) (i32.const 64))
    (local.set $body (i32.load (i32.const 68)))
    (call $outparam_set (local.get $outparam) (i32.const 0) (local.get $resp)
      (i32.const 0) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
    (call $body_write (local.get $body) (i32.const 64))
    (local.set $stream (i32.load (i32.const 68)))
    (call $write_flush (local.get $stream) (i32.const 4096) (i32.sub (global.get $out) (i32.const 4096)) (i32.const 64))
    (call $drop_out (local.get $stream))
    (call $body_finish (local.get $body) (i32.const 0) (i32.const 0) (i32.const 64)))

  ;; GET http://AUTHORITY/ ; returns the status, or -1 - error-code tag
  (func $fetch (param $auth i32) (param $len i32) (result i32)
    (local $req i32) (local $fut i32) (local $poll i32) (local $resp i32) (local $status i32)
    (local.set $req (call $oreq_new (call $fields_new)))
    (drop (call $set_scheme (local.get $req) (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0)))
    (drop (call $set_authority (local.get $req) (i32.const 1) (local.get $auth) (local.get $len)))
    (drop (call $set_path (local.get $req) (i32.const 1) (i32.const 1116) (i32.const 1)))
    (call $handle (local.get $req) (i32.const 0) (i32.const 0) (i32.const 128))
    (if (i32.load8_u (i32.const 128))
      (then (return (i32.sub (i32.const -1) (i32.load8_u (i32.const 136))))))
    (local.set $fut (i32.load (i32.const 136)))
    (local.set $poll (call $fut_subscribe (local.get $fut)))
    (call $block (local.get $poll))
    (call $drop_poll (local.get $poll))
    (call $fut_get (local.get $fut) (i32.const 128))
    (call $drop_fut (local.get $fut))
    (if (i32.eqz (i32.load8_u (i32.const 128))) (then unreachable))
    (if (i32.load8_u (i32.const 136)) (then unreachable))
    (if (i32.load8_u (i32.const 144))
      (then (return (i32.sub (i32.const -1) (i32.load8_u (i32.const 152))))))
    (local.set $resp (i32.load (i32.const 152)))
    (local.set $status (call $status (local.get $resp)))
    (call $drop_resp (local.get $resp))
    (local.get $status))

  ;; bytes in the request body
  (func $read_body (param $req i32) (result i32)
    (local $body i32) (local $stream i32) (local $total i32)
    (call $req_consume (local.get $req) (i32.const 64))
    (if (i32.load8_u (i32.const 64)) (then unreachable))
    (local.set $body (i32.load (i32.const 68)))
    (call $body_stream (local.get $body) (i32.const 64))
    (if (i32.load8_u (i32.const 64)) (then unreachable))
    (local.set $stream (i32.load (i32.const 68)))
    (block $done (loop $more
      (call $blocking_read (local.get $stream) (i64.const 65536) (i32.const 64))
      (br_if $done (i32.load8_u (i32.const 64)))
      (local.set $total (i32.add (local.get $total) (i32.load (i32.const 72))))
      (global.set $heap (i32.const 65536)) ;; the bytes are not kept
      (br $more)))
    (call $drop_in (local.get $stream))
    (call $drop_in_body (local.get $body))
    (local.get $total))

;; the marker at a (unaligned stores are fine)
  (func $mark (param $a i32)
    (i64.store (local.get $a) (i64.const 0x2121544552434553))) ;; "SECRET!!"

  (func $mark_all
    (call $mark (i32.const 512))
    (call $mark (i32.const 2056))
    (call $mark (i32.const 8192))
    (call $mark (i32.const 70000))
    (call $mark (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 8))))

  ;; non-zero bytes outside [skip_a, skip_a + len_a), [skip_b, skip_b + len_b) and the data segments [1024, 1192)
  (func $dirty (param $skip_a i32) (param $len_a i32) (param $skip_b i32) (param $len_b i32) (result i32)
    (local $i i32) (local $end i32) (local $n i32)
    (local.set $end (i32.shl (memory.size) (i32.const 16)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (if (i32.load8_u (local.get $i))
        (then
          (if (i32.eqz (i32.or (i32.or
                (i32.and (i32.ge_u (local.get $i) (local.get $skip_a)) (i32.lt_u (local.get $i) (i32.add (local.get $skip_a) (local.get $len_a))))
                (i32.and (i32.ge_u (local.get $i) (local.get $skip_b)) (i32.lt_u (local.get $i) (i32.add (local.get $skip_b) (local.get $len_b)))))
                (i32.and (i32.ge_u (local.get $i) (i32.const 1024)) (i32.lt_u (local.get $i) (i32.const 1192)))))
            (then (local.set $n (i32.add (local.get $n) (i32.const 1)))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $n))

  (func (export "wasi:http/incoming-handler@0.2.12#handle") (param $req i32) (param $outparam i32)
    (local $p i32) (local $n i32) (local $r i32)
    ;; The response text and the heap start afresh on every call: an instance that serves many
    ;; requests (jco serve's default, the benchmark's baseline) answers each with a body of
    ;; the same size. Only the counter at 2048 is meant to outlive a request.
    (global.set $out (i32.const 4096))
    (global.set $heap (i32.const 65536))
    (call $req_path (local.get $req) (i32.const 64))
    (if (i32.load8_u (i32.const 64))
      (then (local.set $p (i32.load (i32.const 68))) (local.set $n (i32.load (i32.const 72))))
      (else (local.set $p (i32.const 1116)) (local.set $n (i32.const 1))))
    (if (call $starts (local.get $p) (local.get $n) (i32.const 1040))
      (then (loop $forever (br $forever))))
    (if (call $starts (local.get $p) (local.get $n) (i32.const 1120))
      (then (loop $hoard (drop (call $fields_new)) (br $hoard))))
    (if (call $starts (local.get $p) (local.get $n) (i32.const 1048))
      (then unreachable))
    (if (call $starts (local.get $p) (local.get $n) (i32.const 1152))
      (then
        ;; before anything else is written: only the path (p, n) and its return area (64..75)
        (local.set $r (call $dirty (i32.const 64) (i32.const 12) (local.get $p) (local.get $n)))
        (call $drop_req (local.get $req))
        (call $emit (i32.const 1176)) (call $emit_u32 (local.get $r))
        (call $emit (i32.const 1184)) (call $emit_u32 (memory.size)) (call $emit (i32.const 1112))
        (call $respond (local.get $outparam) (i32.const 200))
        (return)))
    (if (call $starts (local.get $p) (local.get $n) (i32.const 1136))
      (then
        (drop (memory.grow (i32.const 1)))
        (call $mark_all)
        (call $drop_req (local.get $req))
        (call $emit (i32.const 1168))
        (call $respond (local.get $outparam) (i32.const 200))
        (return)))
    (if (call $starts (local.get $p) (local.get $n) (i32.const 1128))
      (then
        (call $mark_all)
        (call $drop_req (local.get $req))
        (call $emit (i32.const 1160))
        (call $respond (local.get $outparam) (i32.const 200))
        (return)))
    (if (call $starts (local.get $p) (local.get $n) (i32.const 1056))
      (then
        (local.set $r (call $read_body (local.get $req)))
        (call $drop_req (local.get $req))
        (call $emit (i32.const 1104)) (call $emit_u32 (local.get $r)) (call $emit (i32.const 1112))
        (call $respond (local.get $outparam) (i32.const 200))
        (return)))
    (if (call $starts (local.get $p) (local.get $n) (i32.const 1024))
      (then
        (local.set $r (call $fetch (i32.add (local.get $p) (i32.const 7)) (i32.sub (local.get $n) (i32.const 7))))
        (call $drop_req (local.get $req))
        (if (i32.ge_s (local.get $r) (i32.const 0))
          (then (call $emit (i32.const 1072)) (call $emit_u32 (local.get $r)) (call $emit (i32.const 1112))
                (call $respond (local.get $outparam) (i32.const 200)))
          (else
            (if (i32.eq (local.get $r) (i32.const -16)) ;; -1 - 15 (HTTP-request-denied)
              (then (call $emit (i32.const 1088)))
              (else (call $emit (i32.const 1096)) (call $emit_u32 (i32.sub (i32.const -1) (local.get $r))) (call $emit (i32.const 1112))))
            (call $respond (local.get $outparam) (i32.const 502))))
        (return)))
    (call $drop_req (local.get $req))
    (i32.store (i32.const 2048) (i32.add (i32.load (i32.const 2048)) (i32.const 1)))
    (call $emit (i32.const 1064)) (call $emit_u32 (i32.load (i32.const 2048))) (call $emit (i32.const 1112))
    (call $respond (local.get $outparam) (i32.const 200)))
)

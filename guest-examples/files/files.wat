;; files: copies in.txt to out.txt inside the first preopened directory and echoes
;; the content to stdout (needs fs.read and fs.write on that directory).
;; A denied open is an error code the guest handles: it names the code on stderr
;; and exits 1.
(module
  ;; @include imports-stdio.wat
  (import "wasi:filesystem/preopens@0.2.12" "get-directories" (func $get_dirs (param i32)))
  ;; open-at(self, path-flags, path ptr, path len, open-flags, descriptor-flags, retptr)
  (import "wasi:filesystem/types@0.2.12" "[method]descriptor.open-at"
    (func $open_at (param i32 i32 i32 i32 i32 i32 i32)))
  ;; read(self, length u64, offset u64, retptr) -> result<tuple<list<u8>, bool>, error-code>
  (import "wasi:filesystem/types@0.2.12" "[method]descriptor.read"
    (func $read (param i32 i64 i64 i32)))
  ;; write(self, ptr, len, offset u64, retptr) -> result<filesize, error-code>
  (import "wasi:filesystem/types@0.2.12" "[method]descriptor.write"
    (func $write (param i32 i32 i32 i64 i32)))
  (import "wasi:filesystem/types@0.2.12" "[resource-drop]descriptor" (func $drop_fd (param i32)))
  ;; @include runtime.wat
  (data (i32.const 1024) "in.txt\00")
  (data (i32.const 1032) "out.txt\00")
  (data (i32.const 1040) "files: no preopened directory\n\00")
  (data (i32.const 1080) "files: cannot open in.txt: \00")
  (data (i32.const 1112) "files: cannot open out.txt for writing: \00")
  (data (i32.const 1160) "files: read failed: \00")
  (data (i32.const 1184) "files: write failed: \00")
  (data (i32.const 1208) "files: copied \00")
  (data (i32.const 1224) " bytes from in.txt to out.txt\n\00")
  (data (i32.const 1256) "\n\00")
  (data (i32.const 1264) "access\00")
  (data (i32.const 1272) "exist\00")
  (data (i32.const 1280) "no-entry\00")
  (data (i32.const 1292) "not-permitted\00")
  (data (i32.const 1308) "read-only\00")
  (data (i32.const 1320) "is-directory\00")
  (data (i32.const 1336) "error-code \00")

  ;; stderr: the wasi:filesystem error-code's name (the ones a denial or a
  ;; missing file gives; others by number), then a newline
  (func $eputs_code (param $c i32)
    (block $named
      (if (i32.eq (local.get $c) (i32.const 0)) (then (call $eputs (i32.const 1264)) (br $named)))
      (if (i32.eq (local.get $c) (i32.const 7)) (then (call $eputs (i32.const 1272)) (br $named)))
      (if (i32.eq (local.get $c) (i32.const 14)) (then (call $eputs (i32.const 1320)) (br $named)))
      (if (i32.eq (local.get $c) (i32.const 20)) (then (call $eputs (i32.const 1280)) (br $named)))
      (if (i32.eq (local.get $c) (i32.const 31)) (then (call $eputs (i32.const 1292)) (br $named)))
      (if (i32.eq (local.get $c) (i32.const 33)) (then (call $eputs (i32.const 1308)) (br $named)))
      (call $eputs (i32.const 1336))
      (call $eprint_u64 (i64.extend_i32_u (local.get $c))))
    (call $eputs (i32.const 1256)))

  (func (export "wasi:cli/run@0.2.12#run") (result i32)
    (local $dir i32) (local $in i32) (local $out i32) (local $data i32) (local $len i32)
    ;; list<tuple<descriptor, string>>: (ptr, len); entries of 12 bytes
    (call $get_dirs (i32.const 64))
    (if (i32.eqz (i32.load (i32.const 68)))
      (then (call $eputs (i32.const 1040)) (return (i32.const 1))))
    (local.set $dir (i32.load (i32.load (i32.const 64))))

    ;; open in.txt: path-flags symlink-follow (1), no open-flags, descriptor-flags read (1)
    (call $open_at (local.get $dir) (i32.const 1) (i32.const 1024) (i32.const 6)
                   (i32.const 0) (i32.const 1) (i32.const 64))
    (if (i32.load8_u (i32.const 64))
      (then (call $eputs (i32.const 1080)) (call $eputs_code (i32.load8_u (i32.const 68)))
            (return (i32.const 1))))
    (local.set $in (i32.load (i32.const 68)))

    ;; one read of up to 1 MiB is plenty for an example
    (call $read (local.get $in) (i64.const 1048576) (i64.const 0) (i32.const 64))
    (if (i32.load8_u (i32.const 64))
      (then (call $eputs (i32.const 1160)) (call $eputs_code (i32.load8_u (i32.const 68)))
            (return (i32.const 1))))
    (local.set $data (i32.load (i32.const 68)))
    (local.set $len (i32.load (i32.const 72)))
    (call $drop_fd (local.get $in))
    (call $print (local.get $data) (local.get $len))

    ;; open out.txt: open-flags create|truncate (1|8), descriptor-flags write (2)
    (call $open_at (local.get $dir) (i32.const 0) (i32.const 1032) (i32.const 7)
                   (i32.const 9) (i32.const 2) (i32.const 64))
    (if (i32.load8_u (i32.const 64))
      (then (call $eputs (i32.const 1112)) (call $eputs_code (i32.load8_u (i32.const 68)))
            (return (i32.const 1))))
    (local.set $out (i32.load (i32.const 68)))

    ;; result<filesize, error-code>: tag at 0, payload at 8 (u64 alignment)
    (call $write (local.get $out) (local.get $data) (local.get $len) (i64.const 0) (i32.const 64))
    (if (i32.load8_u (i32.const 64))
      (then (call $eputs (i32.const 1184)) (call $eputs_code (i32.load8_u (i32.const 72)))
            (return (i32.const 1))))
    (call $drop_fd (local.get $out))
    (call $puts (i32.const 1208))
    (call $print_u64 (i64.load (i32.const 72)))
    (call $puts (i32.const 1224))
    (i32.const 0)))

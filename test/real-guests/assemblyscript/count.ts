// count: an AssemblyScript WASI command (compiled with `asc` and @assemblyscript/wasi-shim by
// test/real-guests/programs.test.ts). Counts the lines and bytes of a file inside the first
// preopened directory, labelled with $COUNT_LABEL (the file name when it is unset):
//
//   count FILE      ->  "LABEL: N lines, M bytes"; exit 0
//
// Failures are reported the way a C tool would: "count: ..." on stderr, exit 2 when there is
// no preopened directory, exit 1 when the file cannot be opened or read (with the errno).
import {
  fd_close, fd_prestat_get, fd_read, path_open, errno, prestat, rights,
} from "@assemblyscript/wasi-shim/assembly/bindings/wasi_snapshot_preview1";

const scratch = memory.data(64);

function fail(message: string, code: i32): void {
  process.stderr.write("count: " + message + "\n");
  process.exit(code);
}

export function main(): void {
  const argv = process.argv;
  if (argv.length < 2) {
    fail("usage: count FILE", 64);
    return;
  }
  const path = argv[1];
  // fd 3 is the first preopen; none is listed when no directory was granted.
  const pre = fd_prestat_get(3, changetype<prestat>(scratch));
  if (pre != errno.SUCCESS) {
    fail("no preopened directory (errno " + pre.toString() + ")", 2);
    return;
  }
  const name = String.UTF8.encode(path);
  const opened = path_open(3, 0, changetype<usize>(name), name.byteLength, 0, rights.FD_READ, 0, 0, scratch);
  if (opened != errno.SUCCESS) {
    fail("cannot open " + path + " (errno " + opened.toString() + ")", 1);
    return;
  }
  const fd = load<u32>(scratch);
  const chunk = new ArrayBuffer(4096);
  let bytes: u64 = 0;
  let lines: u64 = 0;
  for (;;) {
    store<usize>(scratch + 8, changetype<usize>(chunk));
    store<usize>(scratch + 12, 4096);
    const r = fd_read(fd, scratch + 8, 1, scratch + 16);
    if (r != errno.SUCCESS) {
      fail("cannot read " + path + " (errno " + r.toString() + ")", 1);
      return;
    }
    const n = load<u32>(scratch + 16);
    if (n == 0) break;
    bytes += n;
    for (let i: u32 = 0; i < n; i++) if (load<u8>(changetype<usize>(chunk) + i) == 10) lines++;
  }
  fd_close(fd);
  const env = process.env;
  const label = env.has("COUNT_LABEL") ? env.get("COUNT_LABEL") : path;
  console.log(label + ": " + lines.toString() + " lines, " + bytes.toString() + " bytes");
}

main();

/**
 * The guest's stdout and stderr for `molt-wasm run`: written to fd 1 and 2 directly, without
 * creating `process.stdout` / `process.stderr`. For a pipe those are `net.Socket`s (for a
 * terminal `tty.WriteStream`s): creating one loads the net or tty stack and the stream
 * modules, which node:wasi (uvwasi writes the descriptor) never does; it was the largest
 * cost left in a preview1 hello's start after compiling the CLI (docs/benchmarks.md,
 * start-up).
 *
 * The same bytes in the same order as before: on Linux every stdio stream of Node writes
 * synchronously (files, pipes and terminals), so a direct write and the host's own lines on
 * `process.stderr` cannot overtake each other. Elsewhere pipes and terminals may be
 * asynchronous, so there the streams are used as before. On any error (EAGAIN from a
 * descriptor someone made non-blocking, EPIPE from a reader that went away) the rest of that
 * write and every later one go through the stream, which handles both as it always did
 * (queueing; bin/molt-wasm.js ends quietly on EPIPE).
 */
import { writeSync } from 'node:fs';

export function stdioWriter(
  fd: number,
  stream: () => NodeJS.WritableStream,
  direct: boolean = process.platform === 'linux',
): (bytes: Uint8Array) => void {
  let useFd = direct;
  return (bytes) => {
    let off = 0;
    if (useFd) {
      try {
        // writeSync may write less than asked (a pipe): loop until every byte is out.
        while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
        return;
      } catch {
        useFd = false;
      }
    }
    stream().write(off === 0 ? bytes : bytes.subarray(off));
  };
}

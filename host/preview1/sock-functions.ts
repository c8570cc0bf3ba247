/**
 * sock_*: preview1 sockets only exist as descriptors handed in by the host, and molt-wasm
 * hands in none, so (as in Wasmtime) a valid fd is ENOTSOCK and an unknown one EBADF.
 * Network access for guests goes through WASI 0.2 sockets, gated by `net`.
 */
import { Errno } from './constants.js';
import type { Preview1Context, Preview1Functions } from './context.js';

export function sockFunctions(ctx: Preview1Context): Preview1Functions {
  const notSocket = (fd: number) => {
    ctx.fds.get(fd);
    return Errno.notsock;
  };
  return {
    sock_accept: (fd: number, _flags: number, _out: number) => notSocket(fd),
    sock_recv: (fd: number, _iovs: number, _n: number, _flags: number, _outLen: number, _outFlags: number) => notSocket(fd),
    sock_send: (fd: number, _iovs: number, _n: number, _flags: number, _out: number) => notSocket(fd),
    sock_shutdown: (fd: number, _how: number) => notSocket(fd),
  };
}

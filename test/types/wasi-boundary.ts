// Type-level test of the typed WASI boundary (host/gate/wasi.ts): compiled by `npm run build`,
// never run. If a line here stops compiling (or an `@ts-expect-error` line starts compiling),
// the build fails. What it pins down: the gate's import object IS the shim-typed WASI 0.2
// import object, and an implementation missing one WIT method is not accepted in it.
import type { createGatedWasi } from '../../host/gate/index.js';
import type { createGatedSockets } from '../../host/gate/sockets.js';
import type { createGatedHttp } from '../../host/gate/http.js';
import type { GatedFilesystem } from '../../host/gate/fs/filesystem.js';
import type { Descriptor02, WasiImportObject as Preview1Wasi } from '../../host/preview1/wasi02.js';
import type { TcpSocket, WasiDescriptor, WasiImports, OutputStream } from '../../host/gate/wasi.js';

/** True only when A and B are the same type. */
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
function holds<T extends true>(): T | undefined {
  return undefined;
}

// The whole import object, every WASI 0.2 interface the shim types plus molt:capabilities.
holds<Exact<ReturnType<typeof createGatedWasi>, WasiImports>>();
// preview1 is built on that same object and those same WIT types (no copy of its own).
holds<Exact<Preview1Wasi, WasiImports>>();
holds<Exact<Omit<Descriptor02, 'readInto'>, Omit<WasiDescriptor, 'readInto'>>>();
// Each gate module builds exactly its interfaces, typed as the shim types them.
holds<Exact<keyof ReturnType<typeof createGatedSockets>, Extract<keyof WasiImports, `wasi:sockets/${string}`>>>();
holds<Exact<keyof ReturnType<typeof createGatedHttp>, 'wasi:http/types' | 'wasi:http/outgoing-handler'>>();
holds<Exact<keyof GatedFilesystem['imports'], 'wasi:filesystem/types' | 'wasi:filesystem/preopens'>>();

// A resource class missing one method of its WIT resource is refused.
declare const TcpWithoutKeepAliveCount: abstract new () => Omit<TcpSocket, 'keepAliveCount'>;
declare const tcp: WasiImports['wasi:sockets/tcp'];
// @ts-expect-error: TcpSocket#keep-alive-count is missing
export const missingMethod: WasiImports['wasi:sockets/tcp'] = { ...tcp, TcpSocket: TcpWithoutKeepAliveCount };
// A function missing from an interface is refused too.
declare const stdout: WasiImports['wasi:cli/stdout'];
// @ts-expect-error: wasi:cli/stdout#get-stdout is missing
export const missingFunction: WasiImports['wasi:cli/stdout'] = { ...stdout, getStdout: undefined };
// A function returning a lookalike that lacks a method is refused.
export const lookalike: WasiImports['wasi:cli/stdout'] = {
  // @ts-expect-error: the stream returned lacks every method but blocking-write-and-flush
  getStdout: (): Pick<OutputStream, 'blockingWriteAndFlush'> => ({ blockingWriteAndFlush() {} }),
};

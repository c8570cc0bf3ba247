/**
 * Support for the host-memory adversarial tests (Wasmtime GHSA-852m-cvvp-9p4w and
 * GHSA-243v-98vx-264h: guest-controlled host resource exhaustion). Two ways in:
 *
 * - `gatedStreams`: the real gated WASI 0.2 object (createGatedWasi over the Node platform)
 *   with console.write granted and stdout going to a sink that records every piece it gets;
 * - `preview1Over`: the preview1 layer over a fake WASI 0.2 object that records every length
 *   the layer asks of it (stdout writes, file reads and writes, random bytes), with a guest
 *   memory of exactly 1 MiB bound, so a test calls preview1 functions with hostile arguments
 *   and sees what the host would have had to allocate.
 */
import { createGatedWasi } from '../../host/gate/index.js';
import { nodePlatform } from '../../host/node/platform.js';
import { PolicyEngine } from '../../host/policy/index.js';
import { createPreview1Imports, type Preview1ImportFunction } from '../../host/preview1/index.js';
import { double, type WasiInterface } from '../support/test-double.js';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** What a sink or fake saw: the length of every piece, in order. */
export class Pieces {
  readonly lengths: number[] = [];
  add(n: number): void {
    this.lengths.push(n);
  }
  get total(): number {
    return this.lengths.reduce((a, b) => a + b, 0);
  }
  get largest(): number {
    return this.lengths.reduce((a, b) => Math.max(a, b), 0);
  }
}

/** The gated wasi:cli/stdout stream and wasi:random interfaces, console.write granted. */
export function gatedStreams(stdin?: Uint8Array): {
  stdout: WasiInterface;
  stdin: WasiInterface;
  random: WasiInterface;
  insecure: WasiInterface;
  written: Pieces;
} {
  const engine = new PolicyEngine();
  const subject = engine.createSubject({ version: 1, allow: { 'console.write': true }, deny: {} });
  const written = new Pieces();
  const wasi = createGatedWasi({
    engine,
    subject,
    platform: nodePlatform,
    io: { stdout: (b) => written.add(b.length), ...(stdin ? { stdin } : {}) },
  });
  return {
    stdout: wasi['wasi:cli/stdout']!.getStdout(),
    stdin: wasi['wasi:cli/stdin']!.getStdin(),
    random: wasi['wasi:random/random']!,
    insecure: wasi['wasi:random/insecure']!,
    written,
  };
}

/** The lengths the preview1 layer asked of the fake 0.2 layer. */
export interface Asked {
  readonly stdoutWrites: Pieces;
  readonly fileReads: Pieces;
  readonly fileWrites: Pieces;
  readonly randomBytes: Pieces;
}

/**
 * The preview1 functions over a fake 0.2 layer: fd 3 is a preopen whose every file is
 * `fileSize` bytes of 'a' (reads return what is left from the offset); memory is 1 MiB.
 */
export function preview1Over(fileSize = 4 * MiB): {
  p1: Record<string, Preview1ImportFunction>;
  memory: WebAssembly.Memory;
  asked: Asked;
} {
  const asked: Asked = { stdoutWrites: new Pieces(), fileReads: new Pieces(), fileWrites: new Pieces(), randomBytes: new Pieces() };
  const file = {
    read(len: bigint, offset: bigint): [Uint8Array, boolean] {
      asked.fileReads.add(Number(len));
      const n = Math.max(0, Math.min(Number(len), fileSize - Number(offset)));
      return [new Uint8Array(n).fill(0x61), n === 0];
    },
    write(buf: Uint8Array): bigint {
      asked.fileWrites.add(buf.length);
      return BigInt(buf.length);
    },
    getFlags: () => ({ read: true, write: true }),
    getType: () => 'regular-file',
    stat: () => ({ type: 'regular-file', linkCount: 1n, size: BigInt(fileSize) }),
  };
  const dir = { openAt: () => file, getFlags: () => ({ read: true, write: true, mutateDirectory: true }) };
  const stdout = { blockingWriteAndFlush: (b: Uint8Array) => asked.stdoutWrites.add(b.length) };
  const randomBytes = (len: bigint) => {
    asked.randomBytes.add(Number(len));
    return new Uint8Array(Number(len));
  };
  const wasi = {
    'wasi:cli/stdout': { getStdout: () => stdout },
    'wasi:filesystem/preopens': { getDirectories: () => [[dir, '/data']] },
    'wasi:random/random': { getRandomBytes: randomBytes },
  };
  const imports = createPreview1Imports(double<Parameters<typeof createPreview1Imports>[0]>(wasi));
  const memory = new WebAssembly.Memory({ initial: 16, maximum: 16 });
  imports.bindMemory(memory);
  return { p1: imports.imports.wasi_snapshot_preview1, memory, asked };
}

/** Writes `count` iovecs {buf 0, len 1 MiB} at `at`: all overlapping the whole 1 MiB memory. */
export function overlappingIovecs(memory: WebAssembly.Memory, at: number, count: number): void {
  const view = new DataView(memory.buffer);
  for (let i = 0; i < count; i++) {
    view.setUint32(at + i * 8, 0, true);
    view.setUint32(at + i * 8 + 4, MiB, true);
  }
}

/** Calls a preview1 function by name with numeric/bigint arguments. */
export function call(p1: Record<string, Preview1ImportFunction>, name: string, ...args: (number | bigint)[]): number | void {
  return (p1[name] as unknown as (...a: (number | bigint)[]) => number | void)(...args);
}

/**
 * Suite 1: the per-call cost of a gated import against the same call through preview2-shim's
 * ungated import object, measured from inside a guest. One WAT component (bench-guest.wat)
 * exports three loops; it is transpiled once (the same jco-transpile output) and instantiated
 * twice: once with molt-wasm's gated import object, once with
 * `new WASIShim({ sandbox }).getImportObject()` whose stdout is replaced by a sink stream
 * (the shim's own stdout writes to fd 1 through its I/O worker, which is not what the gated
 * side does). Rounds alternate gated/ungated; each sample is ns per call of one export call
 * of N iterations.
 */
import { createHash } from 'node:crypto';
import { coreToComponent, expandWatIncludes, watToCore } from '../lib/componentize.js';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import * as shim from '@bytecodealliance/preview2-shim';
import { createGatedWasi } from '../../host/gate/index.js';
import type { WasiImportObject } from '../../host/gate/types.js';
import { loadGuest } from '../../host/node/load.js';
import { nodePlatform } from '../../host/node/platform.js';
import { planPreopens } from '../../host/gate/preopens.js';
import { normalizeManifest, PolicyEngine } from '../../host/policy/index.js';
import { BENCH_SRC, ROOT } from './paths.js';
import { alternate, now, pair, type Pair } from './stats.js';

const WAT_COMMON = join(ROOT, 'guest-examples', 'wat-common');
const WIT = join(ROOT, 'wit');
/** molt-wasm's benchmark guest: the guest world plus three exported loops. */
const BENCH_WORLD = `world bench {
    include molt:capabilities/guest@0.1.0;
    export clock-now: func(n: u32) -> u64;
    export read-file: func(n: u32) -> u32;
    export write-stdout: func(n: u32) -> u32;
}
`;

interface BenchExports {
  clockNow(n: number): bigint;
  readFile(n: number): number;
  writeStdout(n: number): number;
}

export interface GuestCallResult {
  readonly op: string;
  readonly iterations: number;
  /** a = gated ns/call, b = ungated ns/call, ratio = gated / ungated */
  readonly result: Pair;
}

/** WAT -> core (wabt) -> component (wasm-tools componentEmbed + componentNew), cached by input hash. */
async function buildComponent(workDir: string): Promise<Uint8Array> {
  const raw = readFileSync(join(BENCH_SRC, 'bench-guest.wat'), 'utf8');
  const text = expandWatIncludes(raw, WAT_COMMON, 'bench-guest.wat');
  const h = createHash('sha256').update(text).update(BENCH_WORLD);
  for (const f of ['worlds.wit', 'molt-capabilities.wit']) h.update(readFileSync(join(WIT, f)));
  const key = h.digest('hex').slice(0, 16);
  const out = join(workDir, `bench-guest-${key}.wasm`);
  if (existsSync(out)) return new Uint8Array(readFileSync(out));

  const component = await coreToComponent(await watToCore(text, 'bench-guest.wat'), BENCH_WORLD);
  writeFileSync(out, component);
  return component;
}

/** An output stream that hands each write to a sink without any check (the ungated side). */
function sinkStdout(sink: (b: Uint8Array) => void): { getStdout(): object } {
  const Base = (shim as unknown as { io: { streams: { OutputStream: new () => object } } }).io.streams.OutputStream;
  class SinkStream extends Base {
    checkWrite(): bigint {
      return 1n << 20n;
    }
    write(buf: Uint8Array): void {
      sink(buf);
    }
    blockingWriteAndFlush(buf: Uint8Array): void {
      sink(buf);
    }
    flush(): void {}
    blockingFlush(): void {}
    [Symbol.dispose](): void {}
  }
  return { getStdout: () => new SinkStream() };
}

export async function benchGuestCalls(opts: { quick: boolean; log: (s: string) => void }): Promise<GuestCallResult[]> {
  const work = join(tmpdir(), 'molt-wasm-bench');
  const dataDir = join(work, 'data');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'small.txt'), 'a small file for the molt-wasm read benchmark\n'.repeat(4));
  const bytes = await buildComponent(work);

  let sunk = 0;
  const sink = (b: Uint8Array): void => {
    sunk += b.length;
  };

  // gated: one subject with time, console.write and fs.read on /bench
  const engine = new PolicyEngine();
  const manifest = normalizeManifest({
    version: 1,
    allow: { time: true, 'console.write': true, 'fs.read': ['/bench'] },
    deny: {},
  });
  const subject = engine.createSubject(manifest, 'bench');
  const gatedImports = createGatedWasi({
    engine,
    subject,
    platform: nodePlatform,
    preopens: planPreopens(manifest, { '/bench': dataDir }),
    io: { stdout: sink, stderr: sink },
  });
  // The ungated baseline: the shim's own import object, typed by the shim (it has no
  // molt:capabilities and its resource classes are the shim's), not by the gate's boundary.
  const ungatedImports = {
    ...new WASIShim({ sandbox: { preopens: { '/bench': dataDir }, env: {}, args: [] } }).getImportObject(),
    'wasi:cli/stdout': sinkStdout(sink),
  } as unknown as WasiImportObject;

  // the same transpiled output for both (cache under the bench work dir)
  const loaded = await loadGuest(bytes, new Set(Object.keys(gatedImports)), join(work, 'cache'));
  if (loaded.kind !== 'component') throw new Error('bench guest is not a component');
  const gated = (await loaded.instantiate(gatedImports)) as unknown as BenchExports;
  const ungated = (await loaded.instantiate(ungatedImports)) as unknown as BenchExports;

  const rounds = opts.quick ? 5 : 15;
  const ops: Array<{ op: string; n: number; call: (e: BenchExports, n: number) => unknown }> = [
    { op: 'monotonic-clock.now', n: opts.quick ? 10_000 : 50_000, call: (e, n) => e.clockNow(n) },
    {
      op: 'open-at + read 184 B + drop',
      n: opts.quick ? 200 : 1_000,
      call: (e, n) => {
        if (e.readFile(n) !== 0) throw new Error('read-file failed');
      },
    },
    {
      op: 'stdout blocking-write-and-flush 33 B',
      n: opts.quick ? 5_000 : 30_000,
      call: (e, n) => {
        if (e.writeStdout(n) !== 0) throw new Error('write-stdout failed');
      },
    },
  ];
  const results: GuestCallResult[] = [];
  for (const { op, n, call } of ops) {
    const sample = (e: BenchExports) => (): number => {
      const t0 = now();
      call(e, n);
      return ((now() - t0) * 1e6) / n;
    };
    // warm-up: both sides tier up before anything is recorded
    for (let i = 0; i < 3; i++) {
      sample(gated)();
      sample(ungated)();
    }
    const r = pair(await alternate(rounds, sample(gated), sample(ungated)));
    opts.log(`  ${op}: gated ${r.a.toFixed(1)} ns, ungated ${r.b.toFixed(1)} ns, ratio ${r.ratio.toFixed(3)}`);
    results.push({ op, iterations: n, result: r });
  }
  if (sunk === 0) throw new Error('stdout sink received nothing');
  engine.dropSubject(subject);
  return results;
}

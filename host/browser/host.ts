/**
 * The browser host: runs components (WASI 0.2) and preview1 core modules under a per-guest
 * policy, on the page's thread, with the same gate (host/gate) and preview1 layer
 * (host/preview1) as the Node host; only the platform differs (platform.ts). Each guest is its
 * own subject with its own preopens, environment, console and exit.
 *
 *   const host = createHost({ files: { '/data/a.txt': 'hello' } });
 *   const r = await host.run(bytes, { manifest, console: (text) => show(text), audit: log });
 */
import type { OutputSink } from '../gate/types.js';
import { sha256Hex } from '../manifest/hash.js';
import { PolicyEngine } from '../policy/index.js';
import type { RunResult } from '../run/outcome.js';
import { prepareGatedRun, type GatedGuestOptions, type PreparedRun } from '../run/prepare.js';
import { loadGuest, readGuestBytes } from './load.js';
import { MemoryFs, type SeedFiles } from './memory-fs.js';
import { createBrowserPlatform, hasJspi } from './platform.js';
import type { TranspiledComponent, Transpiler } from './transpile.js';

export type GuestSource = Uint8Array | ArrayBuffer | string | URL;

export interface HostOptions {
  /** The engine holding every guest's subject. Default: a new PolicyEngine. */
  readonly engine?: PolicyEngine;
  /** The filesystem guests share unless a guest brings its own. Default: empty. */
  readonly files?: MemoryFs | SeedFiles;
  /** Component -> JS. Default: jco's transpiler, loaded on first use (see transpile.ts). */
  readonly transpile?: Transpiler;
  /**
   * Transpile with JSPI bindings so blocking calls answered by Promises (HTTP, sleeps) wait.
   * `'auto'`: when the engine has JSPI. Default false (see the README's browser section).
   */
  readonly jspi?: boolean | 'auto';
}

/**
 * Per guest: the options both hosts take (host/run/prepare.ts, guest-io.ts), and the
 * browser's own. `dirs` maps into the in-memory tree; stdin is given whole.
 */
export interface GuestOptions extends Omit<GatedGuestOptions, 'stdin'> {
  /** This guest's filesystem (instead of the host's). */
  readonly files?: MemoryFs | SeedFiles;
  /** Decoded console text, as it is written (a convenience over stdout/stderr). */
  readonly console?: (text: string, stream: 'stdout' | 'stderr') => void;
  /** The guest's whole stdin. Default: empty. */
  readonly stdin?: Uint8Array | string;
  /** Build-time transpiled output for this component (skips the in-browser transpiler). */
  readonly transpiled?: TranspiledComponent;
}

/** How a guest ended (host/run/outcome.ts), shared with the Node host. */
export type { RunResult } from '../run/outcome.js';

/** A guest loaded and given a subject, not yet started (host/run/prepare.ts). */
export type PreparedGuest = PreparedRun & {
  /** The filesystem this guest sees (inspect it after the run). */
  readonly fs: MemoryFs;
};

export interface Host {
  readonly engine: PolicyEngine;
  /** The host's shared in-memory filesystem. */
  readonly fs: MemoryFs;
  prepare(source: GuestSource, options?: GuestOptions): Promise<PreparedGuest>;
  run(source: GuestSource, options?: GuestOptions): Promise<RunResult>;
}

function toFs(files: MemoryFs | SeedFiles | undefined): MemoryFs {
  return files instanceof MemoryFs ? files : new MemoryFs(files ?? {});
}

/** Output as text, decoded per stream so a UTF-8 sequence split across writes survives. */
function textSink(cb: GuestOptions['console'], stream: 'stdout' | 'stderr'): OutputSink | undefined {
  if (cb === undefined) return undefined;
  const decoder = new TextDecoder();
  return (bytes) => cb(decoder.decode(bytes, { stream: true }), stream);
}

export function createHost(options: HostOptions = {}): Host {
  const engine = options.engine ?? new PolicyEngine();
  const hostFs = toFs(options.files);
  const jspi = options.jspi === 'auto' ? hasJspi() : options.jspi === true;
  // Transpiled output by component hash: the demo reruns the same bytes with new grants.
  const cache = new Map<string, Promise<TranspiledComponent>>();
  const transpile: Transpiler = (bytes) => {
    const key = sha256Hex(bytes);
    let t = cache.get(key);
    if (t === undefined) {
      t = options.transpile ? options.transpile(bytes) : import('./transpile.js').then((m) => m.transpileComponent(bytes, { jspi }));
      t.catch(() => cache.delete(key));
      cache.set(key, t);
    }
    return t;
  };

  async function prepare(source: GuestSource, guest: GuestOptions = {}): Promise<PreparedGuest> {
    const bytes = await readGuestBytes(source);
    let fs = hostFs;
    const prepared = await prepareGatedRun({
      engine,
      bytes,
      source,
      guest: {
        ...guest,
        stdout: guest.stdout ?? textSink(guest.console, 'stdout'),
        stderr: guest.stderr ?? textSink(guest.console, 'stderr'),
      },
      platform: () => {
        if (guest.files !== undefined) fs = toFs(guest.files);
        return createBrowserPlatform(fs);
      },
      load: (supplied) => loadGuest(bytes, supplied, transpile, guest.transpiled),
    });
    return { ...prepared, fs };
  }

  return {
    engine,
    fs: hostFs,
    prepare,
    async run(source, guest) {
      return (await prepare(source, guest)).start();
    },
  };
}

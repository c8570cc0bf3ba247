/**
 * The Node host: runs components (WASI 0.2) and preview1 core modules under a per-guest
 * policy, in this thread. Each guest is its own subject with its own preopens, environment,
 * stdio and exit; a guest that exits, traps or is denied leaves the host able to run the next.
 */
import { UsageError } from '../errors.js';
import type { WasiPlatform } from '../gate/types.js';
import { readProvenance } from '../manifest/provenance.js';
import { emptyManifest, PolicyEngine, type CanonicalManifest } from '../policy/index.js';
import type { RunResult as SettledRunResult, SettledOutcome } from '../run/outcome.js';
import { prepareGatedRun, type GatedGuestOptions, type PreparedRun } from '../run/prepare.js';
import { readBinaryKind } from '../manifest/wasm/sections.js';
import { defaultCacheDir } from './cache-dir.js';
import { denyCodeWrites, ownCodeRoots, refuseWritableCode } from './code-guard.js';
import { coreModuleNeedsPolling, nodeCorePlatform } from './core-platform.js';
import { loadGuest, readGuestBytes } from './load.js';
import { runInWorker } from './worker-runner.js';

export interface HostOptions {
  /** The engine holding every guest's subject. Default: a new PolicyEngine. */
  readonly engine?: PolicyEngine;
  /** Transpile cache root. Default: see defaultCacheDir() (MOLT_WASM_CACHE_DIR, XDG, ~/.cache). */
  readonly cacheDir?: string;
  /**
   * The ungated WASI implementations. Default, per guest: preview2-shim's (nodePlatform,
   * imported on first use) for components and core modules that import `poll_oneoff`;
   * nodeCorePlatform (no shim, no worker thread) for other core modules.
   */
  readonly platform?: WasiPlatform;
}

/** Per guest: the options both hosts take (host/run/prepare.ts, guest-io.ts), and Node's own. */
export interface GuestOptions extends Omit<GatedGuestOptions, 'manifest'> {
  /**
   * The policy. `'embedded'`: the binary's own embedded manifest, verified (what
   * `molt-wasm run` grants with no flags): nothing when the binary has none, and a binary
   * whose sections do not verify is refused with ProvenanceError. Default: nothing granted.
   */
  readonly manifest?: CanonicalManifest | 'embedded' | undefined;
  /** Overrides the host's cache directory for this guest. */
  readonly cacheDir?: string;
  /**
   * Stop the guest after this many milliseconds (outcome `timeout`, exit 124). The guest then
   * runs in a worker_thread with its own engine (worker-runner.ts): only `run` takes it.
   */
  readonly timeoutMs?: number;
  /** Cap every linear memory at this many bytes (limits.ts): growth past it fails in the guest. */
  readonly maxMemoryBytes?: number;
}

/** How a guest ended (host/run/outcome.ts), or `timeout` (exit 124) when `timeoutMs` ran out. */
export type RunResult = SettledRunResult<SettledOutcome | 'timeout'>;

/**
 * A guest loaded and given a subject, not yet started: revoke or grant on `subject` any time.
 * Its `start()` never ends in `timeout` (prepare refuses `timeoutMs`).
 */
export type PreparedGuest = PreparedRun;

export interface Host {
  readonly engine: PolicyEngine;
  prepare(bytesOrPath: Uint8Array | string, options?: GuestOptions): Promise<PreparedGuest>;
  /** prepare + start. Throws MoltError for bad input; a guest's own failure is a RunResult. */
  run(bytesOrPath: Uint8Array | string, options?: GuestOptions): Promise<RunResult>;
}

export function createHost(options: HostOptions = {}): Host {
  const engine = options.engine ?? new PolicyEngine();

  async function prepare(bytesOrPath: Uint8Array | string, guest: GuestOptions = {}): Promise<PreparedGuest> {
    if (guest.timeoutMs !== undefined) {
      throw new UsageError('timeoutMs runs the guest in a worker: use host.run (or runInWorker), not prepare');
    }
    const bytes = await readGuestBytes(bytesOrPath);
    const platform = options.platform ?? (await defaultPlatform(bytes));
    return prepareGatedRun({
      engine,
      bytes,
      source: bytesOrPath,
      guest: withCodeGuarded(withManifestResolved(bytes, guest), codeRoots(guest)),
      platform: () => platform,
      load: (supplied) =>
        loadGuest(
          bytes,
          supplied,
          guest.cacheDir ?? options.cacheDir,
          guest.maxMemoryBytes !== undefined ? { maxMemoryBytes: guest.maxMemoryBytes } : {},
        ),
    });
  }

  /** Where the host loads code from: the cache roots (this guest's, and the default one the CLI uses) and molt-wasm's own files. */
  function codeRoots(guest: GuestOptions): string[] {
    const cacheDir = guest.cacheDir ?? options.cacheDir;
    return [defaultCacheDir(), ...(cacheDir !== undefined ? [cacheDir] : []), ...ownCodeRoots()];
  }

  return {
    engine,
    prepare,
    async run(bytesOrPath, guest) {
      // A timeout needs a thread that can be stopped from outside: the guest's own worker.
      if (guest?.timeoutMs !== undefined) {
        // Refused here, in the caller's thread, with its own error class (the worker checks again).
        if (guest.manifest !== undefined && guest.manifest !== 'embedded')
          refuseWritableCode(guest.manifest, guest.dirs ?? {}, codeRoots(guest));
        const cacheDir = guest.cacheDir ?? options.cacheDir;
        return runInWorker(bytesOrPath, { ...guest, ...(cacheDir !== undefined ? { cacheDir } : {}) });
      }
      return (await prepare(bytesOrPath, guest)).start();
    },
  };
}

/**
 * The platform a guest can use: preview2-shim's only when the guest could reach what needs
 * it (a component; a core module that waits), because importing the shim starts its I/O
 * worker thread and loads its sockets and HTTP modules (host/node/core-platform.ts).
 */
async function defaultPlatform(bytes: Uint8Array): Promise<WasiPlatform> {
  let needsShim = true;
  try {
    needsShim = readBinaryKind(bytes) !== 'core' || coreModuleNeedsPolling(bytes);
  } catch {
    // Not readable wasm: prepareGatedRun reports it, as for any platform.
  }
  return needsShim ? (await import('./platform.js')).nodePlatform : nodeCorePlatform;
}

/**
 * The policy refused (WritableCodeError) when the guest could write where the host loads code
 * from, else given a deny of writing at each such place it can reach, so that nothing granted
 * while it runs (a prompt's answer) reaches one (host/node/code-guard.ts).
 */
function withCodeGuarded(guest: GatedGuestOptions, roots: readonly string[]): GatedGuestOptions {
  // No policy grants nothing, but its `dirs` are still preopened, and a prompt may grant there.
  const manifest = guest.manifest ?? emptyManifest();
  const dirs = guest.dirs ?? {};
  refuseWritableCode(manifest, dirs, roots);
  return { ...guest, manifest: denyCodeWrites(manifest, dirs, roots) };
}

/** `manifest: 'embedded'` made concrete: the verified embedded manifest, or nothing. */
function withManifestResolved(bytes: Uint8Array, guest: GuestOptions): GatedGuestOptions {
  if (guest.manifest !== 'embedded') return { ...guest, manifest: guest.manifest };
  // Throws ProvenanceError for sections that do not verify, before anything runs.
  const embedded = guest.embedded ?? readProvenance(bytes);
  return { ...guest, embedded, manifest: embedded.status === 'verified' ? embedded.manifest : emptyManifest() };
}

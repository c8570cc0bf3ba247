/** The Node host's public API. */
export { createHost, type GuestOptions, type Host, type HostOptions, type PreparedGuest, type RunResult } from './host.js';
export { nodePlatform } from './platform.js';
export { runInWorker, type WorkerRunOptions } from './worker-runner.js';
export { limitMemories, WASM_PAGE_BYTES } from './limits.js';
export { defaultCacheDir, getTranspiled, transpilerId, type CacheEntry } from './transpile-cache.js';
export { readProvenance, type ProvenanceReading } from '../manifest/provenance.js';

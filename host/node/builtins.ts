/**
 * Node built-ins that only some runs use, loaded on first use. An ES module `import` of a
 * built-in loads it, and everything it needs, before the first line runs: node:crypto pulls
 * in about fifteen internal modules, node:tty and node:child_process the net stack,
 * node:worker_threads the worker machinery, node:fs/promises its file-handle and stream
 * modules. A preview1 hello used none of them and paid for all of them on every start
 * (docs/benchmarks.md, start-up). `require` of a built-in is
 * synchronous and cached, so the first caller pays once and the rest nothing.
 */
import { createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);

export const lazyCrypto = (): typeof import('node:crypto') => requireBuiltin('node:crypto') as typeof import('node:crypto');
export const lazyWorkerThreads = (): typeof import('node:worker_threads') =>
  requireBuiltin('node:worker_threads') as typeof import('node:worker_threads');
export const lazyChildProcess = (): typeof import('node:child_process') =>
  requireBuiltin('node:child_process') as typeof import('node:child_process');
export const lazyTty = (): typeof import('node:tty') => requireBuiltin('node:tty') as typeof import('node:tty');
export const lazyFsPromises = (): typeof import('node:fs/promises') =>
  requireBuiltin('node:fs/promises') as typeof import('node:fs/promises');

/**
 * `wasi:filesystem/*` for one guest: molt-wasm's own implementation, in host/gate/fs/
 * (resolution beneath held handles, policy at the real location, bounded handles).
 */
export { createGatedFilesystem, type GatedFilesystem, type GatedFilesystemOptions } from './fs/filesystem.js';

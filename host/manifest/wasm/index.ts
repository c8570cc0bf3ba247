/** The wasm binary side of the manifest: section codec and import/export reader. Pure. */
export * from './sections.js';
export * from './imports.js';
export { encodeU32 } from './reader.js';

/**
 * The manifest input codec (SPEC section 3): every input form, `--capabilities` lists and
 * files, Molt's profile shape, the canonical shape, molt.toml and Deno-style flags, each
 * normalised to one CanonicalManifest. Pure: no `node:` or DOM imports (file reading is
 * injected).
 */
export { canonicalJson, manifestToCanonicalJson } from '../canonical-json.js';
export { sha256Hex } from '../hash.js';
export { isCapabilitiesFile, loadCapabilitiesArgument, parseCapabilitiesFile, parseCapabilityList } from './capability-list.js';
export { decodeCapabilitiesDocument } from './document.js';
export { flagsToLayers, PLAIN_FLAGS, SCOPED_FLAGS, type CapabilityFlagValues, type FlagInput, type FlagValue } from './flags.js';
export { parseMoltToml } from './molt-toml.js';
export { parseProfileJson } from './profile-json.js';
export { parseStrictJson, type JsonObject, type JsonValue } from './strict-json.js';

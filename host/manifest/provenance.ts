/**
 * The embedded manifest and its provenance (SPEC section 4). A built binary carries two
 * top-level custom sections: `molt:capabilities` (the canonical manifest, canonical JSON,
 * UTF-8) and `molt:provenance` (canonical JSON: manifest_sha256, component_sha256 = SHA-256
 * of the binary with every molt:* section removed, and the tool). Reading checks all of it
 * and names the part that fails. Pure: no `node:` or DOM imports.
 */
import { ProvenanceError } from '../errors.js';
import { normalizeManifest } from '../policy/manifest.js';
import type { CanonicalManifest } from '../policy/types.js';
import { canonicalJson, manifestToCanonicalJson } from './canonical-json.js';
import { sha256Hex } from './hash.js';
import { appendCustomSection, readCustomSections, withoutMoltSections } from './wasm/sections.js';

export const CAPABILITIES_SECTION = 'molt:capabilities';
export const PROVENANCE_SECTION = 'molt:provenance';

export interface ToolInfo {
  readonly name: string;
  readonly version: string;
}

export interface Provenance {
  readonly component_sha256: string;
  readonly manifest_sha256: string;
  readonly tool: ToolInfo;
}

export type ProvenanceReading =
  | {
      readonly status: 'verified';
      readonly manifest: CanonicalManifest;
      readonly provenance: Provenance;
      /** The exact canonical JSON embedded (what manifest_sha256 covers). */
      readonly manifestJson: string;
    }
  | { readonly status: 'unsigned'; readonly manifest?: undefined; readonly provenance?: undefined };

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Embeds `manifest` in a core module or component: old molt:* sections are stripped, the
 * manifest is normalised, and both sections are appended at the end (so stripping them again
 * gives back exactly the bytes component_sha256 was computed over).
 */
export function embedManifest(bytes: Uint8Array, manifest: CanonicalManifest, tool: ToolInfo): Uint8Array {
  const code = withoutMoltSections(bytes);
  const manifestBytes = utf8Encoder.encode(manifestToCanonicalJson(normalizeManifest(manifest)));
  const provenance: Provenance = {
    component_sha256: sha256Hex(code),
    manifest_sha256: sha256Hex(manifestBytes),
    tool: { name: tool.name, version: tool.version },
  };
  const withManifest = appendCustomSection(code, CAPABILITIES_SECTION, manifestBytes);
  return appendCustomSection(withManifest, PROVENANCE_SECTION, utf8Encoder.encode(canonicalJson(provenance)));
}

function decodeUtf8(payload: Uint8Array, section: string, part: ProvenanceError['part']): string {
  try {
    return utf8Decoder.decode(payload);
  } catch {
    throw new ProvenanceError(`${section} is not valid UTF-8`, part);
  }
}

function parseJson(text: string, section: string, part: ProvenanceError['part']): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ProvenanceError(`${section} is not valid JSON (${(err as Error).message}): ${quote(text)}`, part);
  }
}

/** Bad section content quoted, but bounded: a tampered section may be megabytes. */
function quote(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}...` : text);
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

function parseProvenance(payload: Uint8Array): Provenance {
  const fail = (why: string): never => {
    throw new ProvenanceError(`${PROVENANCE_SECTION} ${why}`, 'provenance');
  };
  const text = decodeUtf8(payload, PROVENANCE_SECTION, 'provenance');
  const value = parseJson(text, PROVENANCE_SECTION, 'provenance');
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`must be a JSON object, got ${quote(text)}`);
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort().join(',');
  if (keys !== 'component_sha256,manifest_sha256,tool') {
    fail(`must have exactly the keys component_sha256, manifest_sha256, tool; got ${quote(text)}`);
  }
  for (const key of ['component_sha256', 'manifest_sha256'] as const) {
    const v = obj[key];
    if (typeof v !== 'string' || !SHA256_HEX.test(v)) fail(`${key} must be 64 lowercase hex digits, got ${JSON.stringify(v)}`);
  }
  const tool = obj['tool'];
  if (
    tool === null ||
    typeof tool !== 'object' ||
    Array.isArray(tool) ||
    Object.keys(tool).sort().join(',') !== 'name,version' ||
    typeof (tool as Record<string, unknown>)['name'] !== 'string' ||
    typeof (tool as Record<string, unknown>)['version'] !== 'string'
  ) {
    fail(`tool must be {"name": string, "version": string}, got ${JSON.stringify(tool)}`);
  }
  const provenance = value as Provenance;
  // Canonical form only: any other spelling means the section was not written by embedManifest.
  if (canonicalJson(provenance) !== text) fail(`is not in canonical JSON form: ${quote(text)}`);
  return provenance;
}

function parseEmbeddedManifest(text: string): CanonicalManifest {
  const value = parseJson(text, CAPABILITIES_SECTION, 'manifest');
  let manifest: CanonicalManifest;
  try {
    manifest = normalizeManifest(value as CanonicalManifest, CAPABILITIES_SECTION);
  } catch (err) {
    throw new ProvenanceError(`${CAPABILITIES_SECTION} is not a valid manifest: ${(err as Error).message}`, 'manifest');
  }
  if (manifestToCanonicalJson(manifest) !== text) {
    throw new ProvenanceError(`${CAPABILITIES_SECTION} is not in canonical form (edited after build?): ${quote(text)}`, 'manifest');
  }
  return manifest;
}

/**
 * Reads and verifies the embedded manifest. Neither section: `unsigned` (the caller treats
 * the binary as having no manifest). Anything else that does not check out throws
 * ProvenanceError with `part`: 'provenance' (missing, duplicated, unparsable), 'manifest'
 * (missing, duplicated, hash mismatch, not a canonical manifest) or 'code' (the binary
 * outside the molt:* sections changed). A hash recorded in molt:provenance that was itself
 * edited reads as a mismatch of what it covers: without a signature the two cannot be told apart.
 * Throws WasmFormatError when the binary itself is malformed.
 */
export function readProvenance(bytes: Uint8Array): ProvenanceReading {
  const manifests = readCustomSections(bytes, CAPABILITIES_SECTION);
  const provenances = readCustomSections(bytes, PROVENANCE_SECTION);
  if (manifests.length === 0 && provenances.length === 0) return { status: 'unsigned' };
  if (manifests.length > 1) {
    throw new ProvenanceError(`the binary has ${manifests.length} ${CAPABILITIES_SECTION} sections; exactly one is allowed`, 'manifest');
  }
  if (provenances.length > 1) {
    throw new ProvenanceError(`the binary has ${provenances.length} ${PROVENANCE_SECTION} sections; exactly one is allowed`, 'provenance');
  }
  const manifestBytes = manifests[0];
  const provenanceBytes = provenances[0];
  if (manifestBytes === undefined) {
    throw new ProvenanceError(`the binary has ${PROVENANCE_SECTION} but no ${CAPABILITIES_SECTION} section`, 'manifest');
  }
  if (provenanceBytes === undefined) {
    throw new ProvenanceError(
      `the binary has ${CAPABILITIES_SECTION} but no ${PROVENANCE_SECTION} section: it cannot be verified`,
      'provenance',
    );
  }
  const provenance = parseProvenance(provenanceBytes);
  const manifestHash = sha256Hex(manifestBytes);
  if (manifestHash !== provenance.manifest_sha256) {
    throw new ProvenanceError(
      `${CAPABILITIES_SECTION} does not match its recorded hash (sha256 ${manifestHash}, recorded ${provenance.manifest_sha256}): the manifest was modified after build`,
      'manifest',
    );
  }
  const manifestJson = decodeUtf8(manifestBytes, CAPABILITIES_SECTION, 'manifest');
  const manifest = parseEmbeddedManifest(manifestJson);
  const codeHash = sha256Hex(withoutMoltSections(bytes));
  if (codeHash !== provenance.component_sha256) {
    throw new ProvenanceError(
      `the code does not match the hash recorded in ${PROVENANCE_SECTION} (sha256 ${codeHash}, recorded ${provenance.component_sha256}): the binary was modified after build`,
      'code',
    );
  }
  return { status: 'verified', manifest, provenance, manifestJson };
}

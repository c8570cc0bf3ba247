/**
 * The embedded manifest of a binary, verified (SPEC section 4), read from the ORIGINAL bytes
 * (transpiling drops custom sections). Throws ProvenanceError when the molt sections do not
 * verify, WasmFormatError when the binary is malformed.
 */
import { readProvenance, type ProvenanceReading } from '../manifest/provenance.js';

export type EmbeddedManifest = ProvenanceReading;

export function verifyEmbeddedManifest(bytes: Uint8Array): EmbeddedManifest {
  return readProvenance(bytes);
}

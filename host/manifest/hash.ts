/**
 * SHA-256 for the manifest and provenance (SPEC section 4). Pure (@noble/hashes), so the
 * browser host computes the same digests as Node.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** Lowercase hex SHA-256 of `bytes`; a string is hashed as its UTF-8 encoding. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return bytesToHex(sha256(typeof bytes === 'string' ? utf8ToBytes(bytes) : bytes));
}

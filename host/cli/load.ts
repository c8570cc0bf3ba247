/**
 * Shared file loading for build/inspect/verify: wasm bytes and manifest files, with read
 * failures turned into typed errors that name the file (a missing input is bad input, 65).
 */
import { readFileSync } from 'node:fs';
import { ManifestError, WasmFormatError } from '../errors.js';
import type { CanonicalManifest } from '../policy/types.js';
import { parseCapabilitiesFile } from '../manifest/input/capability-list.js';
import { readBinaryKind } from '../manifest/wasm/sections.js';

function describeReadError(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES') return 'permission denied';
  return err instanceof Error ? err.message : String(err);
}

/** Reads a wasm file and checks its header, so "not wasm" is reported before anything else. */
export function loadWasm(path: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (err) {
    throw new WasmFormatError(`cannot read ${JSON.stringify(path)}: ${describeReadError(err)}`);
  }
  try {
    readBinaryKind(bytes);
  } catch (err) {
    if (err instanceof WasmFormatError) throw new WasmFormatError(`${path}: ${stripOffset(err.message)}`, err.offset);
    throw err;
  }
  return bytes;
}

function stripOffset(message: string): string {
  return message.replace(/ \(at byte \d+\)$/, '');
}

/** Runs `fn` on wasm bytes, prefixing format errors with the file name. */
export function inFile<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof WasmFormatError && !err.message.startsWith(`${path}: `)) {
      throw new WasmFormatError(`${path}: ${stripOffset(err.message)}`, err.offset);
    }
    throw err;
  }
}

/**
 * A policy, manifest or capabilities file as text. An empty read (nothing, or only white
 * space) is refused naming the file: `/dev/null`, a file not yet written or a process
 * substitution that failed would otherwise be read as TOML with no `[capabilities]`, the
 * policy that allows nothing, while an empty `.json` file was an error; now both are. A policy
 * that allows nothing on purpose says so (`{}`, or `[capabilities]`).
 */
export function readTextFile(path: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ManifestError(`cannot read ${what}: ${describeReadError(err)}`, path);
  }
  if (text.trim() === '') {
    throw new ManifestError(`the ${what} is empty (nothing was read); to allow nothing, write {} (JSON) or [capabilities] (TOML)`, path);
  }
  return text;
}

/** A manifest or policy file, read as `--capabilities` reads one (parseCapabilitiesFile). */
export function loadManifestFile(path: string, what = 'manifest'): CanonicalManifest {
  return parseCapabilitiesFile(readTextFile(path, what), path);
}

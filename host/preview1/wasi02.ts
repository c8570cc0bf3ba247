/**
 * The WASI 0.2 import object preview1 is built on, and the WIT types it names: aliases of the
 * one typed boundary (host/gate/wasi.ts, from preview2-shim's interface typings), under the
 * names this layer has always used. Types only (plus the datetime conversions below).
 */
import type {
  Datetime,
  DescriptorFlags,
  DescriptorStat,
  DirectoryEntryStream,
  InputStream,
  NewTimestamp,
  OpenFlags,
  OutputStream,
  PathFlags,
  Pollable,
  ReadInto,
  WasiDescriptor,
  WasiImports,
} from '../gate/wasi.js';

export type Datetime02 = Datetime;
export type DescriptorStat02 = DescriptorStat;
export type PathFlags02 = PathFlags;
export type OpenFlags02 = OpenFlags;
export type DescriptorFlags02 = DescriptorFlags;
export type NewTimestamp02 = NewTimestamp;
export type DirectoryEntryStream02 = DirectoryEntryStream;
/** A descriptor; molt-wasm's own filesystem also has `readInto` (a platform's may not). */
export type Descriptor02 = WasiDescriptor & Partial<ReadInto>;
export type InputStream02 = InputStream;
export type OutputStream02 = OutputStream;
export type Pollable02 = Pollable;

/** The import object (host/gate/wasi.ts WasiImports). */
export type WasiImportObject = WasiImports;

export const NS_PER_S = 1_000_000_000n;

export function datetimeToNs(d: Datetime02 | undefined): bigint {
  if (!d) return 0n;
  return BigInt(d.seconds) * NS_PER_S + BigInt(d.nanoseconds);
}

export function nsToDatetime(ns: bigint): Datetime02 {
  return { seconds: ns / NS_PER_S, nanoseconds: Number(ns % NS_PER_S) };
}

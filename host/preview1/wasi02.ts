/**
 * The slice of the WASI 0.2 JS import object (preview2-shim's `getImportObject()` shape:
 * unversioned interface names, camelCase members) that preview1 is built on. Only the members
 * this layer calls are typed; everything else passes through untouched.
 */

export interface Datetime02 {
  seconds: bigint;
  nanoseconds: number;
}

export interface DescriptorStat02 {
  type: string;
  linkCount: bigint;
  size: bigint;
  dataAccessTimestamp?: Datetime02;
  dataModificationTimestamp?: Datetime02;
  statusChangeTimestamp?: Datetime02;
}

export interface PathFlags02 {
  symlinkFollow?: boolean;
}
export interface OpenFlags02 {
  create?: boolean;
  directory?: boolean;
  exclusive?: boolean;
  truncate?: boolean;
}
export interface DescriptorFlags02 {
  read?: boolean;
  write?: boolean;
  fileIntegritySync?: boolean;
  dataIntegritySync?: boolean;
  requestedWriteSync?: boolean;
  mutateDirectory?: boolean;
}
export type NewTimestamp02 =
  | { tag: 'no-change' }
  | { tag: 'now' }
  | { tag: 'timestamp'; val: Datetime02 };

export interface DirectoryEntryStream02 {
  readDirectoryEntry(): { name: string; type: string } | undefined;
}

export interface Descriptor02 {
  read(length: bigint, offset: bigint): [Uint8Array, boolean];
  /** molt-wasm's own filesystem: `read` into the caller's buffer (a view of guest memory). */
  readInto?(target: Uint8Array, offset: bigint): number;
  write(buffer: Uint8Array, offset: bigint): bigint;
  appendViaStream(): OutputStream02;
  stat(): DescriptorStat02;
  statAt(flags: PathFlags02, path: string): DescriptorStat02;
  openAt(flags: PathFlags02, path: string, open: OpenFlags02, descFlags: DescriptorFlags02): Descriptor02;
  readDirectory(): DirectoryEntryStream02;
  createDirectoryAt(path: string): void;
  removeDirectoryAt(path: string): void;
  unlinkFileAt(path: string): void;
  renameAt(oldPath: string, newDir: Descriptor02, newPath: string): void;
  linkAt(oldFlags: PathFlags02, oldPath: string, newDir: Descriptor02, newPath: string): void;
  symlinkAt(target: string, path: string): void;
  readlinkAt(path: string): string;
  setSize(size: bigint): void;
  setTimes(atime: NewTimestamp02, mtime: NewTimestamp02): void;
  setTimesAt(flags: PathFlags02, path: string, atime: NewTimestamp02, mtime: NewTimestamp02): void;
  getFlags(): DescriptorFlags02;
  getType(): string;
  sync(): void;
  syncData(): void;
  advise(offset: bigint, length: bigint, advice: string): void;
  metadataHash?(): { upper: bigint; lower: bigint };
  metadataHashAt?(flags: PathFlags02, path: string): { upper: bigint; lower: bigint };
  [Symbol.dispose]?(): void;
}

export interface InputStream02 {
  blockingRead(len: bigint): Uint8Array;
  subscribe(): Pollable02;
}
export interface OutputStream02 {
  blockingWriteAndFlush(bytes: Uint8Array): void;
  subscribe(): Pollable02;
}
export interface Pollable02 {
  ready(): boolean;
  block(): void;
}

/**
 * The import object. Interfaces are looked up by name at call time, so a gate may swap or
 * omit them; a missing interface makes the calling preview1 function throw (a trap).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type WasiImportObject = Record<string, any>;

export const NS_PER_S = 1_000_000_000n;

export function datetimeToNs(d: Datetime02 | undefined): bigint {
  if (!d) return 0n;
  return BigInt(d.seconds) * NS_PER_S + BigInt(d.nanoseconds);
}

export function nsToDatetime(ns: bigint): Datetime02 {
  return { seconds: ns / NS_PER_S, nanoseconds: Number(ns % NS_PER_S) };
}

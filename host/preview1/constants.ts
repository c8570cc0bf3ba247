/**
 * Numbers and memory layouts of wasi_snapshot_preview1 (witx `typenames.witx`). Pure data.
 * Offsets are the C ABI layout wasi-libc and Rust's `wasi` crate use on wasm32.
 */

/** errno: the u16 every preview1 function returns. */
export const Errno = {
  success: 0,
  '2big': 1,
  acces: 2,
  addrinuse: 3,
  addrnotavail: 4,
  afnosupport: 5,
  again: 6,
  already: 7,
  badf: 8,
  badmsg: 9,
  busy: 10,
  canceled: 11,
  child: 12,
  connaborted: 13,
  connrefused: 14,
  connreset: 15,
  deadlk: 16,
  destaddrreq: 17,
  dom: 18,
  dquot: 19,
  exist: 20,
  fault: 21,
  fbig: 22,
  hostunreach: 23,
  idrm: 24,
  ilseq: 25,
  inprogress: 26,
  intr: 27,
  inval: 28,
  io: 29,
  isconn: 30,
  isdir: 31,
  loop: 32,
  mfile: 33,
  mlink: 34,
  msgsize: 35,
  multihop: 36,
  nametoolong: 37,
  netdown: 38,
  netreset: 39,
  netunreach: 40,
  nfile: 41,
  nobufs: 42,
  nodev: 43,
  noent: 44,
  noexec: 45,
  nolck: 46,
  nolink: 47,
  nomem: 48,
  nomsg: 49,
  noprotoopt: 50,
  nospc: 51,
  nosys: 52,
  notconn: 53,
  notdir: 54,
  notempty: 55,
  notrecoverable: 56,
  notsock: 57,
  notsup: 58,
  notty: 59,
  nxio: 60,
  overflow: 61,
  ownerdead: 62,
  perm: 63,
  pipe: 64,
  proto: 65,
  protonosupport: 66,
  prototype: 67,
  range: 68,
  rofs: 69,
  spipe: 70,
  srch: 71,
  stale: 72,
  timedout: 73,
  txtbsy: 74,
  xdev: 75,
  notcapable: 76,
} as const;
export type ErrnoValue = (typeof Errno)[keyof typeof Errno];

export const Filetype = {
  unknown: 0,
  blockDevice: 1,
  characterDevice: 2,
  directory: 3,
  regularFile: 4,
  socketDgram: 5,
  socketStream: 6,
  symbolicLink: 7,
} as const;

export const Fdflags = { append: 1, dsync: 2, nonblock: 4, rsync: 8, sync: 16 } as const;
export const Oflags = { creat: 1, directory: 2, excl: 4, trunc: 8 } as const;
export const Lookupflags = { symlinkFollow: 1 } as const;
export const Fstflags = { atim: 1, atimNow: 2, mtim: 4, mtimNow: 8 } as const;
export const Whence = { set: 0, cur: 1, end: 2 } as const;
export const Clockid = { realtime: 0, monotonic: 1, processCputime: 2, threadCputime: 3 } as const;
export const Eventtype = { clock: 0, fdRead: 1, fdWrite: 2 } as const;
export const Subclockflags = { abstime: 1 } as const;
export const Eventrwflags = { hangup: 1 } as const;

/** Rights bits (u64). Kept as bigint because the guest reads them as u64. */
export const Rights = {
  fdDatasync: 1n << 0n,
  fdRead: 1n << 1n,
  fdSeek: 1n << 2n,
  fdFdstatSetFlags: 1n << 3n,
  fdSync: 1n << 4n,
  fdTell: 1n << 5n,
  fdWrite: 1n << 6n,
  fdAdvise: 1n << 7n,
  fdAllocate: 1n << 8n,
  pathCreateDirectory: 1n << 9n,
  pathCreateFile: 1n << 10n,
  pathLinkSource: 1n << 11n,
  pathLinkTarget: 1n << 12n,
  pathOpen: 1n << 13n,
  fdReaddir: 1n << 14n,
  pathReadlink: 1n << 15n,
  pathRenameSource: 1n << 16n,
  pathRenameTarget: 1n << 17n,
  pathFilestatGet: 1n << 18n,
  pathFilestatSetSize: 1n << 19n,
  pathFilestatSetTimes: 1n << 20n,
  fdFilestatGet: 1n << 21n,
  fdFilestatSetSize: 1n << 22n,
  fdFilestatSetTimes: 1n << 23n,
  pathSymlink: 1n << 24n,
  pathRemoveDirectory: 1n << 25n,
  pathUnlinkFile: 1n << 26n,
  pollFdReadwrite: 1n << 27n,
  sockShutdown: 1n << 28n,
  sockAccept: 1n << 29n,
} as const;
export const RIGHTS_ALL = (1n << 30n) - 1n;

/** Rights a directory descriptor has (the set userlands such as wasi-libc expect; Wasmtime's). */
export const DIRECTORY_RIGHTS =
  Rights.pathCreateDirectory |
  Rights.pathCreateFile |
  Rights.pathLinkSource |
  Rights.pathLinkTarget |
  Rights.pathOpen |
  Rights.fdReaddir |
  Rights.pathReadlink |
  Rights.pathRenameSource |
  Rights.pathRenameTarget |
  Rights.pathSymlink |
  Rights.pathRemoveDirectory |
  Rights.pathUnlinkFile |
  Rights.pathFilestatGet |
  Rights.pathFilestatSetTimes |
  Rights.fdFilestatGet |
  Rights.fdFilestatSetTimes;

/** Rights a regular file can have: the fd_* ones, never path_* (wasi-testsuite path_filestat). */
export const FILE_RIGHTS =
  Rights.fdDatasync |
  Rights.fdRead |
  Rights.fdSeek |
  Rights.fdFdstatSetFlags |
  Rights.fdSync |
  Rights.fdTell |
  Rights.fdWrite |
  Rights.fdAdvise |
  Rights.fdAllocate |
  Rights.fdFilestatGet |
  Rights.fdFilestatSetSize |
  Rights.fdFilestatSetTimes |
  Rights.pollFdReadwrite;

/** What a directory passes on to descriptors opened from it. */
export const DIRECTORY_INHERITING = DIRECTORY_RIGHTS | FILE_RIGHTS;

/** Byte sizes of the structs this layer writes or reads. */
export const Size = {
  iovec: 8,
  fdstat: 24,
  filestat: 64,
  prestat: 8,
  dirent: 24,
  subscription: 48,
  event: 32,
} as const;

/** WASI 0.2 `advice` enum cases, indexed by the preview1 advice number. */
export const ADVICE_0_2 = ['normal', 'sequential', 'random', 'will-need', 'dont-need', 'no-reuse'] as const;

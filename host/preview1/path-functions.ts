/**
 * path_* functions. Path resolution, sandboxing (no escaping the preopen) and the capability
 * checks all happen in the 0.2 layer's `*-at` methods; here the preview1 arguments become
 * 0.2 flags and the opened descriptor joins the fd table.
 */
import { DIRECTORY_INHERITING, DIRECTORY_RIGHTS, Errno, FILE_RIGHTS, Fdflags, Lookupflags, Oflags, Rights } from './constants.js';
import { fail } from './errno.js';
import type { Preview1Context, Preview1Functions } from './context.js';
import { inoAt, resolveNoChange, timestampsFor, toFilestat, writeFilestat } from './fd-functions.js';
import type { DescriptorFlags02, OpenFlags02, PathFlags02 } from './wasi02.js';

// The flag records below are made once and frozen: path_open hands them to the 0.2 layer
// (which may keep them, as the descriptor's flags) on every call, so none is built per call.
const NO_FOLLOW: PathFlags02 = Object.freeze({ symlinkFollow: false });
const FOLLOW: PathFlags02 = Object.freeze({ symlinkFollow: true });

function pathFlags(lookup: number): PathFlags02 {
  return (lookup & Lookupflags.symlinkFollow) !== 0 ? FOLLOW : NO_FOLLOW;
}

/** open-flags for each of the 16 valid `oflags` values. */
const OPEN_FLAGS: readonly OpenFlags02[] = Array.from({ length: 16 }, (_, oflags) =>
  Object.freeze({
    create: (oflags & Oflags.creat) !== 0,
    directory: (oflags & Oflags.directory) !== 0,
    exclusive: (oflags & Oflags.excl) !== 0,
    truncate: (oflags & Oflags.trunc) !== 0,
  }),
);

function openFlags(oflags: number): OpenFlags02 {
  if (oflags & ~0xf) fail(Errno.inval);
  return OPEN_FLAGS[oflags]!;
}

const SYNC_FDFLAGS = Fdflags.sync | Fdflags.dsync | Fdflags.rsync;

/** descriptor-flags by (read, write, sync fdflags): at most 2 * 2 * 32 records, made on first use. */
const DESCRIPTOR_FLAGS = new Map<number, DescriptorFlags02>();

function descriptorFlags(rightsBase: bigint, fdflags: number): DescriptorFlags02 {
  const read = (rightsBase & Rights.fdRead) !== 0n;
  const write = (rightsBase & Rights.fdWrite) !== 0n;
  const key = (fdflags & SYNC_FDFLAGS) | (read ? 0x100 : 0) | (write ? 0x200 : 0);
  let flags = DESCRIPTOR_FLAGS.get(key);
  if (flags === undefined) {
    const f: DescriptorFlags02 = { read, write };
    if (fdflags & Fdflags.sync) f.fileIntegritySync = true;
    if (fdflags & Fdflags.dsync) f.dataIntegritySync = true;
    if (fdflags & Fdflags.rsync) f.requestedWriteSync = true;
    flags = Object.freeze(f);
    DESCRIPTOR_FLAGS.set(key, flags);
  }
  return flags;
}

/** A new file's rights: what it asked for, limited to file rights and to how it was opened. */
function fileRights(requested: bigint, flags: DescriptorFlags02): { base: bigint; inheriting: bigint } {
  let base = BigInt.asUintN(64, requested) & FILE_RIGHTS;
  if (!flags.read) base &= ~Rights.fdRead;
  if (!flags.write) base &= ~Rights.fdWrite;
  return { base, inheriting: base };
}

/**
 * The last open's (rights, fdflags) and what they gave: a guest opens with the same arguments
 * over and over (wasi-libc passes the same rights to every open), and each answer costs a
 * handful of BigInt operations. The rights record is shared by the fd-table entries made from
 * it, which is safe: an entry's rights are only ever replaced, never changed in place
 * (fd_fdstat_set_rights).
 */
interface OpenRights {
  readonly requested: bigint;
  readonly fdflags: number;
  readonly flags: DescriptorFlags02;
  readonly rights: Readonly<{ base: bigint; inheriting: bigint }>;
}
let lastOpen: OpenRights | undefined;

function openRights(requested: bigint, fdflags: number): OpenRights {
  const last = lastOpen;
  if (last !== undefined && last.requested === requested && last.fdflags === fdflags) return last;
  const flags = descriptorFlags(requested, fdflags);
  return (lastOpen = { requested, fdflags, flags, rights: Object.freeze(fileRights(requested, flags)) });
}

export function pathFunctions(ctx: Preview1Context): Preview1Functions {
  const dir = (fd: number) => ctx.fds.dir(fd).desc;
  // No filesystem path holds a NUL; Wasmtime reports EINVAL (the host OS cannot even be asked).
  const str = (ptr: number, len: number) => {
    const s = ctx.mem.string(ptr, len);
    return s.includes('\0') ? fail(Errno.inval) : s;
  };

  return {
    path_create_directory: (fd: number, path: number, len: number) => dir(fd).createDirectoryAt(str(path, len)),

    path_filestat_get: (fd: number, lookup: number, path: number, len: number, out: number) => {
      const d = dir(fd);
      const p = str(path, len);
      const flags = pathFlags(lookup);
      const stat = d.statAt(flags, p);
      writeFilestat(ctx, out, toFilestat(stat, inoAt(d, flags, p)));
    },

    path_filestat_set_times: (fd: number, lookup: number, path: number, len: number, atim: bigint, mtim: bigint, fst: number) => {
      const times = timestampsFor(atim, mtim, fst);
      const d = dir(fd);
      const p = str(path, len);
      const flags = pathFlags(lookup);
      const [a, m] = resolveNoChange(times, () => d.statAt(flags, p));
      d.setTimesAt(flags, p, a, m);
    },

    path_link: (oldFd: number, oldLookup: number, oldPath: number, oldLen: number, newFd: number, newPath: number, newLen: number) => {
      const from = dir(oldFd);
      const to = dir(newFd);
      from.linkAt(pathFlags(oldLookup), str(oldPath, oldLen), to, str(newPath, newLen));
    },

    path_open: (
      fd: number,
      lookup: number,
      path: number,
      len: number,
      oflags: number,
      rightsBase: bigint,
      _rightsInheriting: bigint,
      fdflags: number,
      out: number,
    ) => {
      const p = str(path, len);
      const open = openFlags(oflags);
      const asked = openRights(rightsBase, fdflags);
      const descFlags = asked.flags;
      const entry = ctx.fds.get(fd);
      if (entry.kind === 'file') fail(Errno.notdir);
      if (entry.kind !== 'dir') fail(Errno.badf);
      let desc: ReturnType<typeof entry.desc.openAt>;
      try {
        desc = entry.desc.openAt(pathFlags(lookup), p, open, descFlags);
      } catch (e) {
        // The guest's descriptor limit (SPEC section 5): preview1 has EMFILE for it.
        if (e === 'insufficient-memory') fail(Errno.mfile);
        throw e;
      }
      let opened: number;
      try {
        // O_DIRECTORY opened a directory or failed. Anything else may be either: it is entered
        // as a file whose type is asked only when needed (FileEntry.typeUnknown), so the usual
        // open, read, close costs no fstat.
        opened = open.directory
          ? ctx.fds.push({ kind: 'dir', desc, rights: { base: DIRECTORY_RIGHTS, inheriting: DIRECTORY_INHERITING } })
          : ctx.fds.push({
              kind: 'file',
              desc,
              rights: asked.rights,
              position: 0n,
              append: (fdflags & Fdflags.append) !== 0,
              nonblock: (fdflags & Fdflags.nonblock) !== 0,
              typeUnknown: true,
            });
      } catch (e) {
        desc[Symbol.dispose]?.();
        throw e;
      }
      ctx.mem.setU32(out, opened);
    },

    path_readlink: (fd: number, path: number, len: number, buf: number, bufLen: number, out: number) => {
      const target = new TextEncoder().encode(dir(fd).readlinkAt(str(path, len)));
      const n = Math.min(target.length, bufLen >>> 0); // truncated to the buffer (Wasmtime)
      ctx.mem.write(buf, target.subarray(0, n));
      ctx.mem.setU32(out, n);
    },

    path_remove_directory: (fd: number, path: number, len: number) => dir(fd).removeDirectoryAt(str(path, len)),

    path_rename: (fd: number, oldPath: number, oldLen: number, newFd: number, newPath: number, newLen: number) => {
      const from = dir(fd);
      const to = dir(newFd);
      from.renameAt(str(oldPath, oldLen), to, str(newPath, newLen));
    },

    path_symlink: (oldPath: number, oldLen: number, fd: number, newPath: number, newLen: number) => {
      const d = dir(fd);
      d.symlinkAt(str(oldPath, oldLen), str(newPath, newLen));
    },

    path_unlink_file: (fd: number, path: number, len: number) => dir(fd).unlinkFileAt(str(path, len)),
  };
}

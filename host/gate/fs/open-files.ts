/**
 * The per-guest record of what is open: one `OpenFile` per host handle the guest holds
 * (shared by a descriptor and the streams made from it, so the handle closes when the last
 * of them is dropped), and the guest path each one is at. Paths are kept where the object
 * really is: resolution records the path after symlinks, and a rename the guest makes moves
 * the paths of everything open beneath it (a held descriptor of a directory renamed into a
 * write-only drop box is checked there afterwards, not where it was). Platform-neutral.
 */
import type { DescriptorType, FsBackend } from './backend.js';

export class OpenFile<H> {
  #refs = 1;
  #type: DescriptorType | undefined;

  constructor(
    readonly table: OpenFiles<H>,
    readonly handle: H,
    /** The normalised guest path (`/data/sub`, or below a relative preopen name). */
    public path: string,
    type?: DescriptorType,
  ) {
    this.#type = type;
  }

  get type(): DescriptorType {
    return (this.#type ??= this.table.backend.typeOf(this.handle));
  }

  /** Another owner (a stream) of the same handle. */
  retain(): void {
    this.#refs++;
  }

  /** Drops one owner; the handle closes with the last. Idempotent per owner is the caller's job. */
  release(): void {
    if (--this.#refs === 0) this.table.closeFile(this);
  }
}

export class OpenFiles<H> {
  readonly #files = new Set<OpenFile<H>>();

  constructor(readonly backend: FsBackend<H>) {}

  add(handle: H, path: string, type?: DescriptorType): OpenFile<H> {
    const f = new OpenFile(this, handle, path, type);
    this.#files.add(f);
    return f;
  }

  closeFile(f: OpenFile<H>): void {
    if (this.#files.delete(f)) this.backend.close(f.handle);
  }

  /** After the guest renamed `from` to `to`: everything open at or below `from` is now below `to`. */
  moved(from: string, to: string): void {
    for (const f of this.#files) {
      if (f.path === from) f.path = to;
      else if (f.path.startsWith(from) && f.path.charCodeAt(from.length) === 0x2f) f.path = to + f.path.slice(from.length);
    }
  }

  /** The guest ended: close every host handle it held, however it ended. */
  closeAll(): void {
    this.#files.clear();
    this.backend.closeAll();
  }
}

/** `base` joined with guest segments (`base` is `/`, `.`, `/data` or `name.dir`). */
export function joinGuestPath(base: string, segments: readonly string[]): string {
  if (segments.length === 0) return base;
  const rest = segments.join('/');
  if (base === '/') return '/' + rest;
  if (base === '.') return rest;
  return base + '/' + rest;
}

/** `base` joined with one plain name (joinGuestPath of `[name]`, without the array). */
export function joinGuestName(base: string, name: string): string {
  if (base === '/') return '/' + name;
  if (base === '.') return name;
  return base + '/' + name;
}

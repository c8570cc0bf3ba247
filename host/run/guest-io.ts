/**
 * A host's per-guest stdio options as the gate's GuestIo (host/gate/types.ts): defaults
 * filled in (no arguments, empty environment, empty stdin), text stdin encoded as UTF-8,
 * absent sinks left out (output discarded). Platform-neutral.
 */
import type { GuestIo, OutputSink } from '../gate/types.js';

export interface GuestIoOptions {
  /** Arguments, `args[0]` being the program name by convention. Default `[]`. */
  readonly args?: readonly string[] | undefined;
  /** The environment the `env` grant filters. Default `{}` (the host's is NOT passed implicitly). */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** What `initial-cwd` reports when fs.read allows it. Default: none. */
  readonly cwd?: string | undefined;
  /** Raw stdout bytes. Default: discard. */
  readonly stdout?: OutputSink | undefined;
  /** Raw stderr bytes. Default: discard. */
  readonly stderr?: OutputSink | undefined;
  /** The guest's whole stdin, or a function read on first use. Default: empty. */
  readonly stdin?: Uint8Array | string | (() => Uint8Array) | undefined;
}

export function guestIo(o: GuestIoOptions): GuestIo {
  return {
    args: o.args ?? [],
    env: o.env ?? {},
    ...(o.cwd !== undefined ? { cwd: o.cwd } : {}),
    ...(o.stdout ? { stdout: o.stdout } : {}),
    ...(o.stderr ? { stderr: o.stderr } : {}),
    stdin: typeof o.stdin === 'string' ? new TextEncoder().encode(o.stdin) : (o.stdin ?? new Uint8Array(0)),
  };
}

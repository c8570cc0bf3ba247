/**
 * A host's per-guest stdio options as the gate's GuestIo (host/gate/types.ts): defaults
 * filled in (no arguments, empty environment, empty stdin), text stdin encoded as UTF-8,
 * absent sinks left out (output discarded). Platform-neutral.
 */
import type { GuestIo, OutputSink } from '../gate/types.js';

export interface GuestIoOptions {
  readonly args?: readonly string[] | undefined;
  readonly env?: Readonly<Record<string, string>> | undefined;
  readonly cwd?: string | undefined;
  readonly stdout?: OutputSink | undefined;
  readonly stderr?: OutputSink | undefined;
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

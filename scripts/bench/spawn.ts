/** Timing whole processes: spawn, wait, wall time in ms. */
import { spawnSync } from 'node:child_process';
import { now } from './stats.js';

export interface Cmd {
  readonly label: string;
  readonly argv: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Runs before each timed spawn, untimed (e.g. a fresh cache directory). */
  readonly before?: () => NodeJS.ProcessEnv | void;
  /** Expected in stdout, to be sure the run did its work. */
  readonly expect?: string;
}

export function timeProcess(cmd: Cmd): number {
  const extra = cmd.before?.() ?? {};
  const env = { ...process.env, ...cmd.env, ...extra };
  const t0 = now();
  const r = spawnSync(cmd.argv[0]!, cmd.argv.slice(1), { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = now() - t0;
  if (r.error) throw r.error;
  if (r.status !== 0 || (cmd.expect !== undefined && !r.stdout.includes(cmd.expect))) {
    throw new Error(
      `${cmd.label}: exit ${r.status}\n${cmd.argv.join(' ')}\nstdout: ${r.stdout.slice(0, 500)}\nstderr: ${r.stderr.slice(0, 2000)}`,
    );
  }
  return ms;
}

/**
 * Times each command `rounds` times, rotating the order every round so each command runs
 * first, second, ... equally often. Returns samples per label.
 */
export function rotate(cmds: readonly Cmd[], rounds: number): Map<string, number[]> {
  const out = new Map<string, number[]>(cmds.map((c) => [c.label, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < cmds.length; k++) {
      const c = cmds[(r + k) % cmds.length]!;
      out.get(c.label)!.push(timeProcess(c));
    }
  }
  return out;
}

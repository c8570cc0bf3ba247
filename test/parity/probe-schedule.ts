/**
 * How a fixture's ops are run by the two probe guests, shared by the wasm-node runner (Node
 * host) and the browser runner (browser host, in the page via test/browser/probe-driver.ts):
 * - guest-examples/dist/probe.wasm (C, preview1 core module): fs, env, time ops;
 * - guest-examples/dist/probe-component.wasm (WAT component): check/check-id, lookup,
 *   connect, fetch.
 *
 * Instances. Consecutive ops for the same probe while console.write is granted run in ONE
 * instance, which prints one line per op. The probe flushes after every line, and the host
 * calls the stdout sink synchronously from inside the guest's write, so when the line for op
 * k arrives the controls that follow op k are applied to the guest's live subject before the
 * guest goes on to op k+1: revocation really happens mid-run. An op that runs while
 * console.write is not granted (the probe could not print) runs alone in an instance started
 * with `--exit OP`, and its outcome is the exit code; so does an op the plan marks `alone`
 * (an IP-literal connect: a literal the guest made up, not an address its earlier lookup
 * returned).
 *
 * Subjects. The host gives each instance its own subject (prepare() creates it). The policy
 * state lives on: a "carrier" subject (first one made from the fixture's policy, then the
 * latest instance's) receives the controls that fall between instances, and a new instance
 * starts from the carrier's LIVE manifest (revocations included); after a drop-subject, each
 * new subject is dropped before it starts. A trap ends an instance: the op that was running
 * is recorded `trap`, the rest run in new instances.
 *
 * Platform-neutral (bundled into the browser page): the host comes in as `prepare`.
 */
import type { PolicyEngine } from '../../host/policy/index.js';
import type { CanonicalManifest, SubjectId } from '../../host/policy/types.js';

export interface ScheduleControl {
  readonly control: 'grant' | 'revoke' | 'deny' | 'drop-subject';
  readonly cap?: string;
  readonly scope?: string;
}

export type ProbeKind = 'core' | 'component';

/** One op as a probe runs it. */
export interface ScheduleOp {
  readonly probe: ProbeKind;
  /** The op as the probe's command line spells it. */
  readonly arg: string;
  /** In an instance of its own. */
  readonly alone?: boolean;
  /** console.write is not granted before this op: run it alone in `--exit` mode. */
  readonly exit: boolean;
}

/** One fixture step: a control, or an op (null: not expressible, `n/a`). */
export type ScheduleStep = { readonly control: ScheduleControl } | { readonly op: ScheduleOp | null };

/**
 * Per step: `control`, `n/a`, `word:<the probe's printed word>`, `exit:<code>` (`--exit`
 * mode), `trap`, `trap(console.write)`, `exit <code>` (the guest ended before reporting the
 * op), `unparsed(<line>)`, or `error:<message>` (the host refused to run the instance).
 */
export type ScheduleResult = string[];

/** What the schedule needs of a host: one guest instance, prepared and not yet started. */
export interface ScheduleInstance {
  readonly subject: SubjectId;
  start(): Promise<{ readonly outcome: string; readonly exitCode: number; readonly error?: unknown }>;
}

export interface Schedule {
  readonly steps: readonly ScheduleStep[];
  readonly engine: PolicyEngine;
  /** The fixture's policy: the first carrier subject's. */
  readonly manifest: CanonicalManifest;
  readonly label: string;
  /** Prepares `probe` with `args` from `manifest`; `stdout` is absent in `--exit` mode. */
  prepare(
    probe: ProbeKind,
    args: string[],
    manifest: CanonicalManifest,
    stdout: ((chunk: Uint8Array) => void) | undefined,
  ): Promise<ScheduleInstance>;
}

export function isScheduleControl(s: ScheduleStep): s is { readonly control: ScheduleControl } {
  return 'control' in s;
}

interface Planned extends ScheduleOp {
  readonly step: number;
}

export async function runSchedule(schedule: Schedule): Promise<ScheduleResult> {
  const { steps, engine, label } = schedule;
  const out: string[] = steps.map((s) => (isScheduleControl(s) ? 'control' : 'n/a'));

  // The live policy state carried from instance to instance.
  const applied = new Set<number>();
  let dropped = false;
  let manifest = schedule.manifest;
  let carrier: SubjectId = engine.createSubject(manifest, label);
  /** Applies control step `i` once per run. */
  const apply = (i: number, subject: SubjectId = carrier): void => {
    const s = steps[i]!;
    if (!isScheduleControl(s) || applied.has(i)) return;
    applied.add(i);
    const c = s.control;
    if (c.control === 'drop-subject') {
      engine.dropSubject(subject);
      dropped = true;
    } else engine[c.control](subject, c.cap!, c.scope);
  };
  /** The manifest a new instance starts from. */
  const live = (): CanonicalManifest => {
    if (!dropped) manifest = engine.manifestOf(carrier) ?? manifest;
    return manifest;
  };
  /** A new instance's subject takes over. */
  const adopt = (subject: SubjectId): void => {
    live();
    carrier = subject;
    if (dropped) engine.dropSubject(subject);
  };

  /** Runs `batch` in one instance; returns the step index to go on from. */
  async function instance(batch: Planned[], exitMode: boolean): Promise<number> {
    const probe = batch[0]!.probe;
    // Controls after batch op k (before op k+1), applied from the stdout sink.
    const after = new Map<number, number[]>();
    batch.forEach((b, k) => {
      const end = k + 1 < batch.length ? batch[k + 1]!.step : b.step + 1;
      const list: number[] = [];
      for (let c = b.step + 1; c < end; c++) list.push(c);
      after.set(k, list);
    });
    let done = 0;
    let text = '';
    const decoder = new TextDecoder();
    let subject: SubjectId = carrier;
    const onOutput = (chunk: Uint8Array): void => {
      text += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = text.indexOf('\n')) >= 0) {
        const line = text.slice(0, nl);
        text = text.slice(nl + 1);
        const b = batch[done];
        if (b === undefined) continue;
        out[b.step] = line.startsWith(b.arg + ' ') ? `word:${line.slice(b.arg.length + 1)}` : `unparsed(${line})`;
        for (const c of after.get(done) ?? []) apply(c, subject);
        done++;
      }
    };
    let prepared: ScheduleInstance;
    try {
      const args = ['probe', ...(exitMode ? ['--exit'] : []), ...batch.map((b) => b.arg)];
      prepared = await schedule.prepare(probe, args, live(), exitMode ? undefined : onOutput);
    } catch (e) {
      out[batch[0]!.step] = `error:${(e as Error).message}`;
      return batch[0]!.step + 1;
    }
    adopt(prepared.subject);
    subject = prepared.subject;
    const result = await prepared.start();
    const b = batch[done];
    if (b === undefined) return batch[batch.length - 1]!.step + 1;
    if (result.outcome === 'capability-trap' || result.outcome === 'trap') {
      // console.write is never missing outside exit mode (the plan said so); if it were, say so.
      const cap = (result.error as { capability?: string } | undefined)?.capability;
      out[b.step] = cap === 'console.write' ? 'trap(console.write)' : 'trap';
    } else if (exitMode) {
      out[b.step] = `exit:${result.exitCode}`;
    } else {
      for (let k = done; k < batch.length; k++) out[batch[k]!.step] = `exit ${result.exitCode}`;
      return batch[batch.length - 1]!.step + 1;
    }
    return b.step + 1;
  }

  const plan = (i: number): Planned | null => {
    const s = steps[i]!;
    return isScheduleControl(s) || s.op === null ? null : { ...s.op, step: i };
  };

  let i = 0;
  while (i < steps.length) {
    const p = plan(i);
    if (p === null) {
      // A control between instances acts on the carrier; an n/a op is skipped.
      apply(i);
      i++;
      continue;
    }
    if (p.exit || p.alone === true) {
      i = await instance([p], p.exit);
      continue;
    }
    // The run of ops for the same probe with console.write granted (controls between them ride along).
    const batch: Planned[] = [p];
    for (let j = i + 1; j < steps.length; j++) {
      if (isScheduleControl(steps[j]!)) continue;
      const pj = plan(j);
      if (pj === null || pj.probe !== p.probe || pj.exit || pj.alone === true) break;
      batch.push(pj);
    }
    i = await instance(batch, false);
  }
  return out;
}

/**
 * The browser half of the browser parity runner (test/parity/runners/browser.ts): runs the
 * two probe guests under the BROWSER host (molt-wasm/browser), in the page, exactly the way
 * the wasm-node runner runs them under the Node host:
 * - guest-examples/dist/probe.wasm (C, preview1 core module): fs, env, time ops;
 * - guest-examples/dist/probe-component.wasm (WAT component, transpiled in the page by the
 *   host's lazily loaded transpiler, JSPI bindings where the engine has JSPI so an HTTP
 *   response is really waited for): check/check-id, lookup, connect, fetch (`http:URL`).
 *
 * Instances. Consecutive ops for the same probe while console.write is granted run in ONE
 * instance that prints one line per op; the host calls the stdout sink synchronously from
 * inside the guest's write, so the controls that follow op k are applied to the live subject
 * as soon as op k's line arrives (revocation really happens mid-run). An op that runs while
 * console.write is not granted runs alone with `--exit OP` (its outcome is the exit code), and
 * so does an op the plan marks `alone` (an IP-literal connect).
 *
 * Subjects. A "carrier" subject (first made from the fixture's policy, then the latest
 * instance's) takes the controls that fall between instances; each new instance starts from
 * the carrier's LIVE manifest; after a drop-subject every new subject is dropped before it
 * starts. A trap ends an instance: the running op is `trap`, the rest run in new instances.
 *
 * Node plans the fixture (which probe, argument, exit mode) and maps the answers to outcomes;
 * this side only runs. Bundled into web/dist by scripts/build-browser.ts; browser-safe (no
 * Node imports).
 */
import { createHost, MemoryFs, PolicyEngine, type CanonicalManifest, type SubjectId } from '../../host/browser/index.js';

export interface DriverControl {
  readonly control: 'grant' | 'revoke' | 'deny' | 'drop-subject';
  readonly cap?: string;
  readonly scope?: string;
}

export type DriverProbe = 'core' | 'component';

/** One op as a probe runs it. */
export interface DriverOp {
  readonly probe: DriverProbe;
  /** The op as the probe's command line spells it. */
  readonly arg: string;
  /** In an instance of its own. */
  readonly alone?: boolean;
  /** console.write is not granted before this op: run it alone in `--exit` mode. */
  readonly exit: boolean;
}

/** One fixture step: a control, or an op (null: not expressible, `n/a`). */
export type DriverStep = { readonly control: DriverControl } | { readonly op: DriverOp | null };

export interface DriverInput {
  readonly steps: readonly DriverStep[];
  readonly manifest: CanonicalManifest;
  readonly files: Readonly<Record<string, string>>;
  readonly symlinks: Readonly<Record<string, string>>;
  readonly dirs: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
  /** Page-relative URLs of the two probes. */
  readonly probes: Readonly<Record<DriverProbe, string>>;
  readonly label?: string;
}

/**
 * Per step: `control`, `n/a`, `word:<the probe's printed word>`, `exit:<code>` (`--exit`
 * mode), `trap`, `trap(console.write)`, `exit <code>` (the guest ended before reporting the
 * op), `unparsed(<line>)`, or `error:<message>` (the host refused to run the instance).
 */
export type DriverResult = string[];

function isControl(s: DriverStep): s is { readonly control: DriverControl } {
  return 'control' in s;
}

interface Planned extends DriverOp {
  readonly step: number;
}

export async function runProbeFixture(input: DriverInput): Promise<DriverResult> {
  const bytes = {} as Record<DriverProbe, Uint8Array>;
  for (const p of ['core', 'component'] as const) {
    if (input.steps.some((s) => !isControl(s) && s.op?.probe === p)) {
      bytes[p] = new Uint8Array(await (await fetch(input.probes[p])).arrayBuffer());
    }
  }
  const engine = new PolicyEngine();
  const host = createHost({ engine, jspi: 'auto' });
  const fs = new MemoryFs(input.files, input.symlinks);
  const steps = input.steps;
  const label = input.label ?? 'parity:browser';
  const out: string[] = steps.map((s) => (isControl(s) ? 'control' : 'n/a'));

  // The live policy state carried from instance to instance.
  const applied = new Set<number>();
  let dropped = false;
  let manifest = input.manifest;
  let carrier: SubjectId = engine.createSubject(manifest, label);
  const apply = (i: number, subject: SubjectId = carrier): void => {
    const s = steps[i]!;
    if (!isControl(s) || applied.has(i)) return;
    applied.add(i);
    const c = s.control;
    if (c.control === 'drop-subject') {
      engine.dropSubject(subject);
      dropped = true;
    } else engine[c.control](subject, c.cap!, c.scope);
  };
  const live = (): CanonicalManifest => {
    if (!dropped) manifest = engine.manifestOf(carrier) ?? manifest;
    return manifest;
  };
  const adopt = (subject: SubjectId): void => {
    live();
    carrier = subject;
    if (dropped) engine.dropSubject(subject);
  };

  /** Runs `batch` in one instance; returns the step index to go on from. */
  async function instance(batch: Planned[], exitMode: boolean): Promise<number> {
    const probe = batch[0]!.probe;
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
    let prepared;
    try {
      prepared = await host.prepare(bytes[probe], {
        manifest: live(),
        files: fs,
        dirs: input.dirs,
        env: input.env,
        args: ['probe', ...(exitMode ? ['--exit'] : []), ...batch.map((b) => b.arg)],
        label,
        ...(exitMode ? {} : { stdout: onOutput }),
      });
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
      // console.write is never missing outside exit mode (Node's replay said so); if it were, say so.
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
    return isControl(s) || s.op === null ? null : { ...s.op, step: i };
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
    const batch: Planned[] = [p];
    for (let j = i + 1; j < steps.length; j++) {
      if (isControl(steps[j]!)) continue;
      const pj = plan(j);
      if (pj === null || pj.probe !== p.probe || pj.exit || pj.alone === true) break;
      batch.push(pj);
    }
    i = await instance(batch, false);
  }
  return out;
}

/**
 * The WASM-in-Node runner: the C probe guest (guest-examples/dist/probe.wasm, a preview1
 * core module) performs each fs/env/time op through WASI imports under the Node host
 * (createHost from host/node), and prints one line per op, `OP:ARG ok|ENAME|unset`.
 *
 * Mid-run control: ONE guest instance gets the ops on its command line. The probe flushes
 * stdout after every line, and the host calls our stdout sink synchronously from inside the
 * guest's fd_write, so when the line for op i arrives the runner applies the control steps
 * that follow op i to the guest's live subject before the guest goes on to op i+1: the
 * revocation really happens mid-run.
 *
 * A trap ends the instance: the op that was running is recorded `trap`, and the rest run in
 * a new instance. The host gives each instance its own subject (prepare() creates it), so
 * the new subject starts from the old one's LIVE manifest (revocations included) and is
 * dropped before start if the old one had been dropped: the same policy state, a new id.
 *
 * Not expressible by the preview1 probe, so `n/a` here: lookup/connect/fetch (no preview1
 * sockets for those) and check/check-id (molt:capabilities is a component import). Ops that
 * run while console.write is not granted are `n/a` too: the probe cannot report them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PolicyEngine } from '../../../host/policy/index.js';
import type { CanonicalManifest, SubjectId } from '../../../host/policy/types.js';
import { applyControl, fixtureManifest, isControl, makeScratch, parseOp, substitute, type Fixture, type Outcome, type ParsedOp, type RunEnv, type Runner } from '../fixture.js';

const here = dirname(fileURLToPath(import.meta.url));
export const PROBE_PATH = resolve(here, '..', '..', '..', '..', 'guest-examples', 'dist', 'probe.wasm');

/** What the probe can do: fs, env, time. */
function probeArg(op: ParsedOp, raw: string): string | null {
  switch (op.kind) {
    case 'read':
    case 'write':
    case 'stat':
    case 'readdir':
    case 'mkdir':
    case 'unlink':
    case 'rename':
    case 'env':
    case 'time':
      return raw;
    default:
      return null;
  }
}

/** The probe's result word to the fixture's outcome vocabulary (WASI errno -> WIT code). */
export function outcomeOfProbe(word: string): Outcome {
  switch (word) {
    case 'ok':
      return 'ok';
    case 'unset':
      return 'absent';
    case 'EACCES':
      return 'access';
    case 'EPERM':
    case 'ENOTCAPABLE':
      return 'not-permitted';
    case 'ENOENT':
      return 'no-entry';
    case 'EEXIST':
      return 'exist';
    default:
      return word;
  }
}

interface Pending {
  /** Index of the step in fixture.operations. */
  readonly step: number;
  readonly arg: string;
}

type HostModule = typeof import('../../../host/node/index.js');
let hostModule: Promise<HostModule | string> | undefined;
function loadHost(): Promise<HostModule | string> {
  // Imported lazily: the Node host is being written in parallel; a missing or broken host
  // makes this runner unavailable with the reason, not the whole harness fail.
  hostModule ??= import('../../../host/node/index.js').catch((e: unknown) => `host/node failed to load: ${(e as Error).message}`);
  return hostModule;
}

export const wasmNodeRunner: Runner = {
  name: 'wasm-node',
  async available() {
    if (!existsSync(PROBE_PATH)) return `${PROBE_PATH} not built (node dist/scripts/build-guests.js)`;
    const h = await loadHost();
    return typeof h === 'string' ? h : true;
  },
  async run(fixture: Fixture, env: RunEnv) {
    const host = await loadHost();
    if (typeof host === 'string') throw new Error(host);
    const bytes = new Uint8Array(readFileSync(PROBE_PATH));
    const engine = new PolicyEngine();
    const h = host.createHost({ engine });
    const steps = fixture.operations;
    const out: Outcome[] = steps.map((s) => (isControl(s) ? 'control' : 'n/a'));
    const scratch = makeScratch(fixture, 'wasm');
    let manifest: CanonicalManifest = fixtureManifest(fixture);
    let dropped = false;
    let subject: SubjectId | undefined;
    // Controls before the first guest op apply before the first instance starts.
    let next = 0;
    const applied = new Set<object>();
    try {
      while (next < steps.length) {
        // Controls due now (before the next op) act on the live state.
        const pre: number[] = [];
        while (next < steps.length && isControl(steps[next]!)) pre.push(next++);
        // The ops this instance will run: everything up to the end.
        const batch: Pending[] = [];
        const controlsAfter = new Map<number, number[]>(); // batch index -> control steps after it
        for (let i = next; i < steps.length; i++) {
          const s = steps[i]!;
          if (isControl(s)) {
            if (batch.length > 0) controlsAfter.set(batch.length - 1, [...(controlsAfter.get(batch.length - 1) ?? []), i]);
            else pre.push(i);
            continue;
          }
          const raw = substitute(s.op, env);
          const arg = probeArg(parseOp(raw), raw);
          if (arg === null) {
            // Not expressible: stays n/a; controls after it still apply at the right point,
            // attached to the previous probe op (or applied before the instance starts).
            continue;
          }
          batch.push({ step: i, arg });
        }
        if (batch.length === 0) break;

        const prepared = await h.prepare(bytes, {
          manifest,
          dirs: scratch.dirs,
          env: fixture.env ?? {},
          args: ['probe', ...batch.map((b) => b.arg)],
          label: `parity:${fixture.name}`,
          stdout: (chunk) => onOutput(chunk),
        });
        subject = prepared.subject;
        if (dropped) engine.dropSubject(subject);
        const liveSubject = subject;
        for (const i of pre) dropped = applyOnce(applied, engine, liveSubject, steps[i]!, dropped);

        // Lines as they arrive; after line k, the controls that follow op k.
        let text = '';
        let done = 0;
        const decoder = new TextDecoder();
        function onOutput(chunk: Uint8Array): void {
          text += decoder.decode(chunk, { stream: true });
          let nl: number;
          while ((nl = text.indexOf('\n')) >= 0) {
            const line = text.slice(0, nl);
            text = text.slice(nl + 1);
            const b = batch[done];
            if (b === undefined) continue;
            const word = line.startsWith(b.arg + ' ') ? line.slice(b.arg.length + 1) : `unparsed(${line})`;
            out[b.step] = outcomeOfProbe(word);
            for (const c of controlsAfter.get(done) ?? []) dropped = applyOnce(applied, engine, liveSubject, steps[c]!, dropped);
            done++;
          }
        }

        const result = await prepared.start();
        if (!dropped) manifest = engine.manifestOf(liveSubject) ?? manifest;
        if (result.outcome === 'capability-trap' || result.outcome === 'trap') {
          const b = batch[done];
          if (b === undefined) break;
          // A console.write trap is the probe failing to report, not the op's own outcome.
          const cap = (result.error as { capability?: string } | undefined)?.capability;
          out[b.step] = cap === 'console.write' ? 'n/a' : 'trap';
          for (const c of controlsAfter.get(done) ?? []) dropped = applyOnce(applied, engine, liveSubject, steps[c]!, dropped);
          if (!dropped) manifest = engine.manifestOf(liveSubject) ?? manifest;
          // Resume after the trapped op; controls already applied are not repeated.
          next = nextAfter(steps, b.step);
          continue;
        }
        if (done < batch.length) {
          for (let k = done; k < batch.length; k++) out[batch[k]!.step] = `exit ${result.exitCode}`;
        }
        break;
      }
      return out;
    } finally {
      scratch.dispose();
    }
  },
};

/** The next step after `step` that is not a control (controls after a trapped op were applied already). */
function nextAfter(steps: Fixture['operations'], step: number): number {
  let i = step + 1;
  while (i < steps.length && isControl(steps[i]!)) i++;
  return i;
}

/** Applies a control once per run (`applied` remembers it across restarted instances). */
function applyOnce(applied: Set<object>, engine: PolicyEngine, subject: SubjectId, s: Fixture['operations'][number], dropped: boolean): boolean {
  if (!isControl(s) || applied.has(s)) return dropped;
  applied.add(s);
  applyControl(engine, subject, s);
  return dropped || s.control === 'drop-subject';
}

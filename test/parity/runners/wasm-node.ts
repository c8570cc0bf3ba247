/**
 * The WASM-in-Node runner: every op is performed by a guest under the Node host (createHost
 * from host/node), through WASI imports: fs/env/time by the C probe (preview1 core module,
 * guest-examples/dist/probe.wasm), checks, lookups, connects and HTTP by the WAT probe
 * component (guest-examples/dist/probe-component.wasm, WIT imports). See wasm-probes.ts.
 *
 * Instances. Consecutive ops for the same probe while console.write is granted run in ONE
 * instance, which prints one line per op. The probe flushes after every line, and the host
 * calls our stdout sink synchronously from inside the guest's write, so when the line for op
 * k arrives the runner applies the controls that follow op k to the guest's live subject
 * before the guest goes on to op k+1: revocation really happens mid-run. An op that runs
 * while console.write is not granted (the probe could not print) runs alone in an instance
 * started with `--exit OP`, and its outcome is the exit code (tables in wasm-probes.ts).
 * Whether console.write is granted before an op is decided by replaying the fixture's
 * controls on a throwaway engine (ops never change the policy).
 *
 * Subjects. The host gives each instance its own subject (prepare() creates it). The policy
 * state lives on: a "carrier" subject (first one made from the fixture's policy, then the
 * latest instance's) receives the controls that fall between instances, and a new instance
 * starts from the carrier's LIVE manifest (revocations included); after a drop-subject, each
 * new subject is dropped before it starts. A trap ends an instance: the op that was running
 * is recorded `trap`, the rest run in new instances.
 *
 * Two readings (wasm-probes.ts): an IP-literal connect runs in a guest of its own (a literal
 * the guest made up, not an address its earlier lookup returned), and the C probe's
 * ENOTCAPABLE (libc: no preopen covers the path) is `access` inside a mapped directory whose
 * preopen the host withheld for want of the grant, `not-permitted` elsewhere.
 *
 * n/a: none today; every op kind of the fixture format is expressible through WASI
 * (probeCall returns null only for a kind that is not).
 */
import { existsSync, readFileSync } from 'node:fs';
import { PolicyEngine } from '../../../host/policy/index.js';
import type { CanonicalManifest, SubjectId } from '../../../host/policy/types.js';
import { applyControl, fixtureManifest, isControl, makeScratch, parseOp, substitute, type Fixture, type FixtureStep, type Outcome, type RunEnv, type Runner } from '../fixture.js';
import { outcomeOfExit, outcomeOfWord, PROBE_COMPONENT_PATH, PROBE_PATH, probeCall, type ProbeCall, type ProbeKind } from './wasm-probes.js';

export { outcomeOfProbe, PROBE_PATH } from './wasm-probes.js';

type HostModule = typeof import('../../../host/node/index.js');
let hostModule: Promise<HostModule | string> | undefined;
function loadHost(): Promise<HostModule | string> {
  // Imported lazily: a missing or broken host makes this runner unavailable with the reason,
  // not the whole harness fail.
  hostModule ??= import('../../../host/node/index.js').catch((e: unknown) => `host/node failed to load: ${(e as Error).message}`);
  return hostModule;
}

/** console.write before each step, replaying the controls on a throwaway engine. */
function consoleBeforeEachStep(fixture: Fixture): boolean[] {
  const engine = new PolicyEngine();
  const s = engine.createSubject(fixtureManifest(fixture), 'parity:console-replay');
  return fixture.operations.map((step) => {
    if (isControl(step)) applyControl(engine, s, step);
    return engine.check(s, 'console.write') === 'ok';
  });
}

interface Planned extends ProbeCall {
  readonly step: number;
}

/** The live policy state carried from instance to instance. */
class Carrier {
  private readonly applied = new Set<object>();
  dropped = false;
  constructor(
    readonly engine: PolicyEngine,
    public subject: SubjectId,
    private manifest: CanonicalManifest,
  ) {}
  /** Applies a control step once per run. */
  apply(s: FixtureStep, subject = this.subject): void {
    if (!isControl(s) || this.applied.has(s)) return;
    this.applied.add(s);
    applyControl(this.engine, subject, s);
    if (s.control === 'drop-subject') this.dropped = true;
  }
  /** The manifest a new instance starts from. */
  live(): CanonicalManifest {
    if (!this.dropped) this.manifest = this.engine.manifestOf(this.subject) ?? this.manifest;
    return this.manifest;
  }
  /** A new instance's subject takes over. */
  adopt(subject: SubjectId): void {
    this.live();
    this.subject = subject;
    if (this.dropped) this.engine.dropSubject(subject);
  }
}

export const wasmNodeRunner: Runner = {
  name: 'wasm-node',
  async available() {
    for (const p of [PROBE_PATH, PROBE_COMPONENT_PATH]) if (!existsSync(p)) return `${p} not built (node dist/scripts/build-guests.js)`;
    const h = await loadHost();
    return typeof h === 'string' ? h : true;
  },
  async run(fixture: Fixture, env: RunEnv) {
    const host = await loadHost();
    if (typeof host === 'string') throw new Error(host);
    const bytes: Record<ProbeKind, Uint8Array> = {
      core: new Uint8Array(readFileSync(PROBE_PATH)),
      component: new Uint8Array(readFileSync(PROBE_COMPONENT_PATH)),
    };
    const engine = new PolicyEngine();
    const h = host.createHost({ engine });
    const steps = fixture.operations;
    const consoleAt = consoleBeforeEachStep(fixture);
    const out: Outcome[] = steps.map((s) => (isControl(s) ? 'control' : 'n/a'));
    const plans = steps.map((s, i): Planned | null => {
      if (isControl(s)) return null;
      const raw = substitute(s.op, env);
      const call = probeCall(parseOp(raw), raw);
      return call === null ? null : { ...call, step: i };
    });
    const scratch = makeScratch(fixture, 'wasm');
    const mapped = Object.keys(fixture.dirs ?? {});
    const first = fixtureManifest(fixture);
    const carrier = new Carrier(engine, engine.createSubject(first, `parity:${fixture.name}`), first);

    /** Runs `batch` in one instance; returns the index in `steps` to go on from. */
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
      const prepared = await h.prepare(bytes[probe], {
        manifest: carrier.live(),
        dirs: scratch.dirs,
        env: fixture.env ?? {},
        args: ['probe', ...(exitMode ? ['--exit'] : []), ...batch.map((b) => b.arg)],
        label: `parity:${fixture.name}`,
        ...(exitMode ? {} : { stdout: onOutput }),
      });
      carrier.adopt(prepared.subject);
      const live = prepared.subject;
      function onOutput(chunk: Uint8Array): void {
        text += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = text.indexOf('\n')) >= 0) {
          const line = text.slice(0, nl);
          text = text.slice(nl + 1);
          const b = batch[done];
          if (b === undefined) continue;
          out[b.step] = line.startsWith(b.arg + ' ') ? outcomeOfWord(b, line.slice(b.arg.length + 1), mapped) : `unparsed(${line})`;
          for (const c of after.get(done) ?? []) carrier.apply(steps[c]!, live);
          done++;
        }
      }
      const result = await prepared.start();
      const b = batch[done];
      if (b === undefined) return batch[batch.length - 1]!.step + 1;
      if (result.outcome === 'capability-trap' || result.outcome === 'trap') {
        // console.write is never missing here (the replay said so); if it were, say so.
        const cap = (result.error as { capability?: string } | undefined)?.capability;
        out[b.step] = cap === 'console.write' ? 'trap(console.write)' : 'trap';
      } else if (exitMode) {
        out[b.step] = outcomeOfExit(b, result.exitCode, mapped);
      } else {
        for (let k = done; k < batch.length; k++) out[batch[k]!.step] = `exit ${result.exitCode}`;
        return batch[batch.length - 1]!.step + 1;
      }
      return b.step + 1;
    }

    try {
      let i = 0;
      while (i < steps.length) {
        const s = steps[i]!;
        const plan = plans[i];
        if (isControl(s) || plan === null || plan === undefined) {
          // Between instances: the control acts on the carrier (the live state).
          carrier.apply(s);
          i++;
          continue;
        }
        if (!consoleAt[i] || plan.alone === true) {
          i = await instance([plan], !consoleAt[i]);
          continue;
        }
        // The run of ops for the same probe with console.write granted (controls between them ride along).
        const batch: Planned[] = [plan];
        for (let j = i + 1; j < steps.length; j++) {
          const sj = steps[j]!;
          if (isControl(sj)) continue;
          const pj = plans[j];
          if (pj === null || pj === undefined || pj.probe !== plan.probe || !consoleAt[j] || pj.alone === true) break;
          batch.push(pj);
        }
        i = await instance(batch, false);
      }
      return out;
    } finally {
      scratch.dispose();
    }
  },
};

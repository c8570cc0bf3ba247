/**
 * The plan both probe runners hand to the schedule (test/parity/probe-schedule.ts), and how
 * their answers read back into the fixture's vocabulary: wasm-node (Node host) and browser
 * (browser host, in Chromium) differ only in the host they prepare guests on.
 */
import { PolicyEngine } from '../../../host/policy/index.js';
import { applyControl, fixtureManifest, isControl, parseOp, substitute, type Fixture, type Outcome, type RunEnv } from '../fixture.js';
import type { ScheduleStep } from '../probe-schedule.js';
import { outcomeOfExit, outcomeOfWord, probeCall, type ProbeCall } from './wasm-probes.js';

/** What the policy says before each step (replayed on a throwaway engine; ops never change it). */
export interface Before {
  readonly console: boolean;
  /** `net` granted at all (any scope). */
  readonly net: boolean;
  /** For a lookup op: the name itself is admitted (the gate would hand it to a resolver). */
  readonly name: boolean;
}

function replay(fixture: Fixture, env: RunEnv): Before[] {
  const engine = new PolicyEngine();
  const s = engine.createSubject(fixtureManifest(fixture), 'parity:replay');
  return fixture.operations.map((step) => {
    if (isControl(step)) applyControl(engine, s, step);
    let name = false;
    if (!isControl(step)) {
      const op = parseOp(substitute(step.op, env));
      if (op.kind === 'lookup') name = engine.check(s, 'net', { kind: 'net', host: op.host }) === 'ok';
    }
    return { console: engine.check(s, 'console.write') === 'ok', net: engine.check(s, 'net') === 'ok', name };
  });
}

export interface ProbePlan {
  readonly steps: ScheduleStep[];
  /** The probe call behind each op (null for controls), for reading the answers. */
  readonly calls: (ProbeCall | null)[];
  readonly before: Before[];
}

/**
 * Each fixture step as the schedule runs it. Whether console.write is granted before an op
 * (so whether it can print its answer or must report it as its exit code) is decided by
 * replaying the fixture's controls.
 */
export function probePlan(fixture: Fixture, env: RunEnv): ProbePlan {
  const before = replay(fixture, env);
  const calls = fixture.operations.map((s) => {
    if (isControl(s)) return null;
    const raw = substitute(s.op, env);
    return probeCall(parseOp(raw), raw);
  });
  const steps: ScheduleStep[] = fixture.operations.map((s, i) => {
    if (isControl(s)) {
      return {
        control: {
          control: s.control,
          ...(s.cap !== undefined ? { cap: s.cap } : {}),
          ...(s.scope !== undefined ? { scope: s.scope } : {}),
        },
      };
    }
    const c = calls[i];
    return {
      op:
        c === null || c === undefined
          ? null
          : { probe: c.probe, arg: c.arg, ...(c.alone === true ? { alone: true } : {}), exit: !before[i]!.console },
    };
  });
  return { steps, calls, before };
}

/**
 * The schedule's answers in the fixture's vocabulary (an ENOTCAPABLE from wasi-libc: `access`
 * inside one of the fixture's dirs, `not-permitted` outside; wasm-probes.ts). With
 * `noSockets` (the browser), `not-supported` is n/a exactly where the platform has no layer
 * to perform the op: a lookup whose name the policy admits (no resolver), a connect while
 * `net` is granted at all (no TCP); anything else is compared.
 */
export function outcomesOfSchedule(
  results: readonly string[],
  fixture: Fixture,
  env: RunEnv,
  plan: ProbePlan,
  noSockets: boolean,
): Outcome[] {
  const mapped = Object.keys(fixture.dirs ?? {});
  return results.map((result, i) => {
    const call = plan.calls[i] ?? null;
    let o: Outcome = result;
    if (call !== null) {
      if (result.startsWith('word:')) o = outcomeOfWord(call, result.slice(5), mapped);
      else if (result.startsWith('exit:')) o = outcomeOfExit(call, Number(result.slice(5)), mapped);
    }
    const step = fixture.operations[i];
    const before = plan.before[i];
    if (noSockets && o === 'not-supported' && step !== undefined && !isControl(step) && before !== undefined) {
      const kind = parseOp(substitute(step.op, env)).kind;
      if ((kind === 'lookup' && before.name) || (kind === 'connect' && before.net)) return 'n/a';
    }
    return o;
  });
}

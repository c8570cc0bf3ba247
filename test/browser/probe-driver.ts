/**
 * The browser half of the browser parity runner (test/parity/runners/browser.ts): runs the
 * two probe guests under the BROWSER host (molt-wasm/browser), in the page, on the same
 * schedule as the wasm-node runner runs them under the Node host (test/parity/probe-schedule.ts).
 * The WAT probe component is transpiled in the page by the host's lazily loaded transpiler,
 * with JSPI bindings where the engine has JSPI, so an HTTP response is really waited for.
 *
 * Node plans the fixture (which probe, argument, exit mode) and maps the answers to outcomes;
 * this side only runs. Bundled into web/dist by scripts/build-browser.ts; browser-safe (no
 * Node imports).
 */
import { createHost, MemoryFs, PolicyEngine, type CanonicalManifest } from '../../host/browser/index.js';
import { isScheduleControl, runSchedule, type ProbeKind, type ScheduleResult, type ScheduleStep } from '../parity/probe-schedule.js';

export interface DriverInput {
  readonly steps: readonly ScheduleStep[];
  readonly manifest: CanonicalManifest;
  readonly files: Readonly<Record<string, string>>;
  readonly symlinks: Readonly<Record<string, string>>;
  readonly dirs: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
  /** Page-relative URLs of the two probes. */
  readonly probes: Readonly<Record<ProbeKind, string>>;
  readonly label?: string;
}

export async function runProbeFixture(input: DriverInput): Promise<ScheduleResult> {
  const bytes = {} as Record<ProbeKind, Uint8Array>;
  for (const p of ['core', 'component'] as const) {
    if (input.steps.some((s) => !isScheduleControl(s) && s.op?.probe === p)) {
      bytes[p] = new Uint8Array(await (await fetch(input.probes[p])).arrayBuffer());
    }
  }
  const engine = new PolicyEngine();
  const host = createHost({ engine, jspi: 'auto' });
  const fs = new MemoryFs(input.files, input.symlinks);
  const label = input.label ?? 'parity:browser';
  return runSchedule({
    steps: input.steps,
    engine,
    manifest: input.manifest,
    label,
    prepare: (probe, args, manifest, stdout) =>
      host.prepare(bytes[probe], {
        manifest,
        files: fs,
        dirs: input.dirs,
        env: input.env,
        args,
        label,
        ...(stdout !== undefined ? { stdout } : {}),
      }),
  });
}

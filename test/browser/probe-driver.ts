/**
 * The browser half of the browser parity runner (test/parity/runners/browser.ts): runs the C
 * probe guest (a preview1 core module) under the BROWSER host, in the page, the way the
 * wasm-node runner runs it under the Node host: one instance gets every expressible op on its
 * command line, and the controls that follow op i are applied to the live subject as soon as
 * the probe's line for op i arrives (the host calls the stdout sink synchronously from inside
 * fd_write, so revocation really happens mid-run). A trap ends the instance: the running op is
 * `trap` (or `n/a` when console.write itself trapped: the probe could not report), and the
 * rest run in a new instance whose subject starts from the old one's live manifest.
 *
 * Node parses the fixture (ops -> probe args, or null when the probe cannot express an op)
 * and maps the probe's words to outcomes; this side only runs. Bundled into web/dist by
 * scripts/build-browser.ts; browser-safe (no Node imports).
 */
import { createHost, MemoryFs, PolicyEngine, type CanonicalManifest } from '../../host/browser/index.js';

export interface DriverControl {
  readonly control: 'grant' | 'revoke' | 'deny' | 'drop-subject';
  readonly cap?: string;
  readonly scope?: string;
}
/** One fixture step: a control, or an op with the probe's argument (null: not expressible). */
export type DriverStep = { readonly control: DriverControl } | { readonly arg: string | null };

export interface DriverInput {
  readonly steps: readonly DriverStep[];
  readonly manifest: CanonicalManifest;
  readonly files: Readonly<Record<string, string>>;
  readonly symlinks: Readonly<Record<string, string>>;
  readonly dirs: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
  readonly probeUrl: string;
}

/** Per step: `control`, `n/a`, `trap`, `exit N`, or `word:<the probe's word>`. */
export type DriverResult = string[];

function isControl(s: DriverStep): s is { readonly control: DriverControl } {
  return 'control' in s;
}

export async function runProbeFixture(input: DriverInput): Promise<DriverResult> {
  const bytes = new Uint8Array(await (await fetch(input.probeUrl)).arrayBuffer());
  const engine = new PolicyEngine();
  const host = createHost({ engine });
  const fs = new MemoryFs(input.files, input.symlinks);
  const steps = input.steps;
  const out: string[] = steps.map((s) => (isControl(s) ? 'control' : 'n/a'));
  let manifest = input.manifest;
  let dropped = false;
  const applied = new Set<number>();

  const apply = (subject: number, i: number): void => {
    const s = steps[i]!;
    if (!isControl(s) || applied.has(i)) return;
    applied.add(i);
    const c = s.control;
    if (c.control === 'drop-subject') {
      engine.dropSubject(subject);
      dropped = true;
    } else engine[c.control](subject, c.cap!, c.scope);
  };

  let next = 0;
  while (next < steps.length) {
    const pre: number[] = [];
    while (next < steps.length && isControl(steps[next]!)) pre.push(next++);
    const batch: Array<{ step: number; arg: string }> = [];
    const controlsAfter = new Map<number, number[]>();
    for (let i = next; i < steps.length; i++) {
      const s = steps[i]!;
      if (isControl(s)) {
        if (batch.length > 0) controlsAfter.set(batch.length - 1, [...(controlsAfter.get(batch.length - 1) ?? []), i]);
        else pre.push(i);
        continue;
      }
      if ('arg' in s && s.arg !== null) batch.push({ step: i, arg: s.arg });
    }
    if (batch.length === 0) break;

    let text = '';
    let done = 0;
    const decoder = new TextDecoder();
    let subject = -1;
    const onOutput = (chunk: Uint8Array): void => {
      text += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = text.indexOf('\n')) >= 0) {
        const line = text.slice(0, nl);
        text = text.slice(nl + 1);
        const b = batch[done];
        if (b === undefined) continue;
        out[b.step] = line.startsWith(b.arg + ' ') ? `word:${line.slice(b.arg.length + 1)}` : `unparsed(${line})`;
        for (const c of controlsAfter.get(done) ?? []) apply(subject, c);
        done++;
      }
    };
    const prepared = await host.prepare(bytes, {
      manifest,
      files: fs,
      dirs: input.dirs,
      env: input.env,
      args: ['probe', ...batch.map((b) => b.arg)],
      label: 'parity:browser',
      stdout: onOutput,
    });
    subject = prepared.subject;
    if (dropped) engine.dropSubject(subject);
    for (const i of pre) apply(subject, i);

    const result = await prepared.start();
    if (!dropped) manifest = engine.manifestOf(subject) ?? manifest;
    if (result.outcome === 'capability-trap' || result.outcome === 'trap') {
      const b = batch[done];
      if (b === undefined) break;
      const cap = (result.error as { capability?: string } | undefined)?.capability;
      out[b.step] = cap === 'console.write' ? 'n/a' : 'trap';
      for (const c of controlsAfter.get(done) ?? []) apply(subject, c);
      if (!dropped) manifest = engine.manifestOf(subject) ?? manifest;
      let i = b.step + 1;
      while (i < steps.length && isControl(steps[i]!)) i++;
      next = i;
      continue;
    }
    for (let k = done; k < batch.length; k++) out[batch[k]!.step] = `exit ${result.exitCode}`;
    break;
  }
  return out;
}

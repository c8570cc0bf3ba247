/**
 * The lean host-import step (host/transpile/lean-imports.ts) over jco-transpile's output:
 * what it rewrites, that it leaves unknown shapes alone, and that the same guests behave the
 * same with and without it (MOLT_WASM_LEAN_IMPORTS=0 keeps jco's glue as generated): output,
 * exit codes, capability traps, audit records, and a trapped instance staying dead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transpileBytes } from '@bytecodealliance/jco-transpile';
import { createHost } from '../../host/index.js';
import type { RunResult } from '../../host/run/outcome.js';
import { leanImports } from '../../host/transpile/lean-imports.js';
import { getTranspiled, leanImportsEnabled, transpilerId } from '../../host/node/transpile-cache.js';
import { createGatedWasi } from '../../host/gate/index.js';
import { planPreopens } from '../../host/gate/preopens.js';
import { loadGuest } from '../../host/node/load.js';
import { nodePlatform } from '../../host/node/platform.js';
import { normalizeManifest, PolicyEngine } from '../../host/policy/index.js';
import { CapabilityTrap } from '../../host/gate/trap.js';
import { coreToComponent, expandWatIncludes, REPO_ROOT, watToCore } from '../../scripts/lib/componentize.js';
import { auditLog, buildComponent, capture, policy, tempDir } from '../node-host/helpers.js';
import * as guests from '../node-host/guests/guests.js';

const ENV = 'MOLT_WASM_LEAN_IMPORTS';

/** Runs `f` with the step on (lean) or off (jco's glue as generated), restoring the variable. */
async function withGlue<T>(lean: boolean, f: () => Promise<T>): Promise<T> {
  const before = process.env[ENV];
  if (lean) delete process.env[ENV];
  else process.env[ENV] = '0';
  try {
    return await f();
  } finally {
    if (before === undefined) delete process.env[ENV];
    else process.env[ENV] = before;
  }
}

async function generatedJs(component: Uint8Array): Promise<string> {
  const r = await transpileBytes(component, { name: 'component', instantiation: { tag: 'async' } });
  return new TextDecoder().decode(r.files['component.js']);
}

/** molt-wasm's benchmark guest (scripts/bench/bench-guest.wat): exports loops we can call again after a trap. */
async function benchGuest(): Promise<Uint8Array> {
  const world = `world bench {
    include molt:capabilities/guest@0.1.0;
    export clock-now: func(n: u32) -> u64;
    export read-file: func(n: u32) -> u32;
    export write-stdout: func(n: u32) -> u32;
}
`;
  const raw = readFileSync(join(REPO_ROOT, 'scripts', 'bench', 'bench-guest.wat'), 'utf8');
  const text = expandWatIncludes(raw, join(REPO_ROOT, 'guest-examples', 'wat-common'), 'bench-guest.wat');
  return coreToComponent(await watToCore(text, 'bench-guest.wat'), world);
}

test('every sync host-import trampoline of these guests is rewritten; the task machinery is gone from them', async () => {
  for (const [name, bytes] of [
    ['hello', await buildComponent(guests.hello)],
    ['fsProbe', await buildComponent(guests.fsProbe)],
    ['caps', await buildComponent(guests.caps)],
    ['bench', await benchGuest()],
  ] as const) {
    const js = await generatedJs(bytes);
    const lowered = [...js.matchAll(/let trampoline(\d+) = _trampoline\1\.manuallyAsync/g)].map((m) => Number(m[1]));
    assert.ok(lowered.length > 0, name);
    const r = leanImports(js);
    assert.equal(r.untouched, undefined, name);
    assert.deepEqual(r.skipped, [], name);
    assert.deepEqual(
      [...r.rewritten].sort((a, b) => a - b),
      lowered.sort((a, b) => a - b),
      name,
    );
    for (const n of r.rewritten) {
      const body = new RegExp(`const _trampoline${n} = function[\\s\\S]*?_trampoline${n}\\.fnName`).exec(r.code)![0];
      assert.doesNotMatch(body, /createNewCurrentTask|_withGlobalCurrentTaskMeta|enterSync|\btask\./, `${name} #${n}`);
      assert.match(body, /markTrapped\((?:err|e)\)/, `${name} #${n}: a trap still marks the instance`);
      assert.match(r.code, new RegExp(`let trampoline${n} = function\\([^)]*\\) \\{\\n\\s*_checkMayLeave\\(\\d+\\);`), `${name} #${n}`);
      // The host call takes the value, not a closure made per call.
      assert.doesNotMatch(body, /_trackHostOperation\(\(\) =>/, `${name} #${n}`);
      assert.match(body, /_trackHostResult\(/, `${name} #${n}`);
    }
    assert.match(r.code, /function _trackHostResult\(result\) \{\n\s*if \(result === null \|\|/, name);
    // Nothing adds to the never-read `_createdReps` sets (one entry per resource, never freed).
    assert.match(js, /table\._createdReps\.add\(rep\);/, `${name}: the generated code has the add`);
    assert.doesNotMatch(r.code, /_createdReps\.add/, name);
    assert.doesNotMatch(r.code, /_lowerImportBackwardsCompat\.bind/, name);
    assert.equal(leanImports(r.code).rewritten.length, 0, `${name}: a second pass finds nothing left to do`);
  }
});

test('fails closed: a trampoline of unknown shape keeps jco glue; component-model async leaves the module alone', async () => {
  const js = await generatedJs(await buildComponent(guests.hello));
  const all = leanImports(js).rewritten;
  // One trampoline's end changed: that one is left as generated (and its lowering with it).
  const n = all[0]!;
  const at = js.indexOf(`_trampoline${n}.fnName = `);
  const exit = js.lastIndexOf('task.exit();', at);
  const odd = js.slice(0, exit) + 'task.exit(); globalThis.__probe = task;' + js.slice(exit + 'task.exit();'.length);
  const r = leanImports(odd);
  assert.deepEqual(
    r.skipped.map((s) => s.index),
    [n],
  );
  assert.deepEqual(r.rewritten, all.slice(1));
  assert.match(r.code, new RegExp(`let trampoline${n} = _trampoline${n}\\.manuallyAsync \\? `));
  assert.match(r.code, /_lowerImportBackwardsCompat\.bind/);
  // Async lowering anywhere: nothing is touched.
  const asyncJs = js.replace('isAsync: false,', 'isAsync: true,');
  const a = leanImports(asyncJs);
  assert.equal(a.code, asyncJs);
  assert.match(a.untouched ?? '', /component-model async/);
  // JSPI imports chosen by the embedder (`_trampolineN.manuallyAsync = true`): nothing is touched.
  const jspi = js + `\n_trampoline${n}.manuallyAsync = true;\n`;
  assert.equal(leanImports(jspi).code, jspi);
});

test('the cache key names the step: on and off are separate entries, each verified', async () => {
  const dir = tempDir('molt-lean-cache-');
  const comp = await buildComponent(guests.hello);
  const lean = await withGlue(true, async () => ({ id: transpilerId(), on: leanImportsEnabled(), e: await getTranspiled(comp, dir) }));
  const gen = await withGlue(false, async () => ({ id: transpilerId(), on: leanImportsEnabled(), e: await getTranspiled(comp, dir) }));
  assert.match(lean.id, /^jco-transpile@\d+\.\d+\.\d+\+lean-imports@\d+\+jspi-probe@\d+$/);
  assert.match(gen.id, /^jco-transpile@\d+\.\d+\.\d+$/);
  assert.deepEqual([lean.on, gen.on], [true, false]);
  assert.notEqual(lean.e.dir, gen.e.dir);
  assert.equal(gen.e.built, true, 'an entry made with the step is never reused without it');
  assert.doesNotMatch(readFileSync(join(lean.e.dir, 'component.js'), 'utf8'), /_lowerImportBackwardsCompat\.bind/);
  assert.match(readFileSync(join(gen.e.dir, 'component.js'), 'utf8'), /_lowerImportBackwardsCompat\.bind/);
});

/** What a run shows from outside: compared between the two glues. */
function observed(r: RunResult<string>, out: string, audit: ReturnType<typeof auditLog>): unknown {
  return {
    exitCode: r.exitCode,
    outcome: r.outcome,
    error:
      r.error === undefined
        ? undefined
        : { class: r.error.constructor.name, message: r.error.message, runtimeError: r.error instanceof WebAssembly.RuntimeError },
    out,
    audit: audit.records.map((x) => [x.operation, x.decision, x.capability, x.target, x.code]),
  };
}

test('the same guests give the same output, exit codes, traps and audit records with and without the step', async () => {
  const files = tempDir('molt-lean-fs-');
  mkdirSync(join(files, 'sub'));
  writeFileSync(join(files, 'f.txt'), 'file-content');
  const cases: Array<{ name: string; guest: guests.GuestSource; opts: Parameters<ReturnType<typeof createHost>['run']>[1] }> = [
    { name: 'hello granted', guest: guests.hello, opts: { manifest: policy({ 'console.write': true }), args: ['hello', 'a'] } },
    { name: 'hello denied (capability trap)', guest: guests.hello, opts: {} },
    { name: 'clock granted', guest: guests.clock, opts: { manifest: policy({ 'console.write': true, time: true }) } },
    { name: 'clock denied', guest: guests.clock, opts: { manifest: policy({ 'console.write': true }, { time: true }) } },
    {
      name: 'env filtered',
      guest: guests.env,
      opts: { manifest: policy({ 'console.write': true, env: ['MOLT_A'] }), env: { MOLT_A: '1', SECRET: 's' } },
    },
    { name: 'exit 42', guest: guests.exit, opts: { manifest: policy({ 'console.write': true }), args: ['exit', '42'] } },
    { name: 'unreachable', guest: guests.trap, opts: { manifest: policy({ 'console.write': true }) } },
    { name: 'run returns err', guest: guests.runErr, opts: { manifest: policy({ 'console.write': true }) } },
    { name: 'caps', guest: guests.caps, opts: { manifest: policy({ 'console.write': true, time: true }) } },
    {
      name: 'fs read allowed, write denied (own/borrow descriptors, error results)',
      guest: guests.fsProbe,
      opts: {
        manifest: policy({ 'console.write': true, 'fs.read': ['/data'] }),
        dirs: { '/data': files },
        args: ['probe', 'R', '0', 'f.txt', 'W', '0', 'g.txt', 'R', '0', 'missing', 'S', '0', 'sub'],
      },
    },
  ];
  for (const c of cases) {
    const bytes = await buildComponent(c.guest);
    const results: unknown[] = [];
    for (const lean of [true, false]) {
      results.push(
        await withGlue(lean, async () => {
          const out = capture();
          const audit = auditLog();
          const host = createHost({ cacheDir: tempDir('molt-lean-eq-') });
          const r = await host.run(bytes, { ...c.opts, stdout: out.sink, stderr: out.sink, audit: audit.sink });
          return observed(r, out.text(), audit);
        }),
      );
    }
    assert.deepEqual(results[0], results[1], c.name);
  }
});

interface BenchExports {
  clockNow(n: number): bigint;
  readFile(n: number): number;
  writeStdout(n: number): number;
}

test('exports called again: resources come and go the same; a capability trap kills the instance in both', async () => {
  const bytes = await benchGuest();
  const data = tempDir('molt-lean-bench-');
  writeFileSync(join(data, 'small.txt'), 'a small file for the molt-wasm read benchmark\n'.repeat(4));
  for (const lean of [true, false]) {
    await withGlue(lean, async () => {
      const engine = new PolicyEngine();
      const manifest = normalizeManifest({ version: 1, allow: { time: true, 'console.write': true, 'fs.read': ['/bench'] }, deny: {} });
      const subject = engine.createSubject(manifest, 'lean');
      let written = 0;
      const sink = (b: Uint8Array): void => void (written += b.length);
      const wasi = createGatedWasi({
        engine,
        subject,
        platform: nodePlatform,
        preopens: planPreopens(manifest, { '/bench': data }),
        io: { stdout: sink, stderr: sink },
      });
      const loaded = await loadGuest(bytes, new Set(Object.keys(wasi)), tempDir('molt-lean-bc-'));
      if (loaded.kind !== 'component') throw new Error('not a component');
      const e = (await loaded.instantiate(wasi)) as unknown as BenchExports;
      // Many calls: every descriptor and stream handle is dropped and reused, none leak into errors.
      for (let i = 0; i < 5; i++) assert.equal(e.readFile(50), 0, `lean=${lean}`);
      assert.equal(e.writeStdout(10), 0);
      assert.ok(written > 0);
      assert.equal(typeof e.clockNow(100), 'bigint');
      engine.revoke(subject, 'time');
      assert.throws(
        () => e.clockNow(1),
        (err: unknown) => err instanceof CapabilityTrap && err.iface === 'wasi:clocks/monotonic-clock',
        `lean=${lean}`,
      );
      // The instance is dead: even a call that needs no capability is refused.
      assert.throws(
        () => e.readFile(1),
        (err: unknown) => err instanceof WebAssembly.RuntimeError && /cannot enter component instance/.test(err.message),
        `lean=${lean}`,
      );
    });
  }
});

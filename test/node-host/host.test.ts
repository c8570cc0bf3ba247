/**
 * The Node host through the library API: each capability granted, scoped, denied and revoked
 * mid-run, with guest-visible results and audit records; isolation between guests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHost, CapabilityTrap, UnknownImportError, WasmFormatError } from '../../host/index.js';
import { auditLog, buildComponent, capture, policy, tempDir } from './helpers.js';
import * as guests from './guests/guests.js';

const host = createHost({ cacheDir: tempDir('molt-cache-') });

test('console.write granted: the guest writes to its own stdout sink', async () => {
  const out = capture();
  const a = auditLog();
  const r = await host.run(await buildComponent(guests.hello), {
    manifest: policy({ 'console.write': true }),
    args: ['hello', 'a', 'b'],
    stdout: out.sink,
    audit: a.sink,
  });
  assert.equal(r.exitCode, 0);
  assert.equal(r.outcome, 'returned');
  assert.equal(out.text(), 'hello\na\nb\n');
  const rec = a.records.find((x) => x.operation === 'wasi:cli/stdout#get-stdout');
  assert.ok(rec);
  assert.equal(rec.decision, 'allow');
  assert.equal(rec.capability, 'console.write');
  assert.equal(rec.subject, r.subject);
  assert.ok(!Number.isNaN(Date.parse(rec.time)));
});

test('console.write denied (the library default grants nothing): trap, exit 77, audit deny', async () => {
  const out = capture();
  const a = auditLog();
  const r = await host.run(await buildComponent(guests.hello), { stdout: out.sink, audit: a.sink });
  assert.equal(r.exitCode, 77);
  assert.equal(r.outcome, 'capability-trap');
  assert.ok(r.error instanceof CapabilityTrap);
  assert.ok(r.error instanceof WebAssembly.RuntimeError);
  assert.equal(r.error.message, "capability 'console.write' denied: wasi:cli/stdout#get-stdout");
  assert.equal(out.text(), '');
  const deny = a.records.find((x) => x.decision === 'deny');
  assert.deepEqual(deny && { capability: deny.capability, operation: deny.operation, code: deny.code, target: deny.target }, {
    capability: 'console.write',
    operation: 'wasi:cli/stdout#get-stdout',
    code: 'missing',
    target: null,
  });
});

test('console.write revoked mid-run: the next write traps', async () => {
  const chunks: string[] = [];
  const guest = await host.prepare(await buildComponent(guests.hello), {
    manifest: policy({ 'console.write': true }),
    args: ['hello', 'second'],
    stdout: (b) => {
      chunks.push(Buffer.from(b).toString());
      host.engine.revoke(guest.subject, 'console.write');
    },
  });
  const r = await guest.start();
  assert.deepEqual(chunks, ['hello\n']);
  assert.equal(r.outcome, 'capability-trap');
  assert.equal((r.error as CapabilityTrap).func, 'output-stream.blocking-write-and-flush');
});

test('time granted: both clocks read', async () => {
  const out = capture();
  const r = await host.run(await buildComponent(guests.clock), {
    manifest: policy({ 'console.write': true, time: true }),
    stdout: out.sink,
  });
  assert.equal(r.exitCode, 0, r.error?.message);
  assert.equal(out.text(), 'start\nwall\nmono\n');
});

test('time denied: the wall clock traps with capability, interface and function', async () => {
  const out = capture();
  const a = auditLog();
  const r = await host.run(await buildComponent(guests.clock), {
    manifest: policy({ 'console.write': true }, { time: true }),
    stdout: out.sink,
    audit: a.sink,
  });
  assert.equal(r.exitCode, 77);
  const t = r.error as CapabilityTrap;
  assert.deepEqual([t.capability, t.iface, t.func], ['time', 'wasi:clocks/wall-clock', 'now']);
  assert.equal(out.text(), 'start\n');
  assert.ok(a.records.some((x) => x.operation === 'wasi:clocks/wall-clock#now' && x.decision === 'deny'));
});

test('time revoked mid-run: the monotonic clock traps after the wall clock worked', async () => {
  const out: string[] = [];
  const guest = await host.prepare(await buildComponent(guests.clock), {
    manifest: policy({ 'console.write': true, time: true }),
    stdout: (b) => {
      const s = Buffer.from(b).toString();
      out.push(s);
      if (s === 'wall\n') host.engine.revoke(guest.subject, 'time');
    },
  });
  const r = await guest.start();
  assert.equal(out.join(''), 'start\nwall\n');
  assert.equal((r.error as CapabilityTrap).iface, 'wasi:clocks/monotonic-clock');
});

test('env: not granted reads as empty (audited); granted by name filters; unscoped shows all', async () => {
  const comp = await buildComponent(guests.env);
  const env = { HOME: '/home/g', SECRET: 's3', MOLT_A: '1', MOLT_B: '2' };
  const deniedOut = capture();
  const deniedAudit = auditLog();
  // SPEC section 5: no trap, no variables, and the denial is in the audit log.
  const denied = await host.run(comp, {
    manifest: policy({ 'console.write': true }),
    env,
    stdout: deniedOut.sink,
    audit: deniedAudit.sink,
  });
  assert.equal(denied.exitCode, 0);
  assert.equal(denied.outcome, 'returned');
  assert.equal(deniedOut.text(), 'end\n');
  assert.ok(
    deniedAudit.records.some(
      (x) => x.capability === 'env' && x.operation === 'wasi:cli/environment#get-environment' && x.decision === 'deny',
    ),
  );

  const out = capture();
  const a = auditLog();
  const scoped = await host.run(comp, {
    manifest: policy({ 'console.write': true, env: ['HOME', 'MOLT_*'] }, { env: ['MOLT_B'] }),
    env,
    stdout: out.sink,
    audit: a.sink,
  });
  assert.equal(scoped.exitCode, 0);
  assert.equal(out.text(), 'HOME=/home/g\nMOLT_A=1\nend\n');
  assert.ok(a.records.some((x) => x.capability === 'env' && x.target === 'SECRET' && x.decision === 'deny'));

  const all = capture();
  await host.run(comp, { manifest: policy({ 'console.write': true, env: true }), env, stdout: all.sink });
  assert.equal(all.text(), 'HOME=/home/g\nSECRET=s3\nMOLT_A=1\nMOLT_B=2\nend\n');
});

test('exit: the code comes back to the caller, the host process keeps running', async () => {
  const out = capture();
  const r = await host.run(await buildComponent(guests.exit), {
    manifest: policy({ 'console.write': true }),
    args: ['exit', '42'],
    stdout: out.sink,
  });
  assert.equal(r.exitCode, 42);
  assert.equal(r.outcome, 'exited');
  assert.equal(out.text(), 'bye\n'); // nothing after exit ran
});

test('a trap is exit 70 and the host runs the next guest', async () => {
  const r = await host.run(await buildComponent(guests.trap), { manifest: policy({ 'console.write': true }) });
  assert.equal(r.exitCode, 70);
  assert.equal(r.outcome, 'trap');
  assert.ok(r.error instanceof WebAssembly.RuntimeError);
  const out = capture();
  const next = await host.run(await buildComponent(guests.hello), {
    manifest: policy({ 'console.write': true }),
    stdout: out.sink,
  });
  assert.equal(next.exitCode, 0);
  assert.equal(out.text(), 'hello\n');
});

test("run returning err is the guest's own failure: exit 1, no trap, and the host runs the next guest", async () => {
  const out = capture();
  const r = await host.run(await buildComponent(guests.runErr), { manifest: policy({ 'console.write': true }), stdout: out.sink });
  assert.deepEqual([r.exitCode, r.outcome, r.error], [1, 'exited', undefined]);
  assert.equal(out.text(), 'failing\n');
  const next = await host.run(await buildComponent(guests.hello), { manifest: policy({ 'console.write': true }) });
  assert.equal(next.exitCode, 0);
});

test('molt:capabilities answers from the live policy', async () => {
  const out = capture();
  const r = await host.run(await buildComponent(guests.caps), {
    manifest: policy({ 'console.write': true, time: true }),
    stdout: out.sink,
  });
  assert.equal(r.exitCode, 0, r.error?.message);
  // enum indices: ok 0, missing 1, subject-invalid 2, cap-invalid 3
  assert.equal(out.text(), '0\n0\n3\n3\n1 1\nconsole.write time \n');

  const out2 = capture();
  const g = await host.prepare(await buildComponent(guests.caps), {
    manifest: policy({ 'console.write': true, time: true, net: true }),
    stdout: out2.sink,
  });
  host.engine.revoke(g.subject, 'time');
  await g.start();
  assert.equal(out2.text(), '1\n1\n3\n3\n0 0\nconsole.write net \n');
});

test('unknown imports are refused before running, listed by name', async () => {
  await assert.rejects(
    host.run(await buildComponent(guests.unknownImport), {}),
    (e: unknown) => e instanceof UnknownImportError && e.imports.includes('local:extra/thing'),
  );
});

test('bad input: not wasm and truncated are WasmFormatError', async () => {
  await assert.rejects(host.run(new TextEncoder().encode('hello'), {}), WasmFormatError);
  const hello = await buildComponent(guests.hello);
  await assert.rejects(host.run(hello.subarray(0, 100), {}), WasmFormatError);
});

test('two guests: separate env, stdout and exit, interleaved', async () => {
  const outA = capture();
  const outB = capture();
  const a = await host.prepare(await buildComponent(guests.env), {
    manifest: policy({ 'console.write': true, env: true }),
    env: { WHO: 'a' },
    stdout: outA.sink,
  });
  const b = await host.prepare(await buildComponent(guests.env), {
    manifest: policy({ 'console.write': true, env: ['OTHER'] }),
    env: { WHO: 'b', OTHER: 'x' },
    stdout: outB.sink,
  });
  const x = await host.prepare(await buildComponent(guests.exit), {
    manifest: policy({ 'console.write': true }),
    args: ['exit', '07'],
  });
  assert.notEqual(a.subject, b.subject);
  assert.equal((await x.start()).exitCode, 7);
  assert.equal((await b.start()).exitCode, 0);
  assert.equal((await a.start()).exitCode, 0);
  assert.equal(outA.text(), 'WHO=a\nend\n');
  assert.equal(outB.text(), 'OTHER=x\nend\n');
});

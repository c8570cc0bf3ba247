// Models a guest ending the host process (the class of exit-host.test.ts: the shim's
// wasi:cli/exit called process.exit; here through wasi:io instead) and host exhaustion through
// a host call (Wasmtime GHSA-852m-cvvp-9p4w family: one call the host cannot survive). A guest
// granted `net` for one address got preview2-shim's own TCP streams from finish-connect; their
// `blocking-splice` sends the shim's I/O worker the SOURCE stream's private id, and every
// other stream a guest holds (stdin, a file, an HTTP body) is molt-wasm's, with none. The shim
// answered that error with console.trace and process.exit(1): `out.blocking-splice(stdin, n)`,
// an ordinary way to pipe stdin to a socket, ended the embedding process and every guest in
// it. The same streams took other guest-chosen lengths to the shim unbounded: `write-zeroes(n)`
// and `skip(n)` allocated n bytes in its I/O worker (a GiB per call, past the zero-fill bound of
// files and stdout), a `write` past `check-write` exited the process too. Driven through the 0.2 API in a child node process (the guest's calls as jco makes them),
// so the process ending is seen, not suffered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../node-host/helpers.js';

const dist = new URL('../..', import.meta.url).href;

/** The child: a guest (net to the port, fs.read on a dir) splices stdin, then a file, into a socket. */
const CHILD = `
const [port, dir] = process.argv.slice(1);
const { createGatedWasi } = await import(${JSON.stringify(dist + 'host/gate/index.js')});
const { nodePlatform } = await import(${JSON.stringify(dist + 'host/node/platform.js')});
const { PolicyEngine } = await import(${JSON.stringify(dist + 'host/policy/index.js')});
const engine = new PolicyEngine();
const subject = engine.createSubject({ version: 1, allow: { net: ['127.0.0.1:' + port], 'fs.read': ['/data'] }, deny: {} });
const g = createGatedWasi({
  engine, subject, platform: nodePlatform,
  preopens: [{ guest: '/data', host: dir }],
  io: { stdin: new TextEncoder().encode('FROM-STDIN;') },
});
const until = async (f) => { for (;;) { try { return f(); } catch (e) { if (e !== 'would-block') throw e; await new Promise((r) => setTimeout(r, 5)); } } };
const s = g['wasi:sockets/tcp-create-socket'].createTcpSocket('ipv4');
s.startConnect(g['wasi:sockets/instance-network'].instanceNetwork(), { tag: 'ipv4', val: { port: Number(port), address: [127, 0, 0, 1] } });
const [inp, out] = await until(() => s.finishConnect());
const stdin = g['wasi:cli/stdin'].getStdin();
console.log('stdin', String(out.blockingSplice(stdin, 1n << 40n)));
const [[root]] = g['wasi:filesystem/preopens'].getDirectories();
const file = root.openAt({}, 'f.txt', {}, { read: true }).readViaStream(0n);
let n;
try { n = out.splice(file, 5n); } catch (e) { n = 'error ' + JSON.stringify(e); }
console.log('file', String(n));
console.log('file-rest', String(out.blockingSplice(file, 100n)));
out.blockingFlush();
// Lengths past what the WIT permits trap the guest (HostLimitTrap); the shim exited or allocated them.
const trapOf = (f) => { try { f(); return 'no trap'; } catch (e) { return e?.name ?? JSON.stringify(e); } };
console.log('zeroes', trapOf(() => out.writeZeroes(1n << 30n)));
console.log('blocking-zeroes', trapOf(() => out.blockingWriteZeroesAndFlush(1n << 30n)));
console.log('write', trapOf(() => out.write(new Uint8Array(1 << 20))));
let skipped = 0n;
for (let i = 0; i < 1000 && skipped === 0n; i++) {
  skipped = await until(() => inp.skip(1n << 40n));
  if (skipped === 0n) await new Promise((r) => setTimeout(r, 5));
}
console.log('skip', String(skipped));
console.log('ALIVE');
process.exit(0);
`;

test('blocking-splice and splice of a molt-wasm stream into a TCP stream move the bytes, never end the host', async () => {
  const dir = tempDir('molt-adv-splice-');
  writeFileSync(join(dir, 'f.txt'), 'FROM-FILE.');
  let received = '';
  const conns = new Set<Socket>();
  const server = createServer((c) => {
    conns.add(c);
    c.write('abc');
    c.on('data', (d) => (received += d.toString()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    // Asynchronous: a synchronous spawn would block this thread's server.
    const child = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, ['--input-type=module', '-e', CHILD, String(port), dir]);
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      p.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    assert.equal(child.status, 0, `the host process ended: ${child.stderr}`);
    assert.match(child.stdout, /ALIVE/);
    assert.doesNotMatch(child.stderr, /wasi-io trap/);
    assert.match(child.stdout, /^stdin 11$/m);
    assert.match(child.stdout, /^file 5$/m);
    assert.match(child.stdout, /^file-rest 5$/m);
    assert.match(child.stdout, /^zeroes HostLimitTrap$/m);
    assert.match(child.stdout, /^blocking-zeroes HostLimitTrap$/m);
    assert.match(child.stdout, /^write HostLimitTrap$/m);
    assert.match(child.stdout, /^skip 3$/m);
    for (const guard = Date.now() + 10_000; received.length < 21 && Date.now() < guard;) await new Promise((r) => setTimeout(r, 20));
    assert.equal(received, 'FROM-STDIN;FROM-FILE.');
  } finally {
    for (const c of conns) c.destroy();
    await new Promise((r) => server.close(r));
  }
});

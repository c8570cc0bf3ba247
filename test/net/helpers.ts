/**
 * Test support for the network gates: a guest's gated import object over the real Node
 * platform (preview2-shim), loopback servers started by the test (127.0.0.1, ::1 only), and
 * non-blocking drivers for the shim's resources (the shim's I/O runs in its worker; polling
 * with short sleeps keeps this thread's event loop, and so the test's own servers, running).
 */
import assert from 'node:assert/strict';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createGatedWasi, type AuditRecord, type WasiImportObject, type WasiPlatform } from '../../host/gate/index.js';
import type { IpAddress, IpSocketAddress, Network, OutgoingRequest } from '../../host/gate/wasi.js';
import { nodePlatform } from '../../host/node/platform.js';
import { Gate } from '../../host/gate/gate.js';
import { createGatedNet, type Resolution } from '../../host/gate/net.js';
import { PolicyEngine } from '../../host/policy/index.js';
import type { CanonicalManifest, SubjectId } from '../../host/policy/types.js';

export function policy(allow: CanonicalManifest['allow'], deny: CanonicalManifest['deny'] = {}): CanonicalManifest {
  return { version: 1, allow, deny };
}

/** The interfaces a network test reaches (guestWithResolver builds only these). */
type NetInterface =
  | 'wasi:sockets/instance-network'
  | 'wasi:sockets/network'
  | 'wasi:sockets/ip-name-lookup'
  | 'wasi:sockets/tcp'
  | 'wasi:sockets/tcp-create-socket'
  | 'wasi:sockets/udp'
  | 'wasi:sockets/udp-create-socket'
  | 'wasi:http/types'
  | 'wasi:http/outgoing-handler';

export interface Guest {
  readonly engine: PolicyEngine;
  readonly subject: SubjectId;
  readonly imports: Pick<WasiImportObject, NetInterface>;
  readonly audit: AuditRecord[];
  /** The guest's own network handle (`instance-network`). */
  readonly network: Network;
}

/** A guest's gated import object: its own subject, its own audit list. */
export function guest(manifest: CanonicalManifest, platform: WasiPlatform = nodePlatform, engine = new PolicyEngine()): Guest {
  const subject = engine.createSubject(manifest, 'net-test');
  const audit: AuditRecord[] = [];
  const imports = createGatedWasi({ engine, subject, platform, audit: (r) => void audit.push(r) });
  return { engine, subject, imports, audit, network: imports['wasi:sockets/instance-network'].instanceNetwork() };
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

/** Calls `f` until it stops throwing `would-block` (a non-blocking wait on the shim's worker). */
export async function until<T>(f: () => T, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return f();
    } catch (e) {
      if (e !== 'would-block' || Date.now() > end) throw e;
      await tick();
    }
  }
}

/** What a gated call threw (a WIT error value), or `'no error'`. */
export async function thrown(f: () => unknown): Promise<unknown> {
  try {
    await f();
    return 'no error';
  } catch (e) {
    return e;
  }
}

/** `ip-name-lookup`: every address the lookup of `name` gives, as WASI records. */
export async function lookup(g: Guest, name: string): Promise<IpAddress[]> {
  const stream = g.imports['wasi:sockets/ip-name-lookup'].resolveAddresses(g.network, name);
  const out: IpAddress[] = [];
  for (;;) {
    const a = await until(() => stream.resolveNextAddress());
    if (a === undefined) return out;
    out.push(a);
  }
}

export const v4 = (address: number[], port: number): IpSocketAddress => ({
  tag: 'ipv4',
  val: { port, address: address as [number, number, number, number] },
});
export const v6 = (address: number[], port: number): IpSocketAddress => ({
  tag: 'ipv6',
  val: { port, address: address as [number, number, number, number, number, number, number, number], flowInfo: 0, scopeId: 0 },
});
/** ::ffff:a.b.c.d as an IPv6 socket address. */
export const mapped = ([a, b, c, d]: number[], port: number) => v6([0, 0, 0, 0, 0, 0xffff, (a! << 8) | b!, (c! << 8) | d!], port);

/** TCP connect through the gated import object; resolves to the bytes the server sent first. */
export async function tcpConnect(g: Guest, remote: IpSocketAddress): Promise<string> {
  const sock = g.imports['wasi:sockets/tcp-create-socket'].createTcpSocket(remote.tag);
  try {
    sock.startConnect(g.network, remote);
    const [input] = await until(() => sock.finishConnect());
    for (;;) {
      const bytes = input.read(64n);
      if (bytes.length > 0) return Buffer.from(bytes).toString();
      await tick();
    }
  } finally {
    sock[Symbol.dispose]?.();
  }
}

/** A TCP server on `host` (loopback) that writes `hello` to each client. */
export async function tcpServer(
  host = '127.0.0.1',
  hello = 'hello',
): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server: TcpServer = createTcpServer((s) => {
    n++;
    s.end(hello);
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(0, host, () => res());
  });
  const port = (server.address() as { port: number }).port;
  return { port, accepted: () => n, close: () => new Promise((r) => server.close(() => r())) };
}

/** A UDP socket on 127.0.0.1 collecting what it receives. */
export async function udpServer(): Promise<{ port: number; received: string[]; close: () => void }> {
  const sock: UdpSocket = createSocket('udp4');
  const received: string[] = [];
  sock.on('message', (m) => received.push(m.toString()));
  await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
  return { port: sock.address().port, received, close: () => sock.close() };
}

export interface SeenRequest {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** An HTTP server on 127.0.0.1 answering 203 and `molt <path>`; records every request. */
export async function httpServer(): Promise<{ port: number; seen: SeenRequest[]; close: () => Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server: HttpServer = createHttpServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(203, { 'content-type': 'text/plain' });
    res.end(`molt ${req.url}`);
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => res());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    seen,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** An outgoing GET built with the platform's own `wasi:http/types` (body finished). */
export function outgoingGet(g: Guest, scheme: 'HTTP' | 'HTTPS', authority: string, path = '/x'): OutgoingRequest {
  const T = g.imports['wasi:http/types'];
  const req = new T.OutgoingRequest(new T.Fields());
  req.setScheme({ tag: scheme });
  req.setAuthority(authority);
  req.setPathWithQuery(path);
  T.OutgoingBody.finish(req.body(), undefined);
  return req;
}

/** `handle` then wait for the response; resolves to status and body text. */
export async function httpGet(g: Guest, request: OutgoingRequest): Promise<{ status: number; body: string }> {
  const future = g.imports['wasi:http/outgoing-handler'].handle(request, undefined);
  let r: ReturnType<typeof future.get>;
  for (const end = Date.now() + 10_000; (r = future.get()) === undefined;) {
    if (Date.now() > end) throw new Error('no response');
    await tick();
  }
  assert.equal(r.tag, 'ok');
  assert.ok(r.tag === 'ok' && r.val.tag === 'ok', `response error: ${JSON.stringify(r.val)}`);
  const response = r.val.val;
  const stream = response.consume().stream();
  let body = '';
  for (;;) {
    try {
      body += Buffer.from(stream.read(4096n)).toString();
    } catch (e) {
      if ((e as { tag?: string }).tag === 'closed') break;
      throw e;
    }
    await tick();
  }
  return { status: response.status(), body };
}

/** The audit records for `net`, as `operation target decision` lines. */
export function netAudit(g: Guest): string[] {
  return g.audit.filter((r) => r.capability === 'net').map((r) => `${r.operation} ${r.target} ${r.decision}`);
}

/**
 * A guest whose HTTP resolver is `resolve` (the gate's one resolution; tests model DNS
 * answers with it). Only the network interfaces: enough for wasi:http and wasi:sockets.
 */
export function guestWithResolver(manifest: CanonicalManifest, resolve: (name: string) => Resolution): Guest {
  const engine = new PolicyEngine();
  const subject = engine.createSubject(manifest, 'net-test');
  const audit: AuditRecord[] = [];
  const imports = createGatedNet(new Gate(engine, subject, (r) => void audit.push(r)), nodePlatform, { resolve });
  return { engine, subject, imports, audit, network: imports['wasi:sockets/instance-network'].instanceNetwork() };
}

/** An HTTP server on `host:port` (port 0 = any) answering `status` with `headers`; counts TCP connections. */
export async function countingServer(
  host: string,
  port = 0,
  answer: { status: number; headers?: Record<string, string> } = { status: 203 },
): Promise<{ port: number; connections: () => number; seen: SeenRequest[]; close: () => Promise<void> }> {
  const seen: SeenRequest[] = [];
  let connections = 0;
  const server: HttpServer = createHttpServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
    res.end(`molt ${req.url}`);
  });
  server.on('connection', () => void connections++);
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(port, host, () => res());
  });
  return {
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    seen,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

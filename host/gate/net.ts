/**
 * Entry-point net checks for `wasi:sockets` and `wasi:http` (SPEC section 5): the hooks the
 * full socket/HTTP gates (host/gate/sockets.ts, host/gate/http.ts) replace. Here: creating a
 * TCP/UDP socket needs `net` granted at all; a DNS lookup needs `net` for the name; an
 * outgoing HTTP request needs `net` for its authority. Denials use each interface's own
 * error (`access-denied`, `HTTP-request-denied`). Platform-neutral.
 */
import { CapId, type Gate } from './gate.js';
import type { WasiImportObject, WasiInterface, WasiPlatform } from './types.js';

/** Splits `host:port` / `[v6]:port` into the engine's net target. */
export function authorityTarget(authority: string): { kind: 'net'; host: string; port?: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(authority) ?? /^([^:]+)(?::(\d+))?$/.exec(authority);
  if (m === null) return { kind: 'net', host: authority };
  return m[2] === undefined ? { kind: 'net', host: m[1]! } : { kind: 'net', host: m[1]!, port: Number(m[2]) };
}

export function createGatedNet(gate: Gate, platform: WasiPlatform): WasiImportObject {
  const s = platform.createSockets();
  const tcpCreate: WasiInterface = s.tcpCreateSocket;
  const udpCreate: WasiInterface = s.udpCreateSocket;
  const lookup: WasiInterface = s.ipNameLookup;
  const outgoing: WasiInterface = platform.http.outgoingHandler;
  return {
    'wasi:sockets/instance-network': s.instanceNetwork,
    'wasi:sockets/network': s.network,
    'wasi:sockets/tcp': s.tcp,
    'wasi:sockets/udp': s.udp,
    'wasi:sockets/tcp-create-socket': {
      createTcpSocket(family: string): unknown {
        if (!gate.allowsId(CapId.net, 'wasi:sockets/tcp-create-socket', 'create-tcp-socket')) throw 'access-denied';
        return tcpCreate.createTcpSocket(family);
      },
    },
    'wasi:sockets/udp-create-socket': {
      createUdpSocket(family: string): unknown {
        if (!gate.allowsId(CapId.net, 'wasi:sockets/udp-create-socket', 'create-udp-socket')) throw 'access-denied';
        return udpCreate.createUdpSocket(family);
      },
    },
    'wasi:sockets/ip-name-lookup': {
      ...lookup,
      resolveAddresses(network: unknown, name: string): unknown {
        if (!gate.allows('net', { kind: 'net', host: name }, 'wasi:sockets/ip-name-lookup', 'resolve-addresses')) {
          throw 'access-denied';
        }
        return lookup.resolveAddresses(network, name);
      },
    },
    'wasi:http/types': platform.http.types,
    'wasi:http/outgoing-handler': {
      handle(request: WasiInterface, options: unknown): unknown {
        const authority = String(request.authority?.() ?? '');
        if (!gate.allows('net', authorityTarget(authority), 'wasi:http/outgoing-handler', 'handle')) {
          throw { tag: 'HTTP-request-denied' };
        }
        return outgoing.handle(request, options);
      },
    },
    ...(platform.http.incomingHandler ? { 'wasi:http/incoming-handler': platform.http.incomingHandler } : {}),
  };
}

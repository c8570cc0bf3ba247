/**
 * `wasi:sockets/*` for one guest (SPEC section 5): every lookup, connect, bind, listen and
 * send is decided by the guest's NetDecider; a denial is the interface's own `access-denied`.
 *
 * The platform's sockets run with the network switched ON for this guest (its own `Network`
 * from `createSockets()`, never a process-wide switch): the gate decides, not the platform.
 *
 * The guest sees classes created here, per guest, that hold the platform's resources by
 * composition (jco checks resource arguments and results with `instanceof` against the
 * classes in the import object, and the platform's classes keep their state in `#private`
 * fields, so a wrapper must be its own class, never a lookalike). Platform resources never
 * reach the guest: accept() and stream() wrap what they return. Streams and pollables are
 * `wasi:io` resources: pollables pass through, a connection's streams are wrapped
 * (socket-streams.ts: the platform's own splice ends the process on a stream it did not make).
 *
 * Inbound traffic is gated where it is opened (bind, listen; accept re-checks the listening
 * address), not per peer: like Deno's `--allow-net` for a listener. Bytes on a connection
 * that is already open keep flowing after a revocation; new connections, sends and accepts
 * are refused. Platform-neutral.
 */
import { CapId } from './gate.js';
import { Address, resolverName } from '../net/address.js';
import { socketEndpoint, type Endpoint } from '../net/endpoint.js';
import type { NetDecider } from './net-policy.js';
import { closeEachLeftOpen, disposeInner } from './resource.js';
import { createSocketStreamClasses } from './socket-streams.js';
import type { WasiImportsPart, WasiPlatform } from './types.js';
import type {
  IncomingDatagram,
  IncomingDatagramStream,
  InputStream,
  IpAddress,
  IpAddressFamily,
  IpSocketAddress,
  Network,
  OutgoingDatagram,
  OutgoingDatagramStream,
  OutputStream,
  Pollable,
  ResolveAddressStream,
  TcpSocket,
  UdpSocket,
} from './wasi.js';

const DENIED = 'access-denied';

/** The longest name `resolve-addresses` takes (a DNS name with its trailing dot). */
export const MAX_LOOKUP_NAME = 254;

/** Sockets (TCP, UDP, accepted connections) one guest may hold at once; past it `new-socket-limit`. */
export const MAX_OPEN_SOCKETS = 128;

/**
 * One guest's open sockets: bounded, and closed when the guest ends (disposeGatedWasi), since
 * nothing else closes them: `serve` runs a fresh guest per request and would keep every
 * connection its guests left open, until the process runs out of descriptors.
 */
export class GuestSockets {
  readonly #open = new Set<{ [Symbol.dispose](): void }>();

  /** Refuses (`new-socket-limit`) when the guest holds MAX_OPEN_SOCKETS already. */
  requireRoom(): void {
    if (this.#open.size >= MAX_OPEN_SOCKETS) throw 'new-socket-limit';
  }

  add(s: { [Symbol.dispose](): void }): void {
    this.#open.add(s);
  }

  delete(s: object): void {
    this.#open.delete(s as { [Symbol.dispose](): void });
  }

  /** The guest ended: close every socket it still holds. */
  closeAll(): void {
    closeEachLeftOpen(this.#open, (s) => s[Symbol.dispose]());
  }
}

/** The interfaces this module builds. */
type SocketImports = WasiImportsPart<
  | 'wasi:sockets/instance-network'
  | 'wasi:sockets/network'
  | 'wasi:sockets/tcp'
  | 'wasi:sockets/udp'
  | 'wasi:sockets/tcp-create-socket'
  | 'wasi:sockets/udp-create-socket'
  | 'wasi:sockets/ip-name-lookup'
>;
type ShutdownType = Parameters<TcpSocket['shutdown']>[0];

/**
 * What every wrapped resource shares: the platform's resource held by composition, its
 * pollable, and disposal. Subclasses add the gated calls.
 */
class WrappedResource<T extends { subscribe(): Pollable }> {
  protected readonly inner: T;
  constructor(inner: T) {
    this.inner = inner;
  }
  subscribe(): Pollable {
    return this.inner.subscribe();
  }
  [Symbol.dispose](): void {
    disposeInner(this.inner);
  }
}

/**
 * The socket options TCP and UDP have in common; none of them needs a check. Every socket is
 * one of its guest's open sockets (GuestSockets) from creation until it is dropped.
 */
class WrappedSocket<T extends TcpSocket | UdpSocket> extends WrappedResource<T> {
  readonly #open: GuestSockets;
  constructor(inner: T, open: GuestSockets) {
    super(inner);
    this.#open = open;
    open.add(this);
  }
  override [Symbol.dispose](): void {
    this.#open.delete(this);
    super[Symbol.dispose]();
  }
  localAddress(): IpSocketAddress {
    return this.inner.localAddress();
  }
  remoteAddress(): IpSocketAddress {
    return this.inner.remoteAddress();
  }
  addressFamily(): IpAddressFamily {
    return this.inner.addressFamily();
  }
  receiveBufferSize(): bigint {
    return this.inner.receiveBufferSize();
  }
  setReceiveBufferSize(v: bigint): void {
    this.inner.setReceiveBufferSize(v);
  }
  sendBufferSize(): bigint {
    return this.inner.sendBufferSize();
  }
  setSendBufferSize(v: bigint): void {
    this.inner.setSendBufferSize(v);
  }
}

export function createGatedSockets(decider: NetDecider, platform: WasiPlatform, open: GuestSockets = new GuestSockets()): SocketImports {
  const s = platform.createSockets();
  const gate = decider.gate;
  const tcpCreate = s.tcpCreateSocket;
  const udpCreate = s.udpCreateSocket;
  const lookup = s.ipNameLookup;
  // Made on the first connection (a platform without streams never reaches one).
  let socketStreams: ReturnType<typeof createSocketStreamClasses> | undefined;
  const streams = { wrap: (pair: [InputStream, OutputStream]) => (socketStreams ??= createSocketStreamClasses(platform)).wrap(pair) };

  /**
   * The address a socket call names must be allowed; throws `access-denied` otherwise. A
   * destination (connect, a remote) is never an unspecified address; a local one may be.
   */
  function checkAddress(address: unknown, iface: string, func: string, role: 'local' | 'remote' = 'remote'): void {
    const e = socketEndpoint(address);
    if (e === null) {
      // Not an address we can read: the platform would reject it anyway; we refuse first.
      throw 'invalid-argument';
    }
    if (!decider.socket(e, role === 'remote' ? 'destination' : 'local', { iface, func }).allowed) throw DENIED;
  }

  const TCP = 'wasi:sockets/tcp';
  const UDP = 'wasi:sockets/udp';
  const LOOKUP = 'wasi:sockets/ip-name-lookup';
  const RESOLVE_NEXT = { iface: LOOKUP, func: 'resolve-next-address' } as const;
  const UDP_SEND = { iface: UDP, func: 'outgoing-datagram-stream.send' } as const;

  class GatedResolveAddressStream extends WrappedResource<ResolveAddressStream> {
    readonly #name: string;
    #addresses: IpAddress[] | null = null;
    #denied = false;
    #next = 0;
    constructor(inner: ResolveAddressStream, name: string) {
      super(inner);
      this.#name = name;
    }
    resolveNextAddress(): IpAddress | undefined {
      if (this.#addresses === null) {
        // The first answer carries the whole result (the platform resolves once); read it all
        // so every address is held against the deny rules before the guest sees any.
        const all: IpAddress[] = [];
        for (let a = this.inner.resolveNextAddress(); a !== undefined; a = this.inner.resolveNextAddress()) all.push(a);
        this.#denied = !decider.admitLookup(this.#name, all.map(Address.fromWasi), RESOLVE_NEXT).allowed;
        this.#addresses = all;
      }
      if (this.#denied) throw DENIED;
      return this.#addresses[this.#next++];
    }
  }

  class GatedTcpSocket extends WrappedSocket<TcpSocket> {
    /** The bound address, checked again (listen, accept): the real port is known only now. */
    #checkLocal(func: string): void {
      checkAddress(this.inner.localAddress(), TCP, func, 'local');
    }
    startBind(network: Network, local: IpSocketAddress): void {
      checkAddress(local, TCP, 'tcp-socket.start-bind', 'local');
      this.inner.startBind(network, local);
    }
    finishBind(): void {
      this.inner.finishBind();
    }
    startConnect(network: Network, remote: IpSocketAddress): void {
      checkAddress(remote, TCP, 'tcp-socket.start-connect');
      this.inner.startConnect(network, remote);
    }
    finishConnect(): [InputStream, OutputStream] {
      return streams.wrap(this.inner.finishConnect());
    }
    startListen(): void {
      this.#checkLocal('tcp-socket.start-listen');
      this.inner.startListen();
    }
    finishListen(): void {
      this.inner.finishListen();
    }
    accept(): [GatedTcpSocket, InputStream, OutputStream] {
      this.#checkLocal('tcp-socket.accept');
      open.requireRoom();
      const [socket, input, output] = this.inner.accept();
      const [guestInput, guestOutput] = streams.wrap([input, output]);
      return [new GatedTcpSocket(socket, open), guestInput, guestOutput];
    }
    isListening(): boolean {
      return this.inner.isListening();
    }
    setListenBacklogSize(v: bigint): void {
      this.inner.setListenBacklogSize(v);
    }
    keepAliveEnabled(): boolean {
      return this.inner.keepAliveEnabled();
    }
    setKeepAliveEnabled(v: boolean): void {
      this.inner.setKeepAliveEnabled(v);
    }
    keepAliveIdleTime(): bigint {
      return this.inner.keepAliveIdleTime();
    }
    setKeepAliveIdleTime(v: bigint): void {
      this.inner.setKeepAliveIdleTime(v);
    }
    keepAliveInterval(): bigint {
      return this.inner.keepAliveInterval();
    }
    setKeepAliveInterval(v: bigint): void {
      this.inner.setKeepAliveInterval(v);
    }
    keepAliveCount(): number {
      return this.inner.keepAliveCount();
    }
    setKeepAliveCount(v: number): void {
      this.inner.setKeepAliveCount(v);
    }
    hopLimit(): number {
      return this.inner.hopLimit();
    }
    setHopLimit(v: number): void {
      this.inner.setHopLimit(v);
    }
    shutdown(how: ShutdownType): void {
      this.inner.shutdown(how);
    }
  }

  class GatedIncomingDatagramStream extends WrappedResource<IncomingDatagramStream> {
    receive(max: bigint): IncomingDatagram[] {
      return this.inner.receive(max);
    }
  }

  class GatedOutgoingDatagramStream extends WrappedResource<OutgoingDatagramStream> {
    /** The remote stream() fixed, if any: datagrams without their own address go there. */
    readonly #remote: IpSocketAddress | undefined;
    constructor(inner: OutgoingDatagramStream, remote: IpSocketAddress | undefined) {
      super(inner);
      this.#remote = remote;
    }
    checkSend(): bigint {
      return this.inner.checkSend();
    }
    /**
     * Each datagram's destination is checked (live: a revocation stops the next send). The
     * allowed datagrams before the first denied one are sent and counted, as WASI's partial
     * send allows; a denied first datagram is `access-denied`.
     */
    send(datagrams: OutgoingDatagram[]): bigint {
      const seen = new Map<string, boolean>();
      let allowed = 0;
      for (const d of datagrams) {
        const to = d.remoteAddress ?? this.#remote;
        if (to === undefined) break; // the platform answers this one (invalid-argument)
        const e: Endpoint | null = socketEndpoint(to);
        const key = e === null ? '' : `${e.host}|${e.port}`;
        let ok = seen.get(key);
        if (ok === undefined) {
          ok = e !== null && decider.socket(e, 'destination', UDP_SEND).allowed;
          seen.set(key, ok);
        }
        if (!ok) {
          if (allowed === 0) throw e === null ? 'invalid-argument' : DENIED;
          break;
        }
        allowed++;
      }
      return this.inner.send(allowed === datagrams.length ? datagrams : datagrams.slice(0, allowed));
    }
  }

  class GatedUdpSocket extends WrappedSocket<UdpSocket> {
    startBind(network: Network, local: IpSocketAddress): void {
      checkAddress(local, UDP, 'udp-socket.start-bind', 'local');
      this.inner.startBind(network, local);
    }
    finishBind(): void {
      this.inner.finishBind();
    }
    stream(remote: IpSocketAddress | undefined): [GatedIncomingDatagramStream, GatedOutgoingDatagramStream] {
      if (remote !== undefined) checkAddress(remote, UDP, 'udp-socket.stream');
      const [incoming, outgoing] = this.inner.stream(remote);
      return [new GatedIncomingDatagramStream(incoming), new GatedOutgoingDatagramStream(outgoing, remote)];
    }
    unicastHopLimit(): number {
      return this.inner.unicastHopLimit();
    }
    setUnicastHopLimit(v: number): void {
      this.inner.setUnicastHopLimit(v);
    }
  }

  return {
    'wasi:sockets/instance-network': s.instanceNetwork,
    'wasi:sockets/network': s.network,
    'wasi:sockets/tcp': { TcpSocket: GatedTcpSocket },
    'wasi:sockets/udp': {
      UdpSocket: GatedUdpSocket,
      IncomingDatagramStream: GatedIncomingDatagramStream,
      OutgoingDatagramStream: GatedOutgoingDatagramStream,
    },
    'wasi:sockets/tcp-create-socket': {
      createTcpSocket(family: IpAddressFamily): GatedTcpSocket {
        // No `net` at all: refused before any platform socket exists.
        if (!gate.allowsId(CapId.net, 'wasi:sockets/tcp-create-socket', 'create-tcp-socket')) throw DENIED;
        open.requireRoom();
        return new GatedTcpSocket(tcpCreate.createTcpSocket(family), open);
      },
    },
    'wasi:sockets/udp-create-socket': {
      createUdpSocket(family: IpAddressFamily): GatedUdpSocket {
        if (!gate.allowsId(CapId.net, 'wasi:sockets/udp-create-socket', 'create-udp-socket')) throw DENIED;
        open.requireRoom();
        return new GatedUdpSocket(udpCreate.createUdpSocket(family), open);
      },
    },
    'wasi:sockets/ip-name-lookup': {
      ResolveAddressStream: GatedResolveAddressStream,
      resolveAddresses(network: Network, name: string): GatedResolveAddressStream {
        // No DNS name is longer (RFC 1035: 253, one trailing dot) and no address literal is
        // either: a longer string is refused before it is checked, recorded or shown, since
        // a guest could otherwise make every audit record and notice as long as its memory.
        if (typeof name !== 'string' || name.length > MAX_LOOKUP_NAME) throw 'invalid-argument';
        if (!decider.lookup(name, { iface: LOOKUP, func: 'resolve-addresses' }).allowed) throw DENIED;
        return new GatedResolveAddressStream(lookup.resolveAddresses(network, resolverName(name)), name);
      },
    },
  };
}

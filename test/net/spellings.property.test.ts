// Property: every spelling of an address gets the same network decision (SPEC section 5), on
// the guest paths (wasi:http handle, wasi:sockets connect) and the native API's, under the
// same policy, and that decision is the one its canonical text gets. Models Deno
// CVE-2026-49859/49860 (numeric hostnames aliasing 127.0.0.1) and the unspecified-address
// bypass (0.0.0.0 reaching the local host) as generated cases rather than a fixed list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Gate } from '../../host/gate/gate.js';
import { createGatedNet } from '../../host/gate/net.js';
import { NetDecider } from '../../host/gate/net-policy.js';
import type { WasiPlatform } from '../../host/gate/types.js';
import type { OutgoingRequest } from '../../host/gate/wasi.js';
import { double } from '../support/test-double.js';
import { NativeNet } from '../../host/native/net.js';
import { Address, netTarget, socketEndpoint } from '../../host/net/index.js';
import { PolicyEngine } from '../../host/policy/index.js';
import type { CanonicalManifest } from '../../host/policy/types.js';

const PORT = 8080;
const DENIED = { tag: 'HTTP-request-denied' };

/** A platform whose handler accepts everything: only the gate decides. Sockets are never used. */
const platform = {
  createSockets: () => ({ instanceNetwork: {}, network: {}, ipNameLookup: {}, tcpCreateSocket: {}, tcp: {}, udpCreateSocket: {}, udp: {} }),
  http: { types: {}, outgoingHandler: { handle: () => 'sent' } },
} as unknown as WasiPlatform;

const dotted = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const hex4 = (n: number): string => n.toString(16);

/** Spellings of the IPv4 address `n` that the WHATWG/inet_aton readers and RFC 4291 accept. */
function v4Spellings(n: number): string[] {
  const [a, b, c, d] = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return [
    dotted(n),
    `${n}`,
    `0x${n.toString(16)}`,
    `0X${n.toString(16).toUpperCase()}`,
    [a, b, c, d].map((x) => `0${x.toString(8)}`).join('.'),
    [a, b, c, d].map((x) => `0x${x.toString(16)}`).join('.'),
    `${a}.${b}.${(c << 8) | d}`,
    `${a}.${(b << 16) | (c << 8) | d}`,
    `${dotted(n)}.`,
    `::ffff:${dotted(n)}`,
    `::ffff:${hex4(n >>> 16)}:${hex4(n & 0xffff)}`,
    `0:0:0:0:0:FFFF:${hex4(n >>> 16).toUpperCase()}:${hex4(n & 0xffff)}`,
  ];
}

/** Spellings of an IPv6 address given as 8 groups. */
function v6Spellings(groups: readonly number[]): string[] {
  const canonical = Address.fromWasiTuple('ipv6', groups)!.text;
  return [
    canonical,
    groups.map((g) => g.toString(16).padStart(4, '0')).join(':'),
    groups.map((g) => g.toString(16).toUpperCase()).join(':'),
  ];
}

/** An address to test: IPv4 (often loopback or unspecified, where the rules bite) or IPv6. */
const addressArb = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }).map((n) => ({ v4: n })),
  fc.integer({ min: 0, max: 0xffffff }).map((n) => ({ v4: 0x7f000000 | n })),
  fc.integer({ min: 0, max: 0xffffff }).map((n) => ({ v4: n })),
  fc
    .oneof(
      fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }),
      fc.constant([0, 0, 0, 0, 0, 0, 0, 1]),
      fc.constant([0, 0, 0, 0, 0, 0, 0, 0]),
    )
    .map((g) => ({ v6: g })),
);

/** The policies under which spellings must agree (built around the address's canonical text). */
function policies(canonical: string): CanonicalManifest[] {
  const bracket = canonical.includes(':') ? `[${canonical}]` : canonical;
  const p = (allow: CanonicalManifest['allow'], deny: CanonicalManifest['deny'] = {}): CanonicalManifest => ({ version: 1, allow, deny });
  return [
    p({ net: true }),
    p({ net: true }, { net: [canonical] }),
    p({ net: [`${bracket}:${PORT}`] }),
    p({ net: [`${bracket}:${PORT + 1}`] }),
    p({ net: true }, { net: ['localhost'] }),
    p({ net: ['localhost'] }),
    p({ net: canonical.includes(':') ? ['::/0'] : ['0.0.0.0/0'] }, { net: [`${bracket}:${PORT}`] }),
  ];
}

test('every spelling of an address gets one decision: guest HTTP, guest sockets and the native API agree', async () => {
  await fc.assert(
    fc.asyncProperty(addressArb, async (addr) => {
      const spellings = 'v4' in addr ? v4Spellings(addr.v4) : v6Spellings(addr.v6);
      const canonical = Address.parse(spellings[0]!)!;
      const tuple =
        'v4' in addr
          ? [
              { tag: 'ipv4', val: { port: PORT, address: canonical.text.split('.').map(Number) } },
              {
                tag: 'ipv6',
                val: { port: PORT, address: [0, 0, 0, 0, 0, 0xffff, addr.v4 >>> 16, addr.v4 & 0xffff], flowInfo: 0, scopeId: 0 },
              },
            ]
          : [{ tag: 'ipv6', val: { port: PORT, address: addr.v6, flowInfo: 0, scopeId: 0 } }];
      for (const manifest of policies(canonical.text)) {
        const engine = new PolicyEngine();
        const subject = engine.createSubject(manifest, 'spellings');
        const gate = new Gate(engine, subject);
        const http = createGatedNet(gate, platform)['wasi:http/outgoing-handler']!;
        const sockets = new NetDecider(gate);
        const native = new NativeNet(engine, subject, (host, port, func) =>
          gate.allows('net', netTarget(port === undefined ? { host } : { host, port }), 'molt:native', func),
        );
        const viaHttp = (s: string): boolean => {
          const authority = s.includes(':') ? `[${s}]:${PORT}` : `${s}:${PORT}`;
          const request = double<OutgoingRequest>({
            scheme: () => ({ tag: 'HTTP' }),
            authority: () => authority,
            headers: () => ({ entries: () => [] }),
          });
          try {
            http.handle(request, undefined);
            return true;
          } catch (e) {
            assert.deepEqual(e, DENIED);
            return false;
          }
        };
        const viaNative = async (s: string): Promise<boolean> => (await native.check(s, PORT, 'connect')).ok;
        const viaSocket = (t: unknown): boolean =>
          sockets.socket(socketEndpoint(t)!, 'destination', { iface: 'wasi:sockets/tcp', func: 'tcp-socket.start-connect' }).allowed;

        const expected = viaHttp(canonical.text);
        const where = `${JSON.stringify(manifest)}`;
        for (const s of spellings) {
          assert.equal(Address.parse(s)?.text, canonical.text, `${s} is ${canonical.text}`);
          assert.equal(viaHttp(s), expected, `HTTP ${s} under ${where}`);
          assert.equal(await viaNative(s), expected, `native ${s} under ${where}`);
        }
        for (const t of tuple) assert.equal(viaSocket(t), expected, `socket ${JSON.stringify(t)} under ${where}`);
        // The rule's own refusals, whatever the policy: unspecified is never a destination;
        // a deny of localhost covers every loopback address.
        if (canonical.isUnspecified) assert.equal(expected, false, `unspecified ${canonical.text} under ${where}`);
        if (canonical.isLoopback && Array.isArray(manifest.deny.net) && manifest.deny.net.includes('localhost')) {
          assert.equal(expected, false, `loopback ${canonical.text} under ${where}`);
        }
      }
    }),
    { numRuns: 150 },
  );
});

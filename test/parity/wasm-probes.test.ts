/** The WASM runner's reading of its probes' answers (test/parity/runners/wasm-probes.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOp } from './fixture.js';
import { outcomeOfExit, outcomeOfWord, probeAddress, probeCall } from './runners/wasm-probes.js';

const call = (op: string) => probeCall(parseOp(op), op)!;

describe('wasm probes', () => {
  it('spells every IP literal as the probe parses it, and leaves names alone', () => {
    assert.equal(probeAddress('0x7f000001'), '127.0.0.1');
    assert.equal(probeAddress('2130706433'), '127.0.0.1');
    assert.equal(probeAddress('::ffff:127.0.0.1'), '0:0:0:0:0:ffff:7f00:1');
    assert.equal(probeAddress('::1'), '0:0:0:0:0:0:0:1');
    assert.equal(probeAddress('fe80::1:2'), 'fe80:0:0:0:0:0:1:2');
    assert.equal(probeAddress('localhost'), null);
    assert.deepEqual(call('connect:localhost:80'), { probe: 'component', arg: 'connect:localhost:80' });
    assert.deepEqual(call('connect:0x7f000001:80'), { probe: 'component', arg: 'connect:127.0.0.1:80', alone: true });
    assert.equal(call('fetch:http://h/').arg, 'http:http://h/');
    assert.equal(call('read:/data/a').probe, 'core');
  });

  it('reads exit codes with the tables of probe.c and probe-component.wat', () => {
    const c = call('check:net');
    assert.deepEqual(
      [0, 1, 2, 3].map((n) => outcomeOfExit(c, n, [])),
      ['ok', 'missing', 'subject-invalid', 'cap-invalid'],
    );
    assert.equal(outcomeOfExit(c, 11, []), 'access-denied');
    assert.equal(outcomeOfExit(c, 55, []), 'HTTP-request-denied');
    assert.equal(outcomeOfExit(c, 200, []), 'exit 200');
    const r = call('read:/data/a.txt');
    assert.deepEqual(
      [0, 13, 1, 2, 17].map((n) => outcomeOfExit(r, n, ['/data'])),
      ['ok', 'access', 'not-permitted', 'no-entry', 'exist'],
    );
    assert.equal(outcomeOfExit(call('env:X'), 100, []), 'absent');
  });

  it('reads libc ENOTCAPABLE as access inside a mapped directory, not-permitted elsewhere', () => {
    assert.equal(outcomeOfWord(call('read:/data/a.txt'), 'ENOTCAPABLE', ['/data']), 'access');
    assert.equal(outcomeOfWord(call('read:/data/../etc/x'), 'ENOTCAPABLE', ['/data']), 'not-permitted');
    assert.equal(outcomeOfWord(call('read:/etc/passwd'), 'ENOTCAPABLE', ['/data']), 'not-permitted');
    assert.equal(outcomeOfWord(call('rename:/data/a:/tmp/b'), 'ENOTCAPABLE', ['/data']), 'not-permitted');
    assert.equal(outcomeOfWord(call('lookup:x'), 'ok:1', []), 'ok');
  });
});

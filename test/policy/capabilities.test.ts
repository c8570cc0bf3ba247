import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_CAPABILITY_NAMES, CAPABILITIES, capabilityById, capabilityByName, isCapabilityName } from '../../host/policy/index.js';

// SPEC section 1 is append-only: these pairs may never change.
const PINNED: [number, string, string][] = [
  [1, 'console.write', 'none'],
  [2, 'net', 'net'],
  [3, 'fs.read', 'path'],
  [4, 'fs.write', 'path'],
  [5, 'env', 'env'],
  [6, 'time', 'none'],
];

test('every id/name pair is pinned', () => {
  assert.deepEqual(
    CAPABILITIES.map((c) => [c.id, c.name, c.scopeKind]),
    PINNED,
  );
  for (const [id, name] of PINNED) {
    assert.equal(capabilityById(id)?.name, name);
    assert.equal(capabilityByName(name)?.id, id);
    assert.ok(isCapabilityName(name));
  }
  assert.deepEqual(
    ALL_CAPABILITY_NAMES,
    PINNED.map((p) => p[1]),
  );
  for (const c of CAPABILITIES) assert.ok(c.description.length > 0);
});

test('unknown ids and names are undefined', () => {
  for (const id of [0, -1, 7, 1.5, NaN, Infinity, 2 ** 32]) assert.equal(capabilityById(id), undefined, String(id));
  for (const name of ['', 'NET', 'Net', 'fs', 'fs.read ', 'console', 'toString', '__proto__']) {
    assert.equal(capabilityByName(name), undefined, name);
    assert.equal(isCapabilityName(name), false, name);
  }
});

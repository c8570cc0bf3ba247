/** Every runner, in table order. */
import type { Runner } from '../fixture.js';
import { browserRunner } from './browser.js';
import { nativeRunner } from './native.js';
import { wasmNodeRunner } from './wasm-node.js';

export function allRunners(): Runner[] {
  return [nativeRunner, wasmNodeRunner, browserRunner];
}

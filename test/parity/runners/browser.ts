/**
 * The browser runner: not written yet (another engineer's work, SPEC section 7). It must
 * implement `Runner` from ../fixture.js: `run(fixture, env)` gives one outcome per step
 * (`control` for control steps, `n/a` for ops the browser host cannot express, such as raw
 * sockets). Until then it reports itself unavailable and the harness prints the reason.
 */
import type { Runner } from '../fixture.js';

export const browserRunner: Runner = {
  name: 'browser',
  async available() {
    return 'browser runner not implemented yet (host/browser/ is pending); see test/parity/runners/browser.ts';
  },
  async run() {
    throw new Error('browser runner not implemented');
  },
};

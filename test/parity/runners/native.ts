/**
 * The native runner: every op through host/native on real Node calls, against a fresh
 * PolicyEngine subject built from the fixture's resolved policy. Control steps act on that
 * same live subject between two calls.
 */
import { CapabilityDeniedError } from '../../../host/errors.js';
import { createNativeApi, type NativeApi } from '../../../host/native/index.js';
import { PolicyEngine } from '../../../host/policy/index.js';
import {
  applyControl,
  fixtureManifest,
  isControl,
  makeScratch,
  parseOp,
  substitute,
  type Fixture,
  type Outcome,
  type ParsedOp,
  type RunEnv,
  type Runner,
} from '../fixture.js';

async function perform(api: NativeApi, op: ParsedOp): Promise<Outcome> {
  const code = <T>(r: { ok: true; value: T } | { ok: false; code: string }): Outcome => (r.ok ? 'ok' : r.code);
  try {
    switch (op.kind) {
      case 'read':
        return code(await api.readFile(op.path));
      case 'write':
        return code(await api.writeFile(op.path, 'parity\n'));
      case 'stat':
        return code(await api.stat(op.path));
      case 'readdir':
        return code(await api.readdir(op.path));
      case 'mkdir':
        return code(await api.mkdir(op.path));
      case 'unlink':
        return code(await api.unlink(op.path));
      case 'rename':
        return code(await api.rename(op.from, op.to));
      case 'env':
        return api.getEnv(op.name) === undefined ? 'absent' : 'ok';
      case 'time':
        if (op.clock === 'wall') api.wallClock();
        else api.monotonicClock();
        return 'ok';
      case 'lookup':
        return code(await api.lookup(op.host));
      case 'connect': {
        const r = await api.connect(op.host, op.port);
        if (r.ok) r.value.destroy();
        return code(r);
      }
      case 'fetch':
        return code(await api.fetch(op.url));
      case 'check':
        return api.check(op.name);
      case 'check-id':
        return api.checkId(op.id);
    }
  } catch (e) {
    // The native analog of a trap; unlike a guest, the caller simply goes on.
    if (e instanceof CapabilityDeniedError) return 'trap';
    throw e;
  }
}

export const nativeRunner: Runner = {
  name: 'native',
  async available() {
    return true;
  },
  async run(fixture: Fixture, env: RunEnv) {
    const engine = new PolicyEngine();
    const subject = engine.createSubject(fixtureManifest(fixture), `native:${fixture.name}`);
    const scratch = makeScratch(fixture, 'native');
    try {
      const api = createNativeApi({ engine, subject, dirs: scratch.dirs, env: fixture.env ?? {} });
      const out: Outcome[] = [];
      for (const step of fixture.operations) {
        if (isControl(step)) {
          applyControl(engine, subject, step);
          out.push('control');
        } else {
          out.push(await perform(api, parseOp(substitute(step.op, env))));
        }
      }
      return out;
    } finally {
      scratch.dispose();
    }
  },
};

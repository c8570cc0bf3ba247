/**
 * What Spin cannot express is never dropped silently: each kind is refused by default (exit
 * 65, one `cannot express` line naming it, nothing written), and with --allow-lossy it is
 * one warning and the manifest, without it, validates against Spin's schema. One test per
 * kind; each fails when its check in host/spin/export.ts is taken out.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import type { ExportSpinOptions } from '../../host/cli/export-spin.js';
import { SpinExportRefusedError } from '../../host/spin/errors.js';
import { exportSpin, freshDir, proxyComponent, proxyWithMoltImport, writeWasm } from './helpers.js';

interface RefusalCase {
  readonly name: string;
  readonly opts: (tmp: string) => ExportSpinOptions;
  readonly setup?: (tmp: string) => void;
  /** The one item the refusal lists. */
  readonly item: RegExp;
  /** What must not be in the lossy manifest (the part Spin could not carry), if anything textual. */
  readonly absent?: RegExp;
  readonly binary?: () => Promise<Uint8Array>;
}

const CASES: readonly RefusalCase[] = [
  {
    name: 'a net deny rule',
    opts: () => ({ allowTime: true, allowNet: ['api.example.com:443'], denyNet: ['169.254.169.254'] }),
    item: /^deny net "169\.254\.169\.254": Spin has no deny rules/,
    absent: /169\.254/,
  },
  {
    name: 'an fs.read deny inside a mounted grant',
    setup: (tmp) => mkdirSync(join(tmp, 'public')),
    opts: (tmp) => ({ allowTime: true, allowRead: ['/site'], denyRead: ['/site/private'], dir: [`/site=${join(tmp, 'public')}`] }),
    item: /^deny fs\.read "\/site\/private": Spin has no deny rules/,
  },
  {
    name: 'an env deny inside a prefix grant',
    opts: () => ({ allowTime: true, allowEnv: ['APP_*'], denyEnv: ['APP_SECRET'], env: ['APP_MODE=prod'], allowLossy: false }),
    // The prefix grant is an item of its own (below); this case looks for the deny.
    item: /^deny env "APP_SECRET": Spin has no deny rules/,
  },
  {
    name: 'fs.write',
    opts: () => ({ allowTime: true, allowWrite: ['/var/cache/app'] }),
    item: /^fs\.write "\/var\/cache\/app": Spin mounts files read-only/,
    absent: /\/var\/cache\/app/,
  },
  {
    name: 'console.write withheld',
    opts: () => ({ allowTime: true, denyConsole: true }),
    item: /^console\.write withheld: Spin always connects the guest's stdout and stderr/,
  },
  {
    name: 'time withheld',
    opts: () => ({}),
    item: /^time withheld: Spin always gives the guest its wall and monotonic clocks/,
  },
  {
    name: 'a relative preopen name',
    setup: (tmp) => mkdirSync(join(tmp, 'site')),
    opts: (tmp) => ({ allowTime: true, allowRead: ['site.dir'], dir: [`site.dir=${join(tmp, 'site')}`] }),
    item: /^fs\.read "site\.dir": a relative preopen name; Spin mounts directories only at absolute guest paths/,
    absent: /files/,
  },
  {
    name: 'an env name without an --env value',
    opts: () => ({ allowTime: true, allowEnv: ['DATABASE_URL'] }),
    item: /^env "DATABASE_URL": granted but no --env DATABASE_URL=VALUE given; spin\.toml holds fixed values/,
    absent: /DATABASE_URL =/,
  },
  {
    name: 'an env prefix grant',
    opts: () => ({ allowTime: true, allowEnv: ['AWS_*'] }),
    item: /^env "AWS_\*": Spin cannot pass host variables through by prefix/,
  },
  {
    name: 'an unscoped env grant',
    opts: () => ({ allowTime: true, allowEnv: true, env: ['MODE=prod'] }),
    item: /^env \(every variable\): Spin cannot pass the host environment through/,
  },
  {
    name: 'an import Spin does not supply',
    binary: proxyWithMoltImport,
    opts: () => ({ allowTime: true }),
    item: /^import molt:capabilities\/capabilities@0\.1\.0: Spin does not supply it/,
  },
];

/** The `cannot express` lines of a refusal, without their prefix. */
function refusedItems(stderr: string): string[] {
  const prefix = 'molt-wasm: cannot express in spin.toml: ';
  return stderr
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length));
}

function lossyWarnings(stderr: string): string[] {
  const prefix = 'molt-wasm: warning: not in spin.toml (--allow-lossy): ';
  return stderr
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length));
}

for (const c of CASES) {
  test(`export spin refuses ${c.name} (65, listed, nothing written); --allow-lossy warns once and writes the rest`, async () => {
    const tmp = freshDir();
    const app = writeWasm(tmp, 'app.wasm', await (c.binary ?? proxyComponent)());
    c.setup?.(tmp);
    const output = join(tmp, 'spin.toml');

    const refused = exportSpin(app, { ...c.opts(tmp), output });
    assert.equal(refused.code, 65, refused.stderr);
    assert.ok(refused.error instanceof SpinExportRefusedError);
    const items = refusedItems(refused.stderr);
    assert.ok(
      items.some((i) => c.item.test(i)),
      `no item matching ${c.item} in:\n${refused.stderr}`,
    );
    assert.deepEqual([...refused.error.items], items, 'the error holds exactly the lines printed');
    assert.match(refused.stderr, /molt-wasm: Spin cannot express \d+ parts? of this policy .*so nothing was written; --allow-lossy/);
    assert.equal(existsSync(output), false, 'a refusal writes nothing');

    const lossy = exportSpin(app, { ...c.opts(tmp), output, allowLossy: true });
    assert.equal(lossy.code, 0, lossy.stderr);
    const warned = lossyWarnings(lossy.stderr);
    assert.deepEqual(warned, items, 'one warning per refused item, the same items');
    const text = readFileSync(output, 'utf8');
    assert.match(text, /^spin_manifest_version = 2$/m);
    if (c.absent) {
      const body = text
        .split('\n')
        .filter((l) => !l.startsWith('#'))
        .join('\n');
      assert.doesNotMatch(body, c.absent, text);
    }
  });
}

test('export spin lists every item at once, in a stable order', async () => {
  const tmp = freshDir();
  const app = writeWasm(tmp, 'app.wasm', await proxyComponent());
  const r = exportSpin(app, {
    denyConsole: true,
    allowNet: ['api.example.com'],
    denyNet: ['10.0.0.0/8'],
    allowWrite: ['/tmp/out'],
    allowEnv: ['TOKEN'],
    output: join(tmp, 'spin.toml'),
  });
  assert.equal(r.code, 65, r.stderr);
  assert.deepEqual(
    refusedItems(r.stderr).map((i) => i.slice(0, i.indexOf(':'))),
    ['deny net "10.0.0.0/8"', 'fs.write "/tmp/out"', 'env "TOKEN"', 'console.write withheld', 'time withheld'],
  );
  assert.match(
    r.stderr,
    /Spin cannot express 5 parts of this policy \(deny net "10\.0\.0\.0\/8", fs\.write "\/tmp\/out", env "TOKEN", console\.write withheld, time withheld\)/,
  );
});

test('export spin: a deny that takes nothing away from a grant is not an item; an unscoped deny just removes the grant', async () => {
  const tmp = freshDir();
  const app = writeWasm(tmp, 'app.wasm', await proxyComponent());
  const output = join(tmp, 'spin.toml');
  // env: a name deny beside another name; net: denied outright (nothing left to express).
  const r = exportSpin(app, {
    allowTime: true,
    allowEnv: ['MODE'],
    denyEnv: ['SECRET'],
    env: ['MODE=prod'],
    allowNet: ['api.example.com'],
    denyNet: true,
    output,
  });
  assert.equal(r.code, 0, r.stderr);
  const body = readFileSync(output, 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n');
  assert.doesNotMatch(body, /allowed_outbound_hosts/);
  assert.match(body, /MODE = "prod"/);
});

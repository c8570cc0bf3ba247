/** Fuzzing the CLI's capability flag parser: random argv through commander, then readCapabilityOptions. */
import { test } from 'node:test';
import fc from 'fast-check';
import { Command, CommanderError } from 'commander';
import { addCapabilityOptions, readCapabilityOptions } from '../../host/cli/capability-options.js';
import { ManifestError } from '../../host/errors.js';
import { RUNS, textInput, typedOnly } from './support.js';

const FLAGS = [
  '--allow-read',
  '--allow-write',
  '--allow-net',
  '--allow-env',
  '--allow-time',
  '--allow-console',
  '--allow-all',
  '--deny-read',
  '--deny-write',
  '--deny-net',
  '--deny-env',
  '--deny-time',
  '--deny-console',
  '--deny-all',
  '--allow-undeclared',
  '--capabilities',
  '--',
  '-',
  '--allow',
  '--unknown',
];
const VALUES = ['/data', '/data,/tmp', 'api.example.com:443', 'HOME,APP_*', '169.254.169.254', 'net,env', 'p.json', 'm.toml', '', ','];
/** The fake files `--capabilities` may name. */
const FILES: Record<string, string> = {
  'p.json': '{"allow":["net"],"fs":{"read":["/data"]}}',
  'm.toml': '[capabilities]\nallow = ["time"]\n',
};

const token = fc.oneof(
  fc.constantFrom(...FLAGS),
  fc.tuple(fc.constantFrom(...FLAGS), textInput(VALUES)).map(([f, v]) => `${f}=${v}`),
  textInput(VALUES),
);

test('readCapabilityOptions on random argv: commander usage errors or typed MoltErrors only', () => {
  fc.assert(
    fc.property(fc.array(token, { maxLength: 8 }), (argv) => {
      typedOnly(() => {
        const cmd = new Command('run').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
        cmd.argument('[args...]');
        addCapabilityOptions(cmd);
        cmd.parse(argv, { from: 'user' });
        readCapabilityOptions(cmd.opts(), (p) => {
          const text = FILES[p];
          if (text === undefined) throw new ManifestError('no such file', p);
          return text;
        });
      }, [CommanderError]);
    }),
    { numRuns: RUNS },
  );
});

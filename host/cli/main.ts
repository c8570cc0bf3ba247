/**
 * The `molt-wasm` entry point (bin/molt-wasm.js calls `main(process.argv)`). Registers the
 * commands, turns commander's own exits into exceptions (exitOverride) so every failure goes
 * through reportError: one line on stderr and a sysexits code in process.exitCode.
 */
import { Command } from 'commander';
import { reportError } from './report.js';
import { registerRunCommand } from './run.js';
import { toolInfo } from './tool.js';

export const TOOL_NAME = 'molt-wasm';

type Register = (program: Command) => void;

/**
 * Every subcommand: its name and what adds it to the program. A run registers only the
 * command it names (commander checks each new option against all earlier ones, and `run`
 * alone has dozens): the rest are added for help, a bare `molt-wasm`, and unknown commands.
 * Only `run` is imported statically: the other modules are imported when their command is
 * registered, so `molt-wasm run` neither evaluates them nor loads what they import at the
 * top (serve's `node:http`, with `net` and the stream stack under it; smol-toml).
 */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Register | Promise<Register>]> = [
  ['run', () => registerRunCommand],
  ['serve', async () => (await import('./serve.js')).registerServeCommand],
  ['build', async () => (await import('./build.js')).registerBuildCommand],
  ['inspect', async () => (await import('./inspect.js')).registerInspectCommand],
  ['verify', async () => (await import('./verify.js')).registerVerifyCommand],
  ['export', async () => (await import('./export-spin.js')).registerExportCommand],
];

/** `argv` as main() gets it; `undefined` (or omitted): every command. */
export async function createProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command(TOOL_NAME);
  program
    .description('run WebAssembly components and WASI preview1 modules under a capability manifest')
    .version(toolInfo().version, '-V, --version')
    .option('--verbose', 'on error, print the stack and error details')
    // Before any command is added: subcommands copy these settings from their parent.
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .showSuggestionAfterError(false)
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 64 usage, 65 bad input (not wasm, bad manifest, provenance mismatch),\n' +
        "70 guest trap or internal error, 77 capability denied, 124 timeout; `run` passes on the guest's own exit code.",
    );
  const named = argv === undefined ? undefined : COMMANDS.find(([name]) => name === argv[2]);
  // In table order, so help lists the commands as before.
  for (const [name, load] of COMMANDS) if (named === undefined || named[0] === name) (await load())(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // Read directly: an error can come before commander has parsed --verbose. Only the host's
  // own arguments count: what follows `--` belongs to the guest.
  const own = argv.slice(2);
  const dashDash = own.indexOf('--');
  const verbose = (dashDash < 0 ? own : own.slice(0, dashDash)).includes('--verbose');
  try {
    const program = await createProgram(argv);
    if (argv.length <= 2) {
      program.outputHelp();
      return;
    }
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = reportError(err, { verbose, stderr: process.stderr });
  }
}

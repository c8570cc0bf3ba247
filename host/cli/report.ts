/**
 * How the CLI reports failure: one line `molt-wasm: <message>` on stderr and the sysexits
 * code of the error class (SPEC section 8). `--verbose` adds the stack and typed details.
 * Never calls process.exit: it sets the code and lets pending output drain.
 */
import { CommanderError } from 'commander';
import { ExitCode, isMoltError, type MoltError } from '../errors.js';

export interface ErrorSink {
  write(text: string): void;
}

/** Commander codes that are not failures (help, version). */
const COMMANDER_OK = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

function detailLines(err: MoltError): string[] {
  // Typed fields beyond name/message/stack (part, where, violations...) help when debugging.
  const skip = new Set(['name', 'message', 'stack', 'code', 'exitCode']);
  const out: string[] = [`  ${err.name} (${err.code}, exit ${err.exitCode})`];
  for (const [key, value] of Object.entries(err)) {
    if (!skip.has(key) && value !== undefined) out.push(`  ${key}: ${JSON.stringify(value)}`);
  }
  return out;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Prints `err` and returns the exit code to use. */
export function reportError(err: unknown, opts: { verbose: boolean; stderr: ErrorSink }): number {
  const { verbose, stderr } = opts;
  if (err instanceof CommanderError) {
    if (COMMANDER_OK.has(err.code)) return ExitCode.ok;
    const message = oneLine(err.message.replace(/^error:\s*/, ''));
    stderr.write(`molt-wasm: ${message} (see molt-wasm --help)\n`);
    return ExitCode.usage;
  }
  if (isMoltError(err)) {
    stderr.write(`molt-wasm: ${oneLine(err.message)}\n`);
    if (verbose) {
      stderr.write(detailLines(err).join('\n') + '\n');
      if (err.stack) stderr.write(err.stack + '\n');
    }
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  stderr.write(`molt-wasm: internal error: ${oneLine(message)}${verbose ? '' : ' (run with --verbose for details)'}\n`);
  if (verbose && err instanceof Error && err.stack) stderr.write(err.stack + '\n');
  return ExitCode.software;
}

/**
 * The errors of `molt-wasm export spin` (SPEC section 8: `export spin` refuses to drop what
 * Spin cannot express). Both are bad input for the export, exit 65: the binary or the policy
 * it would run under cannot become a Spin application as it is.
 */
import { ExitCode, listFew, MoltError } from '../errors.js';

/**
 * The policy holds things a Spin manifest cannot express (deny rules, fs.write, withheld
 * clocks or stdio, ...) and `--allow-lossy` was not given. `items` holds one line per item
 * (the CLI prints each on a line of its own before this error's line).
 */
export class SpinExportRefusedError extends MoltError {
  override readonly name = 'SpinExportRefusedError';
  override readonly code = 'MOLT_SPIN_INEXPRESSIBLE';
  override readonly exitCode = ExitCode.dataErr;
  constructor(readonly items: readonly string[]) {
    super(
      `Spin cannot express ${items.length === 1 ? '1 part' : `${items.length} parts`} of this policy (${listFew(items.map(itemHead))}), ` +
        'so nothing was written; --allow-lossy writes spin.toml without them, with a warning each',
    );
  }
}

/** `deny net "1.2.3.4": why...` -> `deny net "1.2.3.4"`: the item without its reason. */
function itemHead(item: string): string {
  const colon = item.indexOf(': ');
  return colon < 0 ? item : item.slice(0, colon);
}

/**
 * The binary is not a `wasi:http/proxy` component (a command, a preview1 core module, a
 * WASI 0.3 handler): Spin's HTTP trigger could not run it. `exports` lists what it exports.
 * `--allow-lossy` does not lift this: there would be no application to write.
 */
export class NotHttpProxyError extends MoltError {
  override readonly name = 'NotHttpProxyError';
  override readonly code = 'MOLT_SPIN_NOT_PROXY';
  override readonly exitCode = ExitCode.dataErr;
  constructor(
    message: string,
    readonly exports: readonly string[],
  ) {
    super(exports.length === 0 ? `${message} (it exports nothing)` : `${message} (it exports ${listFew(exports)})`);
  }
}

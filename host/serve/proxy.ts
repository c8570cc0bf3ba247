/**
 * Whether a binary is something `molt-wasm serve` can serve: a component that exports
 * `wasi:http/incoming-handler` (the `wasi:http/proxy` world), WASI 0.2. Anything else is
 * refused before it is transpiled or run (WasmFormatError, exit 65), with a message that
 * says what the binary does export, so that a command component or a preview1 module is
 * recognised for what it is. Platform-neutral.
 */
import { listFew, WasmFormatError } from '../errors.js';
import { readInterface } from '../manifest/wasm/imports.js';

/** `wasi:http/incoming-handler@0.2.x`: the export a proxy component serves through. */
const INCOMING_HANDLER = /^wasi:http\/incoming-handler@0\.2(\.|$)/;

/** The incoming-handler export's name (`wasi:http/incoming-handler@0.2.12`). Throws WasmFormatError otherwise. */
export function requireProxyComponent(bytes: Uint8Array, label: string): string {
  const iface = readInterface(bytes);
  if (iface.kind === 'core') {
    const names = iface.exports.map((e) => e.name);
    throw new WasmFormatError(
      `${label} is a core module (it exports ${names.length > 0 ? listFew(names) : 'nothing'}), not a wasi:http/proxy component: ` +
        'serve takes a component that exports wasi:http/incoming-handler (run a preview1 module with molt-wasm run)',
    );
  }
  const handler = iface.exports.find((e) => INCOMING_HANDLER.test(e.name));
  if (handler !== undefined) return handler.name;
  const names = iface.exports.map((e) => e.name);
  const command = names.some((n) => n.startsWith('wasi:cli/run@'));
  throw new WasmFormatError(
    `${label} is not a wasi:http/proxy component: it exports ${names.length > 0 ? listFew(names) : 'nothing'}` +
      (command ? ' (a command component: run it with molt-wasm run)' : '') +
      '; serve takes a component that exports wasi:http/incoming-handler@0.2',
  );
}

/** The tool name and version recorded in molt:provenance and printed by --version. */
import { readFileSync } from 'node:fs';
import type { ToolInfo } from '../manifest/provenance.js';

let cached: ToolInfo | undefined;

export function toolInfo(): ToolInfo {
  if (cached) return cached;
  // host/cli/tool.ts and dist/host/cli/tool.js are both three levels below package.json.
  const text = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
  const pkg = JSON.parse(text) as { name?: unknown; version?: unknown };
  cached = {
    name: typeof pkg.name === 'string' ? pkg.name : 'molt-wasm',
    version: typeof pkg.version === 'string' ? pkg.version : '0.0.0',
  };
  return cached;
}

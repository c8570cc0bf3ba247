/**
 * Validation against Spin's published manifest schema (test/export-spin/schema/, see its
 * README for the source and commit) through ajv, draft 2020-12, strict mode. Every manifest
 * the export tests produce goes through validateSpinToml.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse } from 'smol-toml';
import { REPO_ROOT } from '../cli-run.js';

export const SCHEMA_PATH = join(REPO_ROOT, 'test', 'export-spin', 'schema', 'manifest-v2-latest.json');

let validator: ValidateFunction | undefined;

function compile(): ValidateFunction {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  // Spin's schema generator (schemars) marks unsigned integers with `format: "uint"`.
  ajv.addFormat('uint', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
  return ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as object);
}

/** The schema errors of a spin.toml text (after TOML parsing), empty when it validates. */
export function spinSchemaErrors(toml: string): string[] {
  validator ??= compile();
  const doc: unknown = parse(toml);
  if (validator(doc)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/**
 * Validation against Spin's published manifest schema through ajv, draft 2020-12, strict mode,
 * for `npm run test:spin-schema` (schema-validation.check.ts). The schema is not in the
 * repository (see test/export-spin/schema/README.md): `MOLT_SPIN_SCHEMA` names the file, or it
 * is looked for at test/export-spin/schema/manifest-v2-latest.json (ignored by git).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse } from 'smol-toml';
import { REPO_ROOT } from '../cli-run.js';

export const SCHEMA_PATH = process.env.MOLT_SPIN_SCHEMA ?? join(REPO_ROOT, 'test', 'export-spin', 'schema', 'manifest-v2-latest.json');

let validator: ValidateFunction | undefined;

function compile(): ValidateFunction {
  if (!existsSync(SCHEMA_PATH)) {
    throw new Error(
      `Spin's manifest schema is not at ${SCHEMA_PATH}: get spin/manifest-v2/latest.json from ` +
        'https://github.com/spinframework/schemas.spinframework.dev and set MOLT_SPIN_SCHEMA to it',
    );
  }
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

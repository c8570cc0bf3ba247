/** A check target as one string (audit records, prompt questions): a path, an env name, `host` or `host:port`. */
import type { CheckTarget } from '../policy/types.js';

export function targetString(t: CheckTarget | undefined): string | null {
  if (t === undefined) return null;
  switch (t.kind) {
    case 'path':
      return t.path;
    case 'env':
      return t.name;
    case 'net':
      return t.port === undefined ? t.host : `${t.host}:${t.port}`;
  }
}

// host/gate/held.ts counts what the calls in its table hand the guest: a WASI function that
// returns a resource and is missing from the table would be a way around --max-host-resources.
// So the table is checked against the WIT the host implements (wit/deps): every function,
// method, static and constructor whose result holds an own resource is in HANDS_OUT, and every
// one with an own resource parameter (the guest hands it over) is in TAKES; nothing else is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { handingMembers, takingMembers } from '../../host/gate/held.js';

/** The repository (this file runs from dist/test/gate/). */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Interfaces the guest exports (the host calls them): their parameters are the host's hand-outs, not the guest's. */
const EXPORTED = new Set(['wasi:http/incoming-handler', 'wasi:cli/run']);

interface Func {
  readonly iface: string;
  /** `get-stdin`, `[method]input-stream.subscribe`, `[static]fields.from-list`, `[constructor]fields`. */
  readonly name: string;
  readonly params: string;
  readonly result: string;
}

function witFunctions(): { funcs: Func[]; resources: Set<string> } {
  const dir = join(root, 'wit', 'deps');
  const funcs: Func[] = [];
  const resources = new Set<string>();
  const aliases: [string, string][] = [];
  for (const pkg of readdirSync(dir)) {
    const text = readFileSync(join(dir, pkg, 'package.wit'), 'utf8')
      .split('\n')
      .map((l) => l.replace(/\/\/.*$/, ''))
      .join(' ')
      // `use poll.{pollable};` names a resource declared elsewhere; its braces are no block.
      .replace(/\buse\s+[^;]*;/g, ' ');
    const name = /package\s+([a-z0-9-]+:[a-z0-9-]+)@/.exec(text)?.[1];
    assert.ok(name !== undefined, `no package in ${pkg}`);
    // Case-insensitive: WIT names may hold capitals (`record DNS-error-payload {`).
    const stack: [string, string][] = [];
    const re =
      /\b(interface|resource|world|variant|record|enum|flags)\s+(%?[a-z0-9-]+)\s*\{|\bresource\s+([a-z0-9-]+)\s*;|\}|(%?[a-z0-9-]+)\s*:\s*(static\s+)?func\s*\(([^)]*)\)\s*(?:->\s*([^;]+))?;|\bconstructor\s*\(([^)]*)\)\s*;|\btype\s+([a-z0-9-]+)\s*=\s*([a-z0-9-]+)\s*;/gi;
    for (const m of text.matchAll(re)) {
      const iface = stack.find(([k]) => k === 'interface')?.[1];
      const resource = stack.at(-1)?.[0] === 'resource' ? stack.at(-1)?.[1] : undefined;
      if (m[1] !== undefined) {
        if (m[1] === 'resource') resources.add(m[2]!);
        stack.push([m[1], m[2]!]);
      } else if (m[3] !== undefined) resources.add(m[3]);
      else if (m[0] === '}') stack.pop();
      else if (m[9] !== undefined) aliases.push([m[9], m[10]!]);
      else if (iface !== undefined && (m[4] !== undefined || m[8] !== undefined)) {
        const fn = m[4]?.replace(/^%/, '');
        const full =
          m[8] !== undefined
            ? `[constructor]${resource}`
            : resource === undefined
              ? fn!
              : m[5] !== undefined
                ? `[static]${resource}.${fn}`
                : `[method]${resource}.${fn}`;
        funcs.push({
          iface: `${name}/${iface}`,
          name: full,
          params: m[8] ?? m[6] ?? '',
          result: m[8] !== undefined ? resource! : (m[7] ?? ''),
        });
      }
    }
  }
  // `type headers = fields;`: an alias of a resource is one.
  for (const [alias, target] of aliases) if (resources.has(target)) resources.add(alias);
  return { funcs, resources };
}

/** Whether `type` holds an own resource (a `borrow<...>` is not one). */
function holdsOwn(type: string, resources: ReadonlySet<string>): boolean {
  const owned = type.replace(/borrow<[^>]*>/g, ' ');
  return owned.split(/[^a-z0-9-]+/).some((t) => resources.has(t));
}

test('every WASI call whose result holds an own resource is counted (HANDS_OUT matches the WIT)', () => {
  const { funcs, resources } = witFunctions();
  assert.ok(resources.has('pollable') && resources.has('fields') && resources.has('headers'), [...resources].join(' '));
  const expected = new Map<string, Set<string>>();
  for (const f of funcs)
    if (!EXPORTED.has(f.iface) && holdsOwn(f.result, resources)) {
      const set = expected.get(f.iface) ?? new Set<string>();
      set.add(f.name);
      expected.set(f.iface, set);
    }
  assert.ok((expected.get('wasi:io/streams')?.size ?? 0) >= 2, 'the WIT reading found no stream subscribe');
  const table = handingMembers();
  const asList = (m: ReadonlyMap<string, ReadonlySet<string>>) =>
    [...m].flatMap(([iface, names]) => [...names].map((n) => `${iface}#${n}`)).sort();
  assert.deepEqual(asList(table), asList(expected));
});

test('every WASI call that takes an own resource from the guest uncounts it (TAKES matches the WIT)', () => {
  const { funcs, resources } = witFunctions();
  const expected = new Map<string, number[]>();
  for (const f of funcs) {
    if (EXPORTED.has(f.iface)) continue;
    const params = f.params
      .split(/,(?![^<]*>)/)
      .map((p) => p.split(':')[1] ?? '')
      .map((t, i) => (holdsOwn(t, resources) ? i : -1))
      .filter((i) => i >= 0);
    if (params.length > 0) expected.set(`${f.iface}#${f.name}`, params);
  }
  assert.deepEqual(
    [...takingMembers()].sort(([a], [b]) => a.localeCompare(b)),
    [...expected].sort(([a], [b]) => a.localeCompare(b)),
  );
});

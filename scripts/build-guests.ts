// Builds every guest example into guest-examples/dist/NAME.wasm with its manifest embedded.
//
//   npm run build:guests [-- --force] [-- --only hello,wc]
//
// An example is a folder under guest-examples/ with a molt.toml and either WAT sources
// (made into a WASI 0.2 component: wabt -> wasm-tools componentEmbed with our WIT world ->
// componentNew, via scripts/lib/componentize.ts) or C sources (a preview1 core module from clang-16 + wasi-libc).
// The manifest is embedded by `node bin/molt-wasm.js build --manifest molt.toml`, which
// also prints the audit table. Incremental: a stamp per example records the hash
// of its sources, manifest and tool versions; an unchanged example is "up to date".
import { createHash } from 'node:crypto';
import { coreToComponent, expandWatIncludes, watIncludes, watToCore } from './lib/componentize.js';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// dist/scripts/build-guests.js -> repository root two levels up
const ROOT = resolve(here, '..', '..');
const EXAMPLES = join(ROOT, 'guest-examples');
const WAT_COMMON = join(EXAMPLES, 'wat-common');
const OUT = join(EXAMPLES, 'dist');
const WORK = join(OUT, '.work');
const STAMPS = join(OUT, '.stamps');
const WIT = join(ROOT, 'wit');

const CLANG = process.env.CLANG ?? 'clang-16';
const APT_HINT = 'apt-get update && apt-get install -y clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32';

class BuildError extends Error {}

type Kind = 'wat' | 'c';
interface Example {
  name: string;
  dir: string;
  kind: Kind;
  sources: string[];
  manifest: string;
}

function findExamples(): Example[] {
  const out: Example[] = [];
  for (const ent of readdirSync(EXAMPLES, { withFileTypes: true })) {
    if (!ent.isDirectory()) continue;
    const dir = join(EXAMPLES, ent.name);
    const manifest = join(dir, 'molt.toml');
    if (!existsSync(manifest)) continue; // dist/, wat-common/, data folders
    const files = readdirSync(dir).sort();
    const wat = files.filter((f) => f.endsWith('.wat')).map((f) => join(dir, f));
    const c = files.filter((f) => f.endsWith('.c') || f.endsWith('.h')).map((f) => join(dir, f));
    if (wat.length === 1 && c.length === 0) out.push({ name: ent.name, dir, kind: 'wat', sources: wat, manifest });
    else if (wat.length === 0 && c.length > 0) out.push({ name: ent.name, dir, kind: 'c', sources: c, manifest });
    else throw new BuildError(`guest-examples/${ent.name}: expected one .wat file or some .c files, found ${files.join(', ')}`);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

// ---------------------------------------------------------------- tool versions

function pkgVersion(name: string): string {
  const p = join(ROOT, 'node_modules', ...name.split('/'), 'package.json');
  if (!existsSync(p)) throw new BuildError(`${name} is not installed (run npm ci in ${ROOT})`);
  return (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version;
}

let clangVersionCache: string | undefined;
function clangVersion(): string {
  if (clangVersionCache) return clangVersionCache;
  const r = spawnSync(CLANG, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new BuildError(`${CLANG} not found: the C guests need clang-16 and wasi-libc.\n  install: ${APT_HINT}`);
  }
  // wasi-libc lives in clang's default wasm32-wasi sysroot on Debian (/usr/include/wasm32-wasi)
  const probe = spawnSync(CLANG, ['--target=wasm32-wasi', '-E', '-x', 'c', '-'], { input: '#include <stdio.h>\n', encoding: 'utf8' });
  if (probe.status !== 0) throw new BuildError(`wasi-libc headers not found for ${CLANG} --target=wasm32-wasi.\n  install: ${APT_HINT}`);
  const link = spawnSync('wasm-ld-16', ['--version'], { encoding: 'utf8' });
  if (link.error && spawnSync('wasm-ld', ['--version']).error) throw new BuildError(`wasm-ld not found.\n  install: ${APT_HINT}`);
  clangVersionCache = (r.stdout.split('\n')[0] ?? '').trim();
  return clangVersionCache;
}

function toolVersions(kind: Kind): Record<string, string> {
  const v: Record<string, string> = { node: process.version, buildScript: sha256(readFileSync(fileURLToPath(import.meta.url))) };
  if (kind === 'wat') {
    v.wabt = pkgVersion('wabt');
    v.wasmTools = pkgVersion('@bytecodealliance/jco-transpile');
  } else {
    v.clang = clangVersion();
  }
  // the embedding tool: its compiled sources decide what lands in the binary
  v.molt = moltBuildToolHash();
  return v;
}

let moltHashCache: string | undefined;
function moltBuildToolHash(): string {
  if (moltHashCache !== undefined) return moltHashCache;
  const h = createHash('sha256');
  for (const sub of ['cli', 'manifest']) {
    const d = join(ROOT, 'dist', 'host', sub);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)
      .filter((x) => x.endsWith('.js'))
      .sort())
      h.update(f).update(readFileSync(join(d, f)));
  }
  moltHashCache = h.digest('hex');
  return moltHashCache;
}

function sha256(b: Buffer | Uint8Array | string): string {
  return createHash('sha256').update(b).digest('hex');
}

// ---------------------------------------------------------------- WAT -> component

function watInputs(ex: Example): string[] {
  const inc = watIncludes(readFileSync(ex.sources[0]!, 'utf8'), WAT_COMMON);
  // the world's WIT decides the component's types, so it is an input too
  const wit = [join(WIT, 'molt-capabilities.wit'), join(WIT, 'worlds.wit')];
  return [...inc, ...wit];
}

async function buildWat(ex: Example, outCore: string): Promise<void> {
  const raw = readFileSync(ex.sources[0]!, 'utf8');
  const world = /^[ \t]*;;[ \t]*@world[ \t]+(\S+)/m.exec(raw)?.[1] ?? 'guest';
  let core: Uint8Array;
  try {
    core = await watToCore(expandWatIncludes(raw, WAT_COMMON, ex.sources[0]!), ex.sources[0]!);
  } catch (e) {
    throw new BuildError(`${ex.name}: WAT does not compile:\n${(e as Error).message}`);
  }
  try {
    writeFileSync(outCore, await coreToComponent(core, world));
  } catch (e) {
    throw new BuildError(`${ex.name}: componentization against world ${world} failed: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------- C -> preview1 core module

function buildC(ex: Example, outCore: string): void {
  const cfiles = ex.sources.filter((f) => f.endsWith('.c'));
  const args = ['--target=wasm32-wasi', '-O2', '-Wall', '-Wextra', '-Werror', '-s', '-o', outCore, ...cfiles];
  const r = spawnSync(CLANG, args, { encoding: 'utf8' });
  if (r.error) throw new BuildError(`${CLANG}: ${r.error.message}\n  install: ${APT_HINT}`);
  if (r.status !== 0) throw new BuildError(`${ex.name}: ${CLANG} ${args.join(' ')} failed:\n${r.stderr}`);
}

// ---------------------------------------------------------------- embed the manifest

/** Returns true when the manifest was embedded, false when we fell back (loudly). */
function embed(ex: Example, input: string, output: string): boolean {
  const cli = join(ROOT, 'bin', 'molt-wasm.js');
  const args = [cli, 'build', '--manifest', ex.manifest, input, '-o', output];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  if (r.status === 0) {
    process.stdout.write(indent(r.stdout));
    if (r.stderr) process.stdout.write(indent(r.stderr));
    return true;
  }
  const why = (r.stderr || r.stdout || String(r.error ?? `exit ${r.status}`)).trim();
  if (strict) throw new BuildError(`${ex.name}: molt-wasm build failed (exit ${r.status}):\n${why}`);
  // Fallback while `molt-wasm build` is being written: the guest still runs, but
  // carries no manifest. Never stamped, so the next build retries the embedding.
  process.stderr.write(
    `\n!!! WARNING: ${ex.name}: \`node bin/molt-wasm.js build --manifest ${rel(ex.manifest)}\` failed (exit ${r.status}):\n` +
      indent(why, '!!!   ') +
      `\n!!! ${rel(output)} is written WITHOUT its embedded manifest. Use --strict to make this an error.\n\n`,
  );
  copyFileSync(input, output);
  return false;
}

function indent(s: string, pre = '    '): string {
  return (
    s
      .split('\n')
      .filter((l, i, a) => l !== '' || i < a.length - 1)
      .map((l) => pre + l)
      .join('\n') + (s ? '\n' : '')
  );
}
function rel(p: string): string {
  return p.startsWith(ROOT + '/') ? p.slice(ROOT.length + 1) : p;
}

// ---------------------------------------------------------------- main

const argv = process.argv.slice(2);
const force = argv.includes('--force');
const strict = argv.includes('--strict');
const onlyIdx = argv.indexOf('--only');
const only = onlyIdx >= 0 ? new Set((argv[onlyIdx + 1] ?? '').split(',').filter(Boolean)) : undefined;

async function main(): Promise<number> {
  mkdirSync(WORK, { recursive: true });
  mkdirSync(STAMPS, { recursive: true });
  const examples = findExamples().filter((e) => !only || only.has(e.name));
  if (only) for (const n of only) if (!examples.some((e) => e.name === n)) throw new BuildError(`--only: no example named ${n}`);
  let failed = 0;
  let i = 0;
  for (const ex of examples) {
    i++;
    const tag = `[${i}/${examples.length}] ${ex.name} (${ex.kind === 'wat' ? 'WAT -> component' : 'C -> preview1 module'})`;
    const out = join(OUT, `${ex.name}.wasm`);
    const stampFile = join(STAMPS, `${ex.name}.json`);
    try {
      const inputs = [...ex.sources, ex.manifest, ...(ex.kind === 'wat' ? watInputs(ex) : [])];
      const h = createHash('sha256');
      for (const f of inputs) h.update(rel(f)).update('\0').update(readFileSync(f)).update('\0');
      h.update(JSON.stringify(toolVersions(ex.kind)));
      const stamp = h.digest('hex');
      if (!force && existsSync(out) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp) {
        console.log(`${tag}: up to date`);
        continue;
      }
      console.log(`${tag}: building`);
      rmSync(stampFile, { force: true });
      const unembedded = join(WORK, `${ex.name}.unembedded.wasm`);
      if (ex.kind === 'wat') await buildWat(ex, unembedded);
      else buildC(ex, unembedded);
      const ok = embed(ex, unembedded, out);
      if (ok) writeFileSync(stampFile, stamp + '\n');
      console.log(`${tag}: wrote ${rel(out)} (${readFileSync(out).length} bytes${ok ? ', manifest embedded' : ', NO MANIFEST'})`);
    } catch (e) {
      failed++;
      console.error(`${tag}: FAILED\n${indent((e as Error).message)}`);
      if (!(e instanceof BuildError)) console.error((e as Error).stack);
    }
  }
  if (failed) console.error(`build-guests: ${failed} of ${examples.length} examples failed`);
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(`build-guests: ${(e as Error).message}`);
    process.exitCode = 1;
  },
);

/**
 * One way to make components, shared by the guest build, the tests and the benchmarks:
 * WAT -> core module (wabt) -> component (wasm-tools' componentEmbed + componentNew, from
 * @bytecodealliance/jco-transpile, so the full jco is not needed). The WIT is passed as
 * source text: the world, plus every package under wit/ inlined as nested packages, which
 * avoids wasm-tools reading the filesystem through preview2-shim (it has no preopens there).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';
import { componentEmbed, componentNew, componentWit } from '@bytecodealliance/jco-transpile/wasm-tools';

export { componentNew, componentWit };

/** The repository root, from dist/scripts/lib/ or scripts/lib/. */
export const REPO_ROOT: string = (() => {
  let d = dirname(fileURLToPath(import.meta.url));
  while (d !== '/' && !d.endsWith('/dist')) d = dirname(d);
  return d === '/' ? join(dirname(fileURLToPath(import.meta.url)), '..', '..') : dirname(d);
})();

export const WIT_DIR = join(REPO_ROOT, 'wit');

let wabtPromise: ReturnType<typeof wabtInit> | undefined;

/**
 * WAT text to a core module's bytes (bulk memory and multi-value on, names resolved,
 * validated). Throws wabt's own error (with line numbers) on bad WAT.
 */
export async function watToCore(wat: string, name = 'guest.wat'): Promise<Uint8Array> {
  wabtPromise ??= wabtInit();
  const wabt = await wabtPromise;
  const mod = wabt.parseWat(name, wat, { bulk_memory: true, multi_value: true });
  try {
    mod.resolveNames();
    mod.validate();
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

const INCLUDE = /^[ \t]*;;[ \t]*@include[ \t]+(\S+)[ \t]*$/gm;

/**
 * `;; @include NAME` lines replaced by the file NAME in `dir` (WAT has no includes). Throws
 * an Error naming `from` and the missing file.
 */
export function expandWatIncludes(src: string, dir: string, from: string): string {
  return src.replace(INCLUDE, (_m, file: string) => {
    const p = join(dir, file);
    if (!existsSync(p)) throw new Error(`${from}: @include ${file}: no such file in ${dir}`);
    return readFileSync(p, 'utf8');
  });
}

/** The files `src` includes, as paths in `dir` (build inputs). */
export function watIncludes(src: string, dir: string): string[] {
  return [...src.matchAll(INCLUDE)].map((m) => join(dir, m[1]!));
}

/** `package a:b@1;` + body  ->  `package a:b@1 { body }` (a nested package). */
function nestPackage(text: string): string {
  const stripped = text.replace(/^\s*\/\/.*$/gm, '');
  const m = /^\s*package ([^;{]+);/m.exec(stripped);
  if (m === null) throw new Error('WIT file without a package line');
  return `package ${m[1]!.trim()} {\n${stripped.slice(m.index + m[0].length)}\n}\n`;
}

let depsCache: string | undefined;
/** Every WASI package in wit/deps plus molt:capabilities (interface and worlds) as nested packages. */
export function witPackages(): string {
  if (depsCache !== undefined) return depsCache;
  const parts: string[] = [];
  for (const dir of readdirSync(join(WIT_DIR, 'deps')).sort()) {
    parts.push(nestPackage(readFileSync(join(WIT_DIR, 'deps', dir, 'package.wit'), 'utf8')));
  }
  // molt:capabilities is split over two files of one package: merge their bodies.
  const molt = ['molt-capabilities.wit', 'worlds.wit']
    .map((f) =>
      readFileSync(join(WIT_DIR, f), 'utf8')
        .replace(/^\s*\/\/.*$/gm, '')
        .replace(/^\s*package [^;]+;/m, ''),
    )
    .join('\n');
  parts.push(`package molt:capabilities@0.1.0 {\n${molt}\n}\n`);
  depsCache = parts.join('');
  return depsCache;
}

/**
 * A core module to a component. `world` is either a world of ours (`guest`, `http-guest`,
 * `capabilities-only`: resolved as molt:capabilities/NAME) or a full world definition
 * (`world NAME { ... }` text, which is then wrapped in a local package). `extraPackages` is
 * more WIT source (nested packages) the world may name.
 */
export async function coreToComponent(core: Uint8Array, world: string, extraPackages = ''): Promise<Uint8Array> {
  let witSource: string;
  let worldName: string;
  const custom = /^\s*world\s+([a-z][a-z0-9-]*)/.exec(world);
  if (custom) {
    worldName = custom[1]!;
    witSource = `package local:guest;\n${world}\n` + witPackages() + extraPackages;
  } else {
    worldName = 'main';
    witSource = `package local:guest;\nworld main {\n  include molt:capabilities/${world}@0.1.0;\n}\n` + witPackages() + extraPackages;
  }
  const embedded = await componentEmbed({ binary: core, witSource, world: worldName });
  return componentNew(embedded);
}

/** The preview1 command adapter jco ships (copied to test/assets: see its README). */
export function preview1AdapterPath(): string {
  return join(REPO_ROOT, 'test', 'assets', 'wasi_snapshot_preview1.command.wasm');
}

/** A preview1 core module adapted to a WASI 0.2 command component. */
export async function adaptPreview1(core: Uint8Array): Promise<Uint8Array> {
  return componentNew(core, [['wasi_snapshot_preview1', readFileSync(preview1AdapterPath())]]);
}

/**
 * Builds the real-guest programs from their sources with other toolchains (componentize-js,
 * AssemblyScript), cached on disk by content: the key hashes the sources, the WIT and the
 * toolchain's version, so a change to any of them builds again. componentize-js takes a
 * minute or more (it snapshots a SpiderMonkey engine with Wizer); a cache hit takes nothing.
 * The cache sits beside the transpile cache (MOLT_WASM_CACHE_DIR, XDG, ~/.cache/molt-wasm).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { defaultCacheDir } from '../../host/node/transpile-cache.js';
import { REPO } from '../node-host/helpers.js';

/** Sources live in test/ (not compiled to dist/); read them from the repository. */
export const SOURCES = join(REPO, 'test', 'real-guests');

function version(pkg: string): string {
  return (JSON.parse(readFileSync(join(REPO, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

/** `build` into a cache file named by the hash of `inputs`; concurrent builders each write whole files. */
async function cached(name: string, inputs: readonly (string | Uint8Array)[], build: (out: string) => Promise<void>): Promise<string> {
  const h = createHash('sha256');
  for (const i of inputs) h.update(createHash('sha256').update(i).digest());
  const dir = join(defaultCacheDir(), 'real-guests');
  const file = join(dir, `${name}-${h.digest('hex').slice(0, 16)}.wasm`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await build(tmp);
  renameSync(tmp, file); // atomic: a reader never sees half a file
  return file;
}

/** greet.js + greet.wit -> a WASI 0.2 component made by componentize-js (StarlingMonkey). */
export async function buildGreetComponent(): Promise<string> {
  const js = readFileSync(join(SOURCES, 'componentize-js', 'greet.js'), 'utf8');
  const wit = readFileSync(join(SOURCES, 'componentize-js', 'greet.wit'), 'utf8');
  const cjsVersion = version('@bytecodealliance/componentize-js');
  return cached('greet', [js, wit, cjsVersion], async (out) => {
    // The world is greet.wit over the project's WASI 0.2.12 packages (wit/deps).
    const witDir = mkdtempSync(join(tmpdir(), 'molt-greet-wit-'));
    try {
      cpSync(join(REPO, 'wit', 'deps'), join(witDir, 'wit', 'deps'), { recursive: true });
      writeFileSync(join(witDir, 'wit', 'greet.wit'), wit);
      componentizeJs(join(SOURCES, 'componentize-js', 'greet.js'), join(witDir, 'wit'), 'greet', out);
    } finally {
      rmSync(witDir, { recursive: true, force: true });
    }
  });
}

/** count.ts -> a preview1 command from AssemblyScript's asc with @assemblyscript/wasi-shim. */
export async function buildCountCommand(): Promise<string> {
  const source = join(SOURCES, 'assemblyscript', 'count.ts');
  const config = join(REPO, 'node_modules', '@assemblyscript', 'wasi-shim', 'asconfig.json');
  return cached(
    'count',
    [readFileSync(source), readFileSync(config), version('assemblyscript'), version('@assemblyscript/wasi-shim')],
    async (out) => {
      // asc resolves the config's lib and the package imports against its working directory,
      // so it runs as a child in the repository (once: the result is cached).
      const r = spawnSync(
        process.execPath,
        [
          join(REPO, 'node_modules', 'assemblyscript', 'bin', 'asc.js'),
          relative(REPO, source),
          '--config',
          relative(REPO, config),
          '--optimize',
          '--outFile',
          out,
        ],
        { cwd: REPO, encoding: 'utf8', timeout: 300_000 },
      );
      if (r.error) throw r.error;
      if (r.status !== 0) throw new Error(`asc ${source} failed (${r.status}):\n${r.stdout}${r.stderr}`);
    },
  );
}

/**
 * Makes `source` (JavaScript) a component of `world` from the WIT in `witPath` with
 * componentize-js, in a child node: its splicer reads the WIT through preview2-shim's
 * filesystem, whose preopens are process-wide (the molt host in a test process sets its own)
 * and, since 0.26, empty by default; the child, a build tool and not a guest, preopens /.
 * Throws with the child's output when it fails.
 */
export function componentizeJs(source: string, witPath: string, world: string, out: string): void {
  const script = `
    import { componentize } from ${JSON.stringify(import.meta.resolve('@bytecodealliance/componentize-js'))};
    import { _setPreopens } from ${JSON.stringify(import.meta.resolve('@bytecodealliance/preview2-shim/filesystem'))};
    import { readFileSync, writeFileSync } from 'node:fs';
    import { basename } from 'node:path';
    _setPreopens({ '/': '/' });
    const [source, witPath, worldName, out] = process.argv.slice(1);
    const { component } = await componentize(readFileSync(source, 'utf8'), { sourceName: basename(source), witPath, worldName });
    writeFileSync(out, component);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, source, witPath, world, out], {
    cwd: join(witPath, '..'),
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`componentize-js ${source} failed (${r.status}):\n${r.stdout}${r.stderr}`);
}

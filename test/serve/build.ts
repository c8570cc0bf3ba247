/**
 * The proxy components the serve tests and the serve benchmark use, built from source and
 * cached by content (beside the transpile cache, like test/real-guests/build.ts):
 * - proxy-guest.wat: hand-written, wabt + wasm-tools componentNew (scripts/lib/componentize.ts);
 * - componentize-js/hello.js: a foreign toolchain's (componentize-js, StarlingMonkey), which
 *   takes a minute or more to build once.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCacheDir } from '../../host/node/transpile-cache.js';
import { coreToComponent, watToCore } from '../../scripts/lib/componentize.js';
import { REPO_ROOT } from '../cli-run.js';
import { componentizeJs } from '../real-guests/build.js';

/** Sources live in test/serve/ (not compiled to dist/): read them from the repository. */
export const SOURCES = join(REPO_ROOT, 'test', 'serve');

function version(pkg: string): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

async function cached(name: string, inputs: readonly (string | Uint8Array)[], build: (out: string) => Promise<void>): Promise<string> {
  const h = createHash('sha256');
  for (const i of inputs) h.update(createHash('sha256').update(i).digest());
  const dir = join(defaultCacheDir(), 'serve-guests');
  const file = join(dir, `${name}-${h.digest('hex').slice(0, 16)}.wasm`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await build(tmp);
  renameSync(tmp, file); // atomic: a reader never sees half a file
  return file;
}

/** The world of both guests: everything wasi:http/proxy imports, exporting incoming-handler. */
const PROXY_WORLD = 'world proxy-guest {\n  include wasi:http/proxy@0.2.12;\n}';

/** proxy-guest.wat -> a wasi:http/proxy component (see the file's header for its routes). */
export async function buildWatProxy(): Promise<string> {
  const wat = readFileSync(join(SOURCES, 'proxy-guest.wat'), 'utf8');
  return cached('proxy-guest', [wat, version('wabt'), version('@bytecodealliance/jco-transpile')], async (out) => {
    writeFileSync(out, await coreToComponent(await watToCore(wat, 'proxy-guest.wat'), PROXY_WORLD));
  });
}

/** The WASI version componentize-js 0.23's engine exports wasi:http/incoming-handler at. */
const STARLINGMONKEY_WASI = '0.2.10';

/** componentize-js/hello.js -> a wasi:http/proxy component made by componentize-js. */
export async function buildJsProxy(): Promise<string> {
  const js = readFileSync(join(SOURCES, 'componentize-js', 'hello.js'), 'utf8');
  const wit = readFileSync(join(SOURCES, 'componentize-js', 'hello.wit'), 'utf8');
  return cached('hello-proxy', [js, wit, version('@bytecodealliance/componentize-js')], async (out) => {
    // As test/real-guests/build.ts: componentize runs in a child with / preopened (its
    // splicer reads the WIT through preview2-shim's process-wide filesystem).
    const witDir = mkdtempSync(join(tmpdir(), 'molt-serve-wit-'));
    try {
      // StarlingMonkey (componentize-js 0.23) exports wasi:http/incoming-handler@0.2.10, and an
      // export must match its world's version exactly (imports unify by semver): the project's
      // WASI 0.2.12 packages are given to it as 0.2.10.
      for (const pkg of readdirSync(join(REPO_ROOT, 'wit', 'deps'))) {
        mkdirSync(join(witDir, 'wit', 'deps', pkg), { recursive: true });
        const text = readFileSync(join(REPO_ROOT, 'wit', 'deps', pkg, 'package.wit'), 'utf8');
        writeFileSync(join(witDir, 'wit', 'deps', pkg, 'package.wit'), text.replaceAll('@0.2.12', `@${STARLINGMONKEY_WASI}`));
      }
      writeFileSync(join(witDir, 'wit', 'hello.wit'), wit.replaceAll('@0.2.12', `@${STARLINGMONKEY_WASI}`));
      componentizeJs(join(SOURCES, 'componentize-js', 'hello.js'), join(witDir, 'wit'), 'hello', out);
    } finally {
      rmSync(witDir, { recursive: true, force: true });
    }
  });
}

/**
 * The demo page (web/index.html): pick a bundled example or drop a .wasm, see its embedded
 * manifest and provenance, toggle grants, run it under molt-wasm/browser, and watch the output
 * and every allow/deny decision live. Bundled by scripts/build-browser.ts into web/dist/app.js.
 * `window.moltDemo` exposes the state the Chromium test (scripts/test-browser.ts) waits on.
 */
import {
  ALL_CAPABILITY_NAMES,
  createHost,
  escapeForTerminal,
  hasJspi,
  MemoryFs,
  readProvenance,
  type AuditRecord,
  type CanonicalManifest,
  type PromptAnswer,
  type PromptQuestion,
} from '../host/browser/index.js';
import { auditImports } from '../host/manifest/audit.js';
import { listImports } from '../host/manifest/wasm/imports.js';

interface ExampleIndex {
  readonly examples: ReadonlyArray<{ name: string; file: string; description: string }>;
  readonly files: Record<string, string>;
}

type Grant = true | readonly string[];
const UNSCOPED = new Set(['console.write', 'time']);

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const state = {
  bytes: null as Uint8Array | null,
  name: '',
  ceiling: null as CanonicalManifest | null,
  seed: {} as Record<string, string>,
  running: false,
};
const demo = { ready: false, runs: 0, lastExit: null as number | null, lastOutcome: '', error: '' };
(window as unknown as { moltDemo: typeof demo }).moltDemo = demo;

function el(tag: string, attrs: Record<string, string> = {}, text?: string): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function setStatus(text: string): void {
  $('status').textContent = text;
}

/** Reads the embedded manifest; shows verified / unsigned / which part fails. */
function showProvenance(bytes: Uint8Array): CanonicalManifest | null {
  const badge = $('provenance');
  try {
    const p = readProvenance(bytes);
    if (p.status === 'verified') {
      badge.className = 'badge verified';
      badge.textContent = `verified: manifest and code match their hashes (built by ${p.provenance.tool.name} ${p.provenance.tool.version})`;
      $('manifest').textContent = JSON.stringify(p.manifest, null, 2) + `\n\ncode sha256 ${p.provenance.component_sha256}`;
      return p.manifest;
    }
    badge.className = 'badge unsigned';
    badge.textContent = 'unsigned: no molt:capabilities section (defaults to console.write only, like the CLI)';
    $('manifest').textContent = '(none)';
    return null;
  } catch (e) {
    const err = e as Error & { part?: string };
    badge.className = 'badge failed';
    badge.textContent = `does not verify${err.part ? ` (${err.part})` : ''}: ${err.message}`;
    $('manifest').textContent = '';
    throw e;
  }
}

function showImports(bytes: Uint8Array, manifest: CanonicalManifest): void {
  const body = $('imports').querySelector('tbody')!;
  body.replaceChildren();
  const report = auditImports(listImports(bytes), manifest);
  for (const row of report.rows) {
    if (row.capability === null) continue;
    const tr = el('tr');
    tr.append(el('td', {}, row.import), el('td', {}, row.capability), el('td', row.declared ? {} : { class: 'no' }, row.declared ? 'declared' : 'not declared'));
    body.append(tr);
  }
  if (body.children.length === 0) body.append(el('tr', {}, 'no gated imports'));
}

/** One row per capability: checkbox (granted or withheld) and, for scoped ones, the scopes. */
function showGrants(ceiling: CanonicalManifest | null): void {
  const box = $('grants');
  box.replaceChildren();
  const allow: Partial<Record<string, Grant>> = ceiling?.allow ?? { 'console.write': true };
  for (const cap of ALL_CAPABILITY_NAMES) {
    const declared = allow[cap];
    // With an embedded manifest only what it declares can be granted (the ceiling).
    if (ceiling !== null && declared === undefined) continue;
    const row = el('div', { class: 'grant' });
    const check = el('input', { type: 'checkbox', 'data-cap': cap, id: `grant-${cap}` }) as HTMLInputElement;
    check.checked = declared !== undefined;
    const label = el('label', { for: `grant-${cap}` }, cap);
    row.append(check, label);
    if (!UNSCOPED.has(cap)) {
      const scopes = el('input', { type: 'text', 'data-scope': cap, placeholder: 'all' }) as HTMLInputElement;
      scopes.value = Array.isArray(declared) ? declared.join(', ') : '';
      scopes.disabled = !check.checked;
      check.addEventListener('change', () => (scopes.disabled = !check.checked));
      row.append(scopes);
    } else row.append(el('span'));
    box.append(row);
  }
}

/** The policy the user set: checked capabilities, with their scopes (empty = unscoped). */
function chosenManifest(): CanonicalManifest {
  const allow: Record<string, Grant> = {};
  for (const check of document.querySelectorAll<HTMLInputElement>('#grants input[type=checkbox]')) {
    if (!check.checked) continue;
    const cap = check.dataset['cap']!;
    const scopes = document.querySelector<HTMLInputElement>(`#grants input[data-scope="${cap}"]`);
    const list = scopes?.value.split(',').map((s) => s.trim()).filter((s) => s !== '') ?? [];
    allow[cap] = list.length > 0 ? list : true;
  }
  return { version: 1, allow, deny: state.ceiling?.deny ?? {} } as CanonicalManifest;
}

function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return env;
}

async function loadGuest(name: string, bytes: Uint8Array): Promise<void> {
  state.bytes = null;
  state.name = name;
  $<HTMLButtonElement>('run').disabled = true;
  $('output').textContent = '';
  $('log').querySelector('tbody')!.replaceChildren();
  $('counts').textContent = '';
  const kind = bytes[4] === 0x01 ? 'core module (preview1)' : 'component (WASI 0.2)';
  $('guest-info').textContent = `${name}: ${kind}, ${bytes.length.toLocaleString()} bytes`;
  try {
    state.ceiling = showProvenance(bytes);
  } catch {
    showGrants(null);
    setStatus('refused: the molt sections do not verify');
    return;
  }
  showImports(bytes, state.ceiling ?? { version: 1, allow: { 'console.write': true }, deny: {} });
  showGrants(state.ceiling);
  const example = name.replace(/\.wasm$/, '');
  if (example === 'wc' || example === 'cp') $<HTMLInputElement>('args').value = example === 'wc' ? `${example} /data/words.txt` : `${example} /data/in.txt /data/copy.txt`;
  else if (example === 'http-client') $<HTMLInputElement>('args').value = `${example} ${location.origin}/dist/examples/examples.json`;
  else $<HTMLInputElement>('args').value = example;
  state.bytes = bytes;
  $<HTMLButtonElement>('run').disabled = false;
  setStatus('');
}

function logDecision(n: number, r: AuditRecord): void {
  const tr = el('tr', { class: r.decision });
  tr.append(
    el('td', {}, String(n)),
    el('td', { class: 'd' }, r.decision),
    el('td', {}, r.capability),
    el('td', {}, r.operation),
    el('td', {}, r.target ?? ''),
    el('td', {}, r.code),
    el('td', r.source === 'prompt' ? { class: 'prompt' } : {}, r.source === 'prompt' ? `prompt (${r.answer ?? ''})` : 'policy'),
  );
  const body = $('log').querySelector('tbody')!;
  body.append(tr);
  $('log-wrap').scrollTop = $('log-wrap').scrollHeight;
}

/**
 * "Ask before denying": the library's prompt callback as a confirm dialog. `window.confirm`
 * is synchronous, so it can answer from inside the guest's synchronous WASI call. OK allows
 * this call once, Cancel denies it (the next denied call asks again); the demo does not offer
 * `always`/`never`. Every guest-controlled string (the file name, the target, the operation)
 * goes through escapeForTerminal, so a guest cannot forge lines of the question.
 */
function askInDialog(q: PromptQuestion): PromptAnswer {
  const lines = [
    `${escapeForTerminal(state.name)} requests ${escapeForTerminal(q.capability)}${q.target === null ? '' : ` on ${escapeForTerminal(q.target)}`}`,
    `operation: ${escapeForTerminal(q.operation)}`,
    ...(q.undeclared ? ['(NOT declared in its embedded manifest)'] : []),
    '',
    'The current grants deny this. OK: allow this call once. Cancel: deny it.',
  ];
  return window.confirm(lines.join('\n')) ? 'once' : 'deny';
}

async function run(): Promise<void> {
  if (state.bytes === null || state.running) return;
  state.running = true;
  $<HTMLButtonElement>('run').disabled = true;
  $('output').textContent = '';
  $('log').querySelector('tbody')!.replaceChildren();
  setStatus('running…');
  const fs = new MemoryFs(state.seed);
  let n = 0;
  let allowed = 0;
  let denied = 0;
  const host = createHost({ files: fs, jspi: 'auto' });
  try {
    const args = $<HTMLInputElement>('args').value.split(/\s+/).filter((a) => a !== '');
    const result = await host.run(state.bytes, {
      manifest: chosenManifest(),
      args,
      env: parseEnv($<HTMLTextAreaElement>('env').value),
      label: state.name,
      ...($<HTMLInputElement>('ask').checked ? { prompt: askInDialog } : {}),
      console: (text, stream) => {
        // stderr in its own colour; text nodes, never HTML (the guest's output is untrusted).
        const span = el('span', stream === 'stderr' ? { class: 'stderr' } : {}, text);
        $('output').append(span);
      },
      audit: (r) => {
        if (r.decision === 'allow') allowed++;
        else denied++;
        logDecision(++n, r);
        $('counts').textContent = `${allowed} allowed, ${denied} denied`;
      },
    });
    const why = result.error ? `: ${result.error.message || result.error.name || String(result.error)}` : '';
    setStatus(`exit ${result.exitCode} (${result.outcome})`);
    if (why) $('output').append(el('span', { class: 'host' }, `\n[host] ${result.outcome}${why}\n`));
    demo.lastExit = result.exitCode;
    demo.lastOutcome = result.outcome;
  } catch (e) {
    setStatus(`error: ${(e as Error).message}`);
    demo.error = (e as Error).message;
    demo.lastOutcome = 'error';
  } finally {
    $('fs-after').textContent = fs.list().map((p) => {
      const t = fs.readText(p);
      return t === undefined ? p : `${p}  (${t.length} bytes)${t.length <= 80 ? `: ${JSON.stringify(t)}` : ''}`;
    }).join('\n');
    state.running = false;
    demo.runs++;
    $<HTMLButtonElement>('run').disabled = false;
  }
}

async function fetchExample(file: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(`dist/${file}`)).arrayBuffer());
}

async function main(): Promise<void> {
  const jspi = hasJspi();
  $('engine').textContent = `JSPI ${jspi ? 'available: blocking HTTP and sleeps wait' : 'not available: console, env, files and denials work; blocking HTTP/sleeps do not wait'}`;
  const index = (await (await fetch('dist/examples/examples.json')).json()) as ExampleIndex;
  state.seed = index.files;
  $('seed').textContent = Object.entries(index.files).map(([p, t]) => `${p}: ${JSON.stringify(t.length > 60 ? t.slice(0, 60) + '…' : t)}`).join('\n');
  const select = $<HTMLSelectElement>('example');
  for (const ex of index.examples) select.append(el('option', { value: ex.file, title: ex.description }, `${ex.name}${ex.description ? ` — ${ex.description.slice(0, 60)}` : ''}`));
  select.addEventListener('change', async () => loadGuest(select.value.split('/').pop()!, await fetchExample(select.value)));
  $<HTMLInputElement>('file').addEventListener('change', async (ev) => {
    const f = (ev.target as HTMLInputElement).files?.[0];
    if (f) await loadGuest(f.name, new Uint8Array(await f.arrayBuffer()));
  });
  const drop = $('drop');
  document.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  document.addEventListener('dragleave', () => drop.classList.remove('over'));
  document.addEventListener('drop', async (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f) await loadGuest(f.name, new Uint8Array(await f.arrayBuffer()));
  });
  $('run').addEventListener('click', () => void run());
  if (index.examples.length > 0) {
    const first = index.examples.find((x) => x.name === 'hello') ?? index.examples[0]!;
    select.value = first.file;
    await loadGuest(`${first.name}.wasm`, await fetchExample(first.file));
  }
  demo.ready = true;
}

main().catch((e: unknown) => {
  setStatus(`failed to start: ${(e as Error).message}`);
  demo.error = (e as Error).message;
});

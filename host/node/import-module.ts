/**
 * `import(specifier)` for a module outside molt-wasm's own code (jco-transpile, a transpiled
 * `component.js`), in this one place. The CLI bundle (scripts/bundle-cli.ts) is run as a
 * classic script compiled with a V8 code cache (host/cli/launch.ts), where `import()` is not
 * available without an experimental flag; the bundler replaces this module with one that
 * calls the launcher's `import()`, which resolves the same specifiers the same way (bare
 * names through the same node_modules, absolute file URLs as they are).
 */
export function importModule(specifier: string): Promise<unknown> {
  return import(specifier);
}

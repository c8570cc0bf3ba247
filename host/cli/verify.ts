/**
 * `molt-wasm verify --policy site.json app.wasm`: does the binary's embedded manifest stay
 * inside a site policy? Violations (exit 77) are each capability or scope the binary declares
 * that the site does not allow, or that overlaps something the site explicitly denies.
 */
import { Command } from 'commander';
import { PolicyViolationError } from '../errors.js';
import { readProvenance } from '../manifest/provenance.js';
import { manifestCovers } from '../policy/manifest.js';
import { ALL_CAPABILITY_NAMES } from '../policy/capabilities.js';
import { parseScopeObject, scopesMayOverlap } from '../policy/scopes/index.js';
import type { CanonicalManifest, CapabilityName } from '../policy/types.js';
import { inFile, loadManifestFile, loadWasm } from './load.js';
import { escapeForTerminal } from '../terminal-text.js';

const EXIT_CODES = `
Exit codes:
  0   the binary's manifest is within the site policy (an unsigned binary declares nothing)
  64  usage: missing --policy
  65  bad input: not wasm, malformed site policy, or the binary's provenance does not verify
  77  the binary declares capabilities the site policy does not allow or denies (each is listed)`;

function list(scopes: readonly string[]): string {
  return scopes.join(', ');
}

/** Every declared capability/scope of `binary` outside `site`, as readable lines. */
export function siteViolations(binary: CanonicalManifest, site: CanonicalManifest): string[] {
  const out: string[] = [];
  for (const cap of ALL_CAPABILITY_NAMES) {
    const grant = binary.allow[cap];
    if (grant === undefined) continue;
    const siteAllow = site.allow[cap];
    const siteDeny = site.deny[cap];
    if (siteDeny === true) {
      out.push(`${cap}: the site policy denies it`);
      continue;
    }
    if (grant === true) {
      if (siteAllow === undefined) out.push(`${cap}: not allowed by the site policy`);
      else if (siteAllow !== true)
        out.push(`${cap}: declared for every target, the site policy allows only ${list(siteAllow) || '(no scopes)'}`);
      if (siteDeny !== undefined) out.push(`${cap}: declared for every target, the site policy denies ${list(siteDeny)}`);
      continue;
    }
    for (const scope of grant) {
      // The binary's scope, as it spelled it: escaped (a scope with ESC or CR could redraw the line).
      const shown = escapeForTerminal(scope);
      if (!manifestCovers(site, cap, scope)) {
        out.push(
          siteAllow === undefined
            ? `${cap} ${shown}: not allowed by the site policy (it does not allow ${cap} at all)`
            : `${cap} ${shown}: not allowed by the site policy`,
        );
      }
      for (const denied of siteDeny ?? []) {
        if (overlaps(cap, scope, denied)) out.push(`${cap} ${shown}: the site policy denies ${denied}`);
      }
    }
  }
  return out;
}

function overlaps(cap: CapabilityName, a: string, b: string): boolean {
  return scopesMayOverlap(parseScopeObject(cap, a), parseScopeObject(cap, b));
}

export function runVerify(file: string, policyPath: string): string {
  const site = loadManifestFile(policyPath, 'site policy');
  const bytes = loadWasm(file);
  const reading = inFile(file, () => readProvenance(bytes));
  if (reading.status === 'unsigned') {
    return `ok: ${file} is unsigned: it declares nothing, so it is within ${policyPath} (run grants it console.write by default)`;
  }
  const violations = siteViolations(reading.manifest, site);
  if (violations.length > 0) {
    throw new PolicyViolationError(`${file} declares what ${policyPath} does not allow: ${violations.join('; ')}`, violations);
  }
  return `ok: ${file} (provenance verified) declares only what ${policyPath} allows`;
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description("check that a built binary's embedded manifest stays within a site policy")
    .argument('<app.wasm>', 'built component or core module')
    .requiredOption('--policy <site-policy.json>', 'site policy: a profile or canonical manifest (JSON, or molt.toml)')
    .addHelpText('after', EXIT_CODES)
    .action((file: string, opts: { policy: string }) => {
      process.stdout.write(runVerify(file, opts.policy) + '\n');
    });
}

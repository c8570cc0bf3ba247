/**
 * `--capabilities`: a comma list of names (`net,env,fs.read`), or a path to a JSON or TOML
 * capabilities file (SPEC section 3, Molt's `--capabilities profile.json`).
 */
import { ManifestError, MoltError } from '../../errors.js';
import type { CanonicalManifest } from '../../policy/index.js';
import { buildManifest, GrantCollector, requireCapability } from './grants.js';
import { quote } from './location.js';
import { parseMoltToml } from './molt-toml.js';
import { parseProfileJson } from './profile-json.js';

/**
 * Parses a comma list of capability names, each granted unscoped (`net,env` allows all of
 * net and env). Space around names is ignored; an empty list or an empty item (`net,,env`,
 * a trailing comma) is an error, as is an unknown name (UnknownCapabilityError quoting the
 * name and the whole list). `where` names the source (e.g. `--capabilities`).
 */
export function parseCapabilityList(text: string, where: string): CanonicalManifest {
  const allow = new GrantCollector();
  const items = text.split(',');
  if (text.trim() === '') {
    throw new ManifestError(`empty capability list ${quote(text)}; give names such as "net,env"`, where, text);
  }
  items.forEach((raw, i) => {
    const name = raw.trim();
    if (name === '') {
      throw new ManifestError(`empty item ${i + 1} in the capability list ${quote(text)}`, where, text);
    }
    allow.addAll(requireCapability(name, where, name === text.trim() ? undefined : `in ${quote(text)}`));
  });
  return buildManifest(allow, new GrantCollector(), where);
}

/** Whether a `--capabilities` value names a file rather than listing capabilities. */
export function isCapabilitiesFile(arg: string): boolean {
  return arg.includes('/') || arg.includes('\\') || /\.(json|toml)$/i.test(arg);
}

/**
 * The manifest of one `--capabilities` value: a file when the value contains `/` (or `\`)
 * or ends in `.json`/`.toml`, a comma list otherwise. A file is read with `readFile`
 * (injected, so this module stays free of I/O) and parsed by parseCapabilitiesFile. A read
 * failure is a ManifestError quoting the path, or the
 * reader's own MoltError unchanged.
 */
export function loadCapabilitiesArgument(arg: string, readFile: (path: string) => string): CanonicalManifest {
  const where = '--capabilities';
  if (!isCapabilitiesFile(arg)) return parseCapabilityList(arg, where);
  let text: string;
  try {
    text = readFile(arg);
  } catch (e) {
    if (e instanceof MoltError) throw e; // the reader already said what and where
    const reason = e instanceof Error ? e.message : String(e);
    throw new ManifestError(`cannot read the capabilities file ${quote(arg)}: ${reason}`, where, arg);
  }
  return parseCapabilitiesFile(text, arg);
}

/**
 * A capabilities file's text, by its name: `.toml` as molt.toml, `.json` as a JSON profile or
 * canonical manifest; any other name by its content (JSON when it starts with `{`, TOML
 * otherwise). `path` names the file in errors.
 */
export function parseCapabilitiesFile(text: string, path: string): CanonicalManifest {
  if (/\.toml$/i.test(path)) return parseMoltToml(text, path);
  if (/\.json$/i.test(path)) return parseProfileJson(text, path);
  return text.trimStart().startsWith('{') ? parseProfileJson(text, path) : parseMoltToml(text, path);
}

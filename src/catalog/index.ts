// Catalog loading: shipped catalogs/*.json, then $ERRSCAN_CATALOGS, then --catalog; validated and indexed once.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import safeRegex from 'safe-regex2';
import { ErrscanError, type ErrorCode } from '../errors.js';
import type { VendorCatalog } from '../types.js';
import { findSyntaxError, locatePointer, placeOf } from './json.js';
import { validate as generatedValidator } from './schema-validator.js';
import { PACKAGE_ROOT, builtinCatalogDir, catalogFiles, mergeCatalog, readCatalogText, shapeCatalog, type CatalogFile, type RawCatalog } from './files.js';
import { catalogSet, rememberRegExp, type CatalogSet } from './set.js';

// The lookup side has no validation dependencies (ajv, safe-regex2), so reading threads import set.js alone.
export { catalogSet, patternRegExp, type CatalogSet } from './set.js';
export { PACKAGE_ROOT, builtinCatalogDir, catalogFiles, type CatalogFile } from './files.js';

export interface LoadOptions {
  /** `--catalog FILE|DIR` values, applied last (they override everything else). */
  extra?: string[];
  /** Reads ERRSCAN_CATALOGS (path-delimiter separated files/dirs), applied after the shipped catalogs. */
  env?: NodeJS.ProcessEnv;
  /** Directory of the shipped catalogs; default `catalogs/` of the package. */
  builtinDir?: string;
}

/** Past this many quantifiers safe-regex2 calls a pattern unsafe; star height > 1 is always unsafe. */
export const REGEX_QUANTIFIER_LIMIT = 100;

// Compiled from catalogs/schema.json ahead of time (scripts/gen-catalog-validator.mjs): loading Ajv and
// compiling the schema at start-up cost ~80 ms of every command.
const schemaValidator = generatedValidator as unknown as ValidateFunction;

/** Is the regex free of nested quantifiers and repeated alternations (catastrophic backtracking)? Lookbehinds are checked as plain groups. */
export function isSafeRegex(source: string): boolean {
  // safe-regex2's parser does not know lookbehind; structurally it is a group like any other.
  const analysable = source.replace(/(?<!\\)\(\?<[=!]/g, '(?:');
  return safeRegex(analysable, { limit: REGEX_QUANTIFIER_LIMIT }) && !repeatsAlternation(source);
}

/**
 * A group holding an alternation, repeated more than once (`(a|aa)+`, `(\w|\d)*`, `((a|b)c){2,}`): when
 * its branches can match the same text the ways to split a line grow exponentially, and safe-regex2
 * (star height) does not see it. Branches are not compared: a character class (`[ab]+`) says the same safely.
 */
function repeatsAlternation(source: string): boolean {
  const open: boolean[] = [];
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (c === '[') {
      for (i++; i < source.length && source[i] !== ']'; i++) if (source[i] === '\\') i++;
    } else if (c === '(') open.push(false);
    else if (c === '|' && open.length > 0) open[open.length - 1] = true;
    else if (c === ')') {
      const alt = open.pop() ?? false;
      if (!alt) continue;
      if (open.length > 0) open[open.length - 1] = true;
      const q = /^(?:[*+]|\{(\d+)(,(\d*))?\})/.exec(source.slice(i + 1));
      if (q && (q[1] === undefined || (q[2] === undefined ? Number(q[1]) > 1 : q[3] === '' || Number(q[3]) > 1))) return true;
    }
  }
  return false;
}

function fail(code: ErrorCode, file: string, text: string, pointer: string, message: string, hint?: string): never {
  const p = locatePointer(text, pointer);
  throw new ErrscanError(code, `${pointer || '/'}: ${message}`, {
    file,
    where: `${p.line}:${p.column}`,
    ...(hint ? { hint } : {}),
  });
}

function schemaMessage(err: ErrorObject): { pointer: string; message: string } {
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties':
      return {
        pointer: `${err.instancePath}/${String(params.additionalProperty).replace(/~/g, '~0').replace(/\//g, '~1')}`,
        message: `unknown property "${String(params.additionalProperty)}"`,
      };
    case 'required':
      return { pointer: err.instancePath, message: `missing required property "${String(params.missingProperty)}"` };
    case 'enum':
      return { pointer: err.instancePath, message: `must be one of ${(params.allowedValues as unknown[]).join(', ')}` };
    default:
      return { pointer: err.instancePath, message: err.message ?? 'is invalid' };
  }
}

/** Where the build records the catalog texts it validated (scripts/stamp-catalogs.mjs). */
export const STAMP_FILE = path.join(PACKAGE_ROOT, 'dist/bin/validated-catalogs.json');

/** What the build writes: the Node version that validated (a regex's validity depends on it) and the texts. */
export interface CatalogStamp {
  node: string;
  sha256: string[];
}

let stamped: ReadonlySet<string> | undefined;

/** SHA-256 of a catalog file's text (after any BOM), as the build stamp lists it. */
export function catalogHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The texts a stamp file vouches for on this Node version: none if it is missing, malformed or another version's. */
export function stampedHashes(file = STAMP_FILE, node = process.version): ReadonlySet<string> {
  try {
    const stamp = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<CatalogStamp>;
    if (stamp.node !== node || !Array.isArray(stamp.sha256)) return new Set();
    return new Set(stamp.sha256.filter((h): h is string => typeof h === 'string'));
  } catch {
    return new Set();
  }
}

/**
 * Whether the build validated exactly this text: the shipped catalogs, unless edited since. Validating them
 * cost every command ~12 ms of start-up; any other text is validated as it loads.
 */
function validatedAtBuild(text: string): boolean {
  stamped ??= stampedHashes();
  return stamped.size > 0 && stamped.has(catalogHash(text));
}

/** Reads, parses and validates one catalog file; throws ErrscanError naming the file and the place. */
export function readCatalogFile(file: string): CatalogFile {
  const text = readCatalogText(file);
  if (validatedAtBuild(text)) return shapeCatalog(JSON.parse(text) as RawCatalog, file);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const syn = findSyntaxError(text) ?? { offset: text.length, message: (e as Error).message };
    const p = placeOf(text, syn.offset);
    throw new ErrscanError('ERRSCAN_CATALOG_BAD_JSON', `invalid JSON: ${syn.message}`, {
      file,
      where: `${p.line}:${p.column}`,
      cause: e,
    });
  }
  return validateCatalog(data, file, text);
}

/** Validates parsed catalog JSON (schema, duplicates, ranges, regexes) and fills defaults. */
export function validateCatalog(data: unknown, file: string, text = JSON.stringify(data, null, 2)): CatalogFile {
  const validate = schemaValidator;
  if (!validate(data)) {
    const first = validate.errors?.[0];
    const { pointer, message } = first ? schemaMessage(first) : { pointer: '', message: 'does not match the catalog schema' };
    fail('ERRSCAN_CATALOG_SCHEMA', file, text, pointer, message, 'see catalogs/schema.json');
  }
  const raw = data as RawCatalog;
  const codes = new Map<number, number>();
  const originals = new Map<number, number>();
  const names = new Map<string, number>();
  raw.entries.forEach((e, i) => {
    const at = `/entries/${i}`;
    const prev = codes.get(e.code);
    if (prev !== undefined) {
      fail('ERRSCAN_CATALOG_DUPLICATE_CODE', file, text, `${at}/code`, `duplicate code ${e.code} (first at /entries/${prev})`, 'merge the wordings into one entry: message + alternates');
    }
    codes.set(e.code, i);
    if (e.original !== undefined) {
      const p = originals.get(e.original);
      if (p !== undefined) fail('ERRSCAN_CATALOG_DUPLICATE_CODE', file, text, `${at}/original`, `duplicate original code ${e.original} (first at /entries/${p})`);
      originals.set(e.original, i);
    }
    if (e.name) {
      const p = names.get(e.name);
      if (p !== undefined) fail('ERRSCAN_CATALOG_SCHEMA', file, text, `${at}/name`, `duplicate name "${e.name}" (first at /entries/${p})`);
      names.set(e.name, i);
    }
    if (e.range) {
      const { min, max } = e.range;
      if (min !== undefined && max !== undefined && min > max) fail('ERRSCAN_CATALOG_SCHEMA', file, text, `${at}/range`, `range min ${min} is above max ${max}`);
      if ((min !== undefined && e.code < min) || (max !== undefined && e.code > max)) {
        fail('ERRSCAN_CATALOG_SCHEMA', file, text, `${at}/code`, `code ${e.code} lies outside its range`);
      }
    }
  });
  const ids = new Map<string, number>();
  (raw.patterns ?? []).forEach((p, i) => {
    const at = `/patterns/${i}`;
    const prev = ids.get(p.id);
    if (prev !== undefined) fail('ERRSCAN_CATALOG_SCHEMA', file, text, `${at}/id`, `duplicate pattern id "${p.id}" (first at /patterns/${prev})`);
    ids.set(p.id, i);
    let re: RegExp;
    try {
      re = new RegExp(p.regex, p.flags ?? '');
    } catch (e) {
      fail('ERRSCAN_CATALOG_BAD_REGEX', file, text, `${at}/regex`, `pattern "${p.id}" does not compile: ${(e as Error).message}`);
    }
    const groups = new RegExp(`(?:${p.regex})|`, p.flags ?? '').exec('')?.groups ?? {};
    if (!('code' in groups) && !('name' in groups)) {
      fail('ERRSCAN_CATALOG_NO_CODE_GROUP', file, text, `${at}/regex`, `pattern "${p.id}" has no named group (?<code>…) or (?<name>…)`);
    }
    if (!isSafeRegex(p.regex)) {
      fail(
        'ERRSCAN_CATALOG_UNSAFE_REGEX',
        file,
        text,
        `${at}/regex`,
        `pattern "${p.id}" is prone to catastrophic backtracking (nested quantifiers, a repeated alternation, or more than ${REGEX_QUANTIFIER_LIMIT} quantifiers)`,
        'avoid a quantifier or an alternation inside a repeated group, e.g. (a+)+ or (a|aa)+; a character class such as [ab]+ is safe',
      );
    }
    rememberRegExp(p, re);
  });
  return shapeCatalog(raw, file);
}

function envPaths(env: NodeJS.ProcessEnv | undefined): string[] {
  const v = env?.ERRSCAN_CATALOGS;
  return v ? v.split(path.delimiter).filter((s) => s.trim() !== '') : [];
}

/**
 * Loads the shipped catalogs, then ERRSCAN_CATALOGS, then `extra` (each a file or a directory), validating every
 * file. A later file with a known vendor id extends it: entries by code and patterns by id replace or add.
 */
export function loadCatalogs(opts: LoadOptions = {}): CatalogSet {
  const byVendor = new Map<string, VendorCatalog>();
  const paths = [opts.builtinDir ?? builtinCatalogDir(), ...envPaths(opts.env), ...(opts.extra ?? [])];
  for (const p of paths) for (const file of catalogFiles(p)) mergeCatalog(byVendor, readCatalogFile(file));
  return catalogSet([...byVendor.values()]);
}

/** The catalogs a command should use: shipped + $ERRSCAN_CATALOGS + its `--catalog` options. */
export function catalogsFromArgv(argv: { catalog?: string | string[] | undefined }, env: NodeJS.ProcessEnv = process.env): CatalogSet {
  const c = argv.catalog;
  const extra = c === undefined ? [] : Array.isArray(c) ? c.map(String) : [String(c)];
  return loadCatalogs({ extra, env });
}

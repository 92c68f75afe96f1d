// Finding catalog files and shaping parsed ones into loaded catalogs: the part of loading that needs no
// validation code (index.ts validates). A reading thread that prepares before the main thread's validated
// catalogs arrive reads the shipped files with this alone (unvalidatedShippedCatalogs).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrscanError } from '../errors.js';
import type { CatalogEntry, CatalogPattern, Severity, VendorCatalog } from '../types.js';

/** The package's `catalogs/` directory (same depth from src/catalog and dist/catalog). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export function builtinCatalogDir(): string {
  return path.join(PACKAGE_ROOT, 'catalogs');
}

/** Catalog JSON files of a path: the file itself, or a directory's *.json (not schema.json), sorted. */
export function catalogFiles(p: string): string[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    throw readError(p, e);
  }
  if (!st.isDirectory()) return [p];
  let all: string[];
  try {
    all = fs.readdirSync(p);
  } catch (e) {
    throw readError(p, e);
  }
  const names = all
    .filter((n) => n.endsWith('.json') && n !== 'schema.json' && !n.startsWith('.'))
    .sort();
  if (names.length === 0) {
    throw new ErrscanError('ERRSCAN_CATALOG_READ', 'no catalog files (*.json) in this directory', { file: p });
  }
  return names.map((n) => path.join(p, n));
}

/** A catalog file's text, without a byte order mark; a read failure throws ERRSCAN_CATALOG_READ naming it. */
export function readCatalogText(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw readError(file, e);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function readError(file: string, e: unknown): ErrscanError {
  const code = (e as NodeJS.ErrnoException).code;
  const what =
    code === 'ENOENT' ? 'no such catalog file or directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
  return new ErrscanError('ERRSCAN_CATALOG_READ', `cannot read catalog: ${what}`, {
    file,
    hint: 'check the --catalog / ERRSCAN_CATALOGS path',
    cause: e,
  });
}

/** One catalog file in its loaded form (defaults filled in, the vendor set on every entry). */
export interface CatalogFile {
  file: string;
  vendor: string;
  product?: string;
  source?: string;
  patterns?: CatalogPattern[];
  extract?: Record<string, unknown>;
  entries: CatalogEntry[];
}

/** A catalog file as parsed, before defaults are filled in. */
export interface RawCatalog {
  vendor: string;
  product?: string;
  source?: string;
  patterns?: CatalogPattern[];
  extract?: Record<string, unknown>;
  entries: Array<
    Omit<CatalogEntry, 'vendor' | 'name' | 'alternates' | 'category' | 'severity'> & {
      name?: string | null;
      alternates?: string[];
      category?: string;
      severity?: Severity;
    }
  >;
}

/** A catalog file in its loaded form: defaults filled in, the vendor set on every entry. Checks nothing. */
export function shapeCatalog(raw: RawCatalog, file: string): CatalogFile {
  const vendor = raw.vendor;
  const entries: CatalogEntry[] = raw.entries.map((e) => ({
    vendor,
    code: e.code,
    ...(e.original !== undefined ? { original: e.original } : {}),
    name: e.name ?? null,
    message: e.message,
    alternates: e.alternates ?? [],
    category: e.category ?? 'general',
    severity: e.severity ?? 'error',
    ...(e.range ? { range: { ...e.range } } : {}),
    ...(e.success !== undefined ? { success: e.success } : {}),
  }));
  return {
    file,
    vendor,
    ...(raw.product !== undefined ? { product: raw.product } : {}),
    ...(raw.source !== undefined ? { source: raw.source } : {}),
    ...(raw.patterns !== undefined ? { patterns: raw.patterns } : {}),
    ...(raw.extract !== undefined ? { extract: raw.extract } : {}),
    entries,
  };
}

/** Adds one file's catalog to the set: a new vendor, or an extension/override of a loaded one. */
export function mergeCatalog(into: Map<string, VendorCatalog>, f: CatalogFile): void {
  const have = into.get(f.vendor);
  if (!have) {
    into.set(f.vendor, {
      vendor: f.vendor,
      product: f.product ?? f.vendor,
      ...(f.source !== undefined ? { source: f.source } : {}),
      files: [f.file],
      patterns: [...(f.patterns ?? [])],
      ...(f.extract !== undefined ? { extract: { ...f.extract } } : {}),
      entries: [...f.entries],
    });
    return;
  }
  have.files.push(f.file);
  if (f.product !== undefined) have.product = f.product;
  if (f.source !== undefined) have.source = f.source;
  if (f.extract !== undefined) have.extract = { ...(have.extract ?? {}), ...f.extract };
  for (const p of f.patterns ?? []) {
    const i = have.patterns.findIndex((q) => q.id === p.id);
    if (i >= 0) have.patterns[i] = p;
    else have.patterns.push(p);
  }
  for (const e of f.entries) {
    const i = have.entries.findIndex((q) => q.code === e.code);
    if (i >= 0) have.entries[i] = e;
    else have.entries.push(e);
  }
}

/**
 * The shipped catalogs, read and shaped as loadCatalogs() would but not validated (no schema, regex or
 * duplicate checks: their code is most of a reading thread's start-up). Only for a guess that the validated
 * catalogs confirm: range-worker.ts uses this work only if the main thread's catalogs are equal to it.
 */
export function unvalidatedShippedCatalogs(): VendorCatalog[] {
  const byVendor = new Map<string, VendorCatalog>();
  for (const file of catalogFiles(builtinCatalogDir())) mergeCatalog(byVendor, shapeCatalog(JSON.parse(readCatalogText(file)) as RawCatalog, file));
  return [...byVendor.values()];
}

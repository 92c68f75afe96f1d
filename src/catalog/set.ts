// A loaded catalog set and its lookups: no validation dependencies, so the reading threads of a parallel
// ingest, which get catalogs already validated by the main thread, load only this.
import type { CatalogEntry, CatalogPattern, VendorCatalog } from '../types.js';

export interface CatalogSet {
  vendors: VendorCatalog[];
  vendor(id: string): VendorCatalog | undefined;
  /** Resolve vendor:code (range entries included, e.g. DWT <= -3000); undefined if not catalogued. */
  entry(vendor: string, code: number): CatalogEntry | undefined;
  /** DLS: original code (100..151) → entry. */
  byOriginal(vendor: string, original: number): CatalogEntry | undefined;
  /** Symbolic name (QLM `License_Expired`, case-sensitive exact) → entry. */
  byName(vendor: string, name: string): CatalogEntry | undefined;
}

const compiled = new WeakMap<CatalogPattern, RegExp>();

/** The pattern's RegExp, compiled once at load (compiled on first use for patterns not loaded here). */
export function patternRegExp(p: CatalogPattern): RegExp {
  let re = compiled.get(p);
  if (!re) {
    re = new RegExp(p.regex, p.flags ?? '');
    compiled.set(p, re);
  }
  return re;
}

/** Records the RegExp validation compiled for a pattern, so it is not compiled again. */
export function rememberRegExp(p: CatalogPattern, re: RegExp): void {
  compiled.set(p, re);
}

interface VendorIndex {
  cat: VendorCatalog;
  codes: Map<number, CatalogEntry>;
  ranges: CatalogEntry[];
  originals: Map<number, CatalogEntry>;
  names: Map<string, CatalogEntry>;
}

/** Builds the lookup set over merged vendor catalogs. */
export function catalogSet(vendors: VendorCatalog[]): CatalogSet {
  const idx = new Map<string, VendorIndex>();
  for (const cat of vendors) {
    const v: VendorIndex = { cat, codes: new Map(), ranges: [], originals: new Map(), names: new Map() };
    for (const e of cat.entries) {
      v.codes.set(e.code, e);
      if (e.range) v.ranges.push(e);
      if (e.original !== undefined) v.originals.set(e.original, e);
      if (e.name) v.names.set(e.name, e);
    }
    idx.set(cat.vendor, v);
  }
  const get = (id: string): VendorIndex | undefined => idx.get(id) ?? idx.get(id.toLowerCase());
  return {
    vendors,
    vendor: (id) => get(id)?.cat,
    entry(vendor, code) {
      const v = get(vendor);
      if (!v) return undefined;
      const exact = v.codes.get(code);
      if (exact) return exact;
      for (let i = 0; i < v.ranges.length; i++) {
        const r = v.ranges[i]!;
        const { min, max } = r.range!;
        if ((min === undefined || code >= min) && (max === undefined || code <= max)) return r;
      }
      return undefined;
    },
    byOriginal: (vendor, original) => get(vendor)?.originals.get(original),
    byName: (vendor, name) => get(vendor)?.names.get(name),
  };
}

// enrich(hit, ctx) → ErrorEvent: the catalog's metadata for a hit. Pure and synchronous.
import type { CatalogSet } from '../catalog/set.js';
import type { ErrorEvent, Hit } from '../types.js';

/** Where and when a hit was seen. */
export interface HitContext {
  /** UTC ISO 8601. */
  ts: string;
  source: string;
  /** 1-based line (or JSON array element) number. */
  line: number;
  /** The raw line, or the record as JSON. */
  text: string;
}

/**
 * A hit with its catalog entry: DWT codes <= -3000 take the range entry; a code the catalog does not know
 * is kept (known: false, metadata null) so it is counted and reported, and the catalog can be completed.
 */
export function enrich(hit: Hit, ctx: HitContext, set: CatalogSet): ErrorEvent {
  const cat = set.vendor(hit.vendor);
  const e = set.entry(hit.vendor, hit.code);
  return {
    vendor: hit.vendor,
    product: cat?.product ?? hit.vendor,
    code: hit.code,
    known: e !== undefined,
    name: e?.name ?? null,
    message: e?.message ?? null,
    category: e?.category ?? null,
    severity: e?.severity ?? null,
    ts: ctx.ts,
    source: ctx.source,
    line: ctx.line,
    text: ctx.text,
  };
}

// `errscan explain` lookups: a code, a symbolic name or message words → catalog entries. Pure over a CatalogSet.
import type { CatalogEntry } from '../types.js';
import type { CatalogSet } from './index.js';

export type MatchKind = 'code' | 'range' | 'original' | 'name' | 'words';

export interface LookupMatch {
  entry: CatalogEntry;
  via: MatchKind;
}

export interface LookupOptions {
  /** Only this vendor's catalog. */
  vendor?: string;
}

const WORD = /[\p{L}\p{N}]+/gu;

function words(s: string): string[] {
  return s.toLowerCase().match(WORD) ?? [];
}

/** Best coverage of the query words by one wording of the entry (1 = the wording is exactly those words); 0 = no match. */
function wordScore(query: readonly string[], entry: CatalogEntry): number {
  let best = 0;
  [entry.message, ...entry.alternates].forEach((text, i) => {
    const tw = new Set(words(text));
    if (tw.size === 0) return;
    let covered = 0;
    for (const q of query) {
      if (tw.has(q)) covered += 1;
      // "cancel" finds "cancelled", "expir" finds "expired"
      else if (q.length >= 4 && [...tw].some((w) => w.startsWith(q))) covered += 0.9;
      else return;
    }
    const score = covered / tw.size + (i === 0 ? 1e-6 : 0);
    if (score > best) best = score;
  });
  return best;
}

/**
 * Looks a query up across vendors. A number matches codes exactly; failing that, range entries (DWT <= -3000);
 * failing that, DLS original codes (111 → -20111). A name (`License_Expired`, `EServerErrorCode.License_Expired`)
 * matches symbolic names, exactly first, then ignoring case. Anything else, or a name that matches nothing, is
 * searched as words in messages and alternates (all words, any order, case-insensitive), best coverage first.
 */
export function lookup(set: CatalogSet, query: string, opts: LookupOptions = {}): LookupMatch[] {
  const vendors = set.vendors.filter((v) => opts.vendor === undefined || v.vendor === opts.vendor.toLowerCase());
  const q = query.trim().replace(/^["']|["']$/g, '').replace(/[\u2212\u2013]/g, '-');
  if (q === '') return [];

  if (/^[+-]?\d+$/.test(q)) {
    const n = Number(q);
    const exact = vendors.flatMap((v) => v.entries.filter((e) => e.code === n)).map((entry) => ({ entry, via: 'code' as const }));
    if (exact.length) return exact;
    const ranged = vendors
      .map((v) => set.entry(v.vendor, n))
      .filter((e): e is CatalogEntry => e?.range !== undefined)
      .map((entry) => ({ entry, via: 'range' as const }));
    if (ranged.length) return ranged;
    return vendors
      .map((v) => set.byOriginal(v.vendor, n))
      .filter((e): e is CatalogEntry => e !== undefined)
      .map((entry) => ({ entry, via: 'original' as const }));
  }

  // Exact name, as typed (QLM's "No Error" has a space) or as the last part of a qualified name.
  const last = q.split('.').at(-1) ?? q;
  for (const candidate of [q, last]) {
    const hits = vendors
      .map((v) => set.byName(v.vendor, candidate))
      .filter((e): e is CatalogEntry => e !== undefined)
      .map((entry) => ({ entry, via: 'name' as const }));
    if (hits.length) return hits;
  }
  if (/^[A-Za-z_][\w.]*$/.test(q)) {
    const lower = last.toLowerCase();
    const hits = vendors
      .flatMap((v) => v.entries.filter((e) => e.name !== null && e.name.toLowerCase() === lower))
      .map((entry) => ({ entry, via: 'name' as const }));
    if (hits.length) return hits;
  }

  const qw = words(q.includes('_') && !q.includes(' ') ? q.replace(/_/g, ' ') : q);
  if (qw.length === 0) return [];
  const scored: Array<{ entry: CatalogEntry; score: number; order: number }> = [];
  let order = 0;
  for (const v of vendors) {
    for (const entry of v.entries) {
      const score = wordScore(qw, entry);
      if (score > 0) scored.push({ entry, score, order: order++ });
      else order++;
    }
  }
  scored.sort((a, b) => b.score - a.score || a.order - b.order);
  return scored.map(({ entry }) => ({ entry, via: 'words' as const }));
}

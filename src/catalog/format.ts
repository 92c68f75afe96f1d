// Plain-text and JSON renderings of catalog entries for `explain` and `catalog show/list`.
import type { CatalogEntry, VendorCatalog } from '../types.js';
import type { CatalogSet } from './index.js';

/** An entry as printed by `--json`: every field, plus the vendor's product name. */
export interface EntryOut {
  vendor: string;
  product: string;
  code: number;
  original?: number;
  name: string | null;
  message: string;
  alternates: string[];
  category: string;
  severity: string;
  range?: { min?: number; max?: number };
  success?: boolean;
}

export function entryOut(set: CatalogSet, e: CatalogEntry): EntryOut {
  return {
    vendor: e.vendor,
    product: set.vendor(e.vendor)?.product ?? e.vendor,
    code: e.code,
    ...(e.original !== undefined ? { original: e.original } : {}),
    name: e.name,
    message: e.message,
    alternates: [...e.alternates],
    category: e.category,
    severity: e.severity,
    ...(e.range ? { range: { ...e.range } } : {}),
    ...(e.success !== undefined ? { success: e.success } : {}),
  };
}

/** `-2326`, `<= -3000`, `-3000..-2000`. */
export function codeLabel(e: CatalogEntry): string {
  if (!e.range) return String(e.code);
  const { min, max } = e.range;
  if (min !== undefined && max !== undefined) return `${min}..${max}`;
  return max !== undefined ? `<= ${max}` : `>= ${min}`;
}

/** One entry as labelled lines (explain's text output). */
export function entryText(set: CatalogSet, e: CatalogEntry): string {
  const product = set.vendor(e.vendor)?.product ?? e.vendor;
  const lines: Array<[string, string]> = [
    ['vendor', `${e.vendor} (${product})`],
    ['code', `${codeLabel(e)}${e.original !== undefined ? ` (original ${e.original})` : ''}${e.range ? ' (range rule)' : ''}`],
    ['name', e.name ?? '-'],
    ['message', e.message],
  ];
  e.alternates.forEach((a, i) => lines.push([i === 0 ? 'alternates' : '', a]));
  lines.push(['category', e.category], ['severity', e.severity]);
  if (e.success) lines.push(['success', 'yes: not an error, never counted as a hit']);
  return lines.map(([k, v]) => `  ${k.padEnd(11)}${v}`).join('\n');
}

/** A left-aligned text table; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]): string =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)].join('\n');
}

export function vendorSummary(v: VendorCatalog): {
  vendor: string;
  product: string;
  entries: number;
  ranges: number;
  patterns: number;
  samples: number;
  source: string | null;
  files: string[];
} {
  return {
    vendor: v.vendor,
    product: v.product,
    entries: v.entries.length,
    ranges: v.entries.filter((e) => e.range).length,
    patterns: v.patterns.length,
    samples: v.patterns.reduce((n, p) => n + p.samples.length, 0),
    source: v.source ?? null,
    files: [...v.files],
  };
}

// Plain-text and JSON renderings of catalog entries for `explain` and `catalog show/list`.
import type { CatalogEntry, VendorCatalog } from '../types.js';
import type { CatalogSet } from './index.js';

/** An entry as printed by `--json`: every field, plus the vendor's product name. */
export interface EntryOut extends CatalogEntry {
  product: string;
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

// C0, DEL, C1 and the invisible bidi/line controls: catalog text (user files, imported docs) must not drive the terminal.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;

/** Control characters shown as visible escapes (`\x1b`, `\u202e`), for text output. */
export function inert(s: string): string {
  return s.replace(CONTROL, (c) => {
    const n = c.codePointAt(0)!;
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
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
  return lines.map(([k, v]) => `  ${k.padEnd(11)}${inert(v)}`).join('\n');
}

/** A left-aligned text table; the last column is not padded. */
export function table(header: string[], cells: string[][]): string {
  const rows = cells.map((r) => r.map(inert));
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

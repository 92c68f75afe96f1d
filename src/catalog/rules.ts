// The written rules that give every imported entry its category and severity (see catalogs/README.md).
// Kept in code so `errscan catalog import` reproduces the shipped catalogs exactly.
import type { Severity } from '../types.js';

/** Product names of the shipped vendors (the importer's default `product`). */
export const PRODUCTS: Readonly<Record<string, string>> = {
  dls: 'Dynamsoft License Server',
  dwt: 'Dynamic Web TWAIN',
  qlm: 'Soraco Quick License Manager',
  pallycon: 'PallyCon (DoveRunner) Multi-DRM',
};

/** [min, max, category]: inclusive code ranges, first match wins. */
type RangeRule = readonly [number, number, string];

// Vendors without their own grouping: categories by documented code ranges.
const RANGES: Readonly<Record<string, readonly RangeRule[]>> = {
  // DLS has no grouping; ranges are over the original (server-side) code 100..151.
  dls: [
    [100, 100, 'server'],
    [101, 105, 'handshake'],
    [106, 109, 'license match'],
    [110, 115, 'license validity'],
    [120, 120, 'usage limit'],
    [121, 124, 'organization'],
    [125, 139, 'usage limit'],
    [140, 159, 'device'],
  ],
  // DWT: -1001..-1035 are -(1000 + TWAIN condition code); exceptions first.
  dwt: [
    [-1019, -1016, 'file system'],
    [-1022, -1022, 'file system'],
    [-1036, -1036, 'file system'],
    [-1069, -1001, 'twain source'],
    [-1299, -1070, 'image format'],
    [-2199, -2000, 'network'],
    [-2299, -2200, 'service connection'],
    [-2306, -2300, 'upload/download'],
    [-2308, -2308, 'service connection'],
    [-2313, -2313, 'upload/download'],
    [-2317, -2316, 'upload/download'],
    [-2311, -2311, 'upload/download'],
    [-2324, -2307, 'api usage'],
    [-2349, -2325, 'product key'],
    [-2370, -2370, 'product key'],
    [-2369, -2369, 'loading'],
    [-2395, -2395, 'loading'],
    [-2399, -2350, 'api usage'],
    [-2614, -2614, 'service connection'],
    [-2699, -2600, 'api usage'],
    [-2801, -2800, 'service connection'],
    [-2804, -2802, 'loading'],
    [-2815, -2805, 'api usage'],
    [-2822, -2822, 'loading'],
    [-2827, -2816, 'service connection'],
    [-2834, -2828, 'api usage'],
    [-2835, -2835, 'loading'],
    [-2999, -2836, 'api usage'],
    [Number.MIN_SAFE_INTEGER, -3000, 'other'],
  ],
  pallycon: [
    [1000, 1999, 'site'],
    [2000, 2999, 'database'],
    [7000, 7099, 'token'],
    [7100, 7199, 'widevine'],
    [7200, 7299, 'playready'],
    [7300, 7399, 'fairplay'],
    [8000, 8099, 'callback'],
    [8700, 8706, 'callback'],
    [8707, 8799, 'playback policy'],
    [9000, 9999, 'request'],
  ],
};

export function categoryRanges(vendor: string): readonly RangeRule[] | undefined {
  return RANGES[vendor];
}

/** `**PRODUCT PROPERIES ERRORS**` → `product properties`: the vendor's section heading as lowercase words. */
export function normalizeSection(heading: string): string {
  const words = heading
    .replace(/[*_`]/g, ' ')
    .toLowerCase()
    .split(/[^a-z0-9/]+/)
    .filter((w) => w !== '' && w !== 'errors' && w !== 'error')
    // The one typo in a shipped heading (QLM "PROPERIES").
    .map((w) => (w === 'properies' ? 'properties' : w));
  return words.join(' ') || 'general';
}

/**
 * Category of one code: success for code 0; the vendor's code ranges where it has them; else the
 * vendor's own section heading; else `general`.
 */
export function categoryFor(vendor: string, code: number, section: string | undefined, original?: number): string {
  if (code === 0) return 'success';
  const ranges = RANGES[vendor];
  if (ranges) {
    const key = vendor === 'dls' && original !== undefined ? original : vendor === 'dls' ? -code - 20000 : code;
    for (const [min, max, cat] of ranges) if (key >= min && key <= max) return cat;
  }
  return section ? normalizeSection(section) : 'general';
}

// Severity, first matching rule over any wording of the entry (see catalogs/README.md).
const INFO = /\bcancell?ed\b|\bsuccessfully\b/i;
const CRITICAL =
  /\bDB connection failed\b|\bconnection to the DB failed\b|\bupgrading the DB schema\b|\bconnection to the server failed\b|\bfailed to connect to the license server\b|\bfailed to communicate with \w+ license server\b|\bservice (?:has been )?stopped\b|\bservice is stopped\b|\b(?:cannot|refuses to) provide service\b|\bservice unavailable\b|\bhas been installed\b|\bis not installed\b|\bservice is running\b/i;
const WARNING =
  /\btry (?:again )?later\b|\bnot ready\b|\bis busy\b|\bhas been restarted\b|\bhas been reset\b|\btimed out\b|\bredirected\b|\bin progress\b|\bnot yet (?:effective|taken effect)\b|\bhas not yet taken effect\b|\bhas not come yet\b/i;

export function severityFor(wordings: readonly string[], success: boolean): Severity {
  if (success || wordings.some((w) => INFO.test(w))) return 'info';
  if (wordings.some((w) => CRITICAL.test(w))) return 'critical';
  if (wordings.some((w) => WARNING.test(w))) return 'warning';
  return 'error';
}

/** `RequestBlocked_Error` → `Request blocked error`: the message of an entry the vendor left undescribed. */
export function humanizeName(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_.]+/)
    .filter(Boolean);
  const out = words.map((w, i) => (/^[A-Z0-9]+$/.test(w) && w.length > 1 ? w : i === 0 ? w : w.toLowerCase()));
  const s = out.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// Shared data shapes for every stage of the flow:
// sources → records → extract → enrich → aggregate → store/report.

export type Severity = 'info' | 'warning' | 'error' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'error', 'critical'];

/** One error code of one vendor, as the catalogs describe it. */
export interface CatalogEntry {
  vendor: string;
  code: number;
  /** DLS only: the server-side original code (100..151) that maps to this product code. */
  original?: number;
  /** Symbolic name where the vendor has one (QLM `License_Expired`), else null. */
  name: string | null;
  message: string;
  /** Other wordings of the same code (other pages, other products). */
  alternates: string[];
  category: string;
  severity: Severity;
  /** A range entry (DWT `<= -3000`) covers every code in [min, max]; `code` is its representative. */
  range?: { min?: number; max?: number };
  /** Success codes (DWT 0, QLM 0) are catalogued but never counted as hits. */
  success?: boolean;
}

/** A sample line and the hits (`vendor:code`) it must give; `[]` means it must give none. */
export interface PatternSample {
  line: string;
  hits: string[];
}

/** A named extraction pattern of one vendor, stored as data in its catalog file. */
export interface CatalogPattern {
  id: string;
  /** JavaScript regex source with a named group `code` and/or `name`. */
  regex: string;
  flags?: string;
  description?: string;
  samples: PatternSample[];
  /** Extra per-pattern settings owned by the extraction stage (see src/extract). */
  [key: string]: unknown;
}

/** One vendor's catalog file after validation. */
export interface VendorCatalog {
  vendor: string;
  product: string;
  /** Where the entries came from (a path under catalogs/sources, or a URL). */
  source?: string;
  /** The file this catalog was loaded from (several when a user catalog extends a shipped one). */
  files: string[];
  patterns: CatalogPattern[];
  /** Vendor-level extraction settings (context anchors, message-matching rules). */
  extract?: Record<string, unknown>;
  entries: CatalogEntry[];
}

/** What `extract()` returns for one line or record: a vendor code found by a pattern or a message. */
export interface Hit {
  vendor: string;
  code: number;
  /** Pattern id, or `message` when found through catalog message text. */
  via: string;
}

/** An enriched hit: what is printed, stored and reported. */
export interface ErrorEvent {
  vendor: string;
  product: string;
  code: number;
  known: boolean;
  name: string | null;
  message: string | null;
  category: string | null;
  severity: Severity | null;
  /** UTC ISO 8601 timestamp of the line (or the time it was read). */
  ts: string;
  source: string;
  /** 1-based line number in its source; for a JSON array, the element's 1-based position. */
  line: number;
  /** The raw line, or the record as JSON. */
  text: string;
}

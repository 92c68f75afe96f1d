// The report model: what every renderer (table, JSON, CSV, Markdown, HTML) prints.
import type { CodeInfo, SampleRow } from '../store/types.js';

export type GroupBy = 'day' | 'vendor' | 'source' | 'category' | 'host';
export const GROUP_BYS: readonly GroupBy[] = ['day', 'vendor', 'source', 'category', 'host'];

/** The read side of the Store that reports use (so a PostgreSQL store serves them unchanged). */
export type ReportStore = Pick<import('../store/types.js').Store, 'counts' | 'firstLastSeen' | 'codeInfo' | 'samples'>;

export interface ReportOptions {
  /** IANA zone the days follow. */
  tz: string;
  /** `--day` (YYYY-MM-DD | today | yesterday | age in days); default yesterday. */
  day?: string;
  since?: string;
  until?: string;
  /** Rows per ranking; 0 for all. */
  top: number;
  vendor?: string[];
  source?: string[];
  by?: GroupBy;
  /** Days of per-code daily series, ending with the period's last day; `auto`: the period's days, 7..90. */
  trend?: number | 'auto';
  /** Sample lines to fetch per ranked code (HTML details); 0 for none. */
  samples?: number;
  /** Unix seconds; `today`, `yesterday` and ages count from it. */
  now?: number;
}

/** A ranked code: what the catalog says of it (CodeInfo) and its counts in the period. */
export interface ReportRow extends CodeInfo {
  rank: number;
  count: number;
  /** count / total of the ranking's scope (the report, or the group), 0..1. */
  share: number;
  /** Count in the previous period of the same length. */
  previous: number;
  /** count − previous. */
  change: number;
  /** Mean count over the 7 periods before this one (the SPIKE baseline). */
  baseline: number;
  /** First and last time the code was ever seen (within the report's vendor/source filters). */
  firstSeen: string | null;
  lastSeen: string | null;
  /** Never seen before this period. */
  isNew: boolean;
  /** count ≥ max(SPIKE_MIN, SPIKE_FACTOR × baseline). */
  spike: boolean;
  /** Sources it was seen in during the period, most hits first. */
  sources: string[];
  /** Hosts (`--host` labels) it was seen on during the period, most hits first; only when the period has several. */
  hosts?: string[];
  /** Daily counts over the report's trend days, when asked for. */
  trend?: number[];
  samples?: SampleRow[];
}

export interface Ranking {
  total: number;
  previousTotal: number;
  distinct: number;
  newCodes: number;
  spikes: number;
  /** The top N rows. */
  rows: ReportRow[];
  /** Every code in scope, ranked (rows is its first N); alerts look at all of them. */
  all: ReportRow[];
}

export interface ReportGroup extends Ranking {
  by: GroupBy;
  key: string;
}

export interface UnknownCode {
  vendor: string;
  code: number;
  count: number;
}

export interface Report extends Ranking {
  /** Bucket bounds, unix seconds: [fromTs, toTs). */
  fromTs: number;
  toTs: number;
  /** The same bounds as local ISO 8601 with offset. */
  from: string;
  to: string;
  tz: string;
  label: string;
  days: string[] | null;
  top: number;
  filters: { vendor: string[]; source: string[] };
  /** Hits with a code the catalog does not know. */
  unknown: number;
  unknownDistinct: number;
  topUnknown: UnknownCode[];
  by: GroupBy | null;
  groups: ReportGroup[] | null;
  trendDays: string[] | null;
  /** Hits per trend day, all codes. */
  trendTotals: number[] | null;
  /** When the report was made, unix seconds. */
  generatedAt: number;
  /** Hosts with hits in the period, most hits first (a fleet's report has several; renderers add a hosts column then). */
  hosts: string[];
}

/** SPIKE: count ≥ max(SPIKE_MIN, SPIKE_FACTOR × mean of the 7 periods before). */
export const SPIKE_MIN = 10;
export const SPIKE_FACTOR = 3;
export const SPIKE_WINDOW = 7;

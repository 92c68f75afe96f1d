// `--csv`: RFC 4180 (CRLF, quoted when needed), one row per ranked code; spreadsheet formulas neutralised.
import type { Report, ReportRow } from '../types.js';
import { escapeControl } from '../text.js';

const HEADER = [
  'rank', 'vendor', 'code', 'known', 'name', 'message', 'category', 'severity', 'count', 'share', 'previous',
  'change', 'first_seen', 'last_seen', 'new', 'spike', 'sources',
];

type Cell = string | number | boolean | null;

/**
 * A text cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`) gets a leading `'`. Numbers
 * are written as numbers, so a negative code stays `-2326`. Control characters are written as `\xHH`,
 * so the CSV is safe to print on a terminal and keeps one record per line.
 */
export function csvCell(v: Cell): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  let s = escapeControl(v);
  if (/^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function cells(r: ReportRow): Cell[] {
  return [
    r.rank, r.vendor, r.code, r.known, r.name, r.message, r.category, r.severity, r.count,
    Math.round(r.share * 1e4) / 1e4, r.previous, r.change, r.firstSeen, r.lastSeen, r.isNew, r.spike, r.sources.join(';'),
  ];
}

export function renderCsv(report: Report): string {
  const lines: string[] = [];
  const trend = report.trendDays !== null;
  const hosts = report.hosts.length > 1;
  const head = [...(report.groups ? ['group_by', 'group'] : []), ...HEADER, ...(hosts ? ['hosts'] : []), ...(trend ? ['trend'] : [])];
  lines.push(head.map(csvCell).join(','));
  const emit = (prefix: Cell[], r: ReportRow) =>
    lines.push([...prefix, ...cells(r), ...(hosts ? [(r.hosts ?? []).join(';')] : []), ...(trend ? [(r.trend ?? []).join(' ')] : [])].map(csvCell).join(','));
  if (report.groups) {
    for (const g of report.groups) for (const r of g.rows) emit([g.by, g.key], r);
  } else {
    for (const r of report.rows) emit([], r);
  }
  return `${lines.join('\r\n')}\r\n`;
}

// The terminal report: a header, then an aligned table fitted to the terminal width.
import type { Severity } from '../../types.js';
import type { Ranking, Report, ReportRow } from '../types.js';
import { SPIKE_RULE_TEXT, describe, displayWidth, flags, int, oneLine, padEnd, padStart, pct, plural, signed, sparkline, truncate } from '../text.js';

export interface TableOptions {
  /** Terminal columns to fit. */
  width: number;
  color: boolean;
}

const SGR = {
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
  reset: '\x1b[0m',
} as const;

const SEVERITY_SGR: Record<Severity, string> = {
  critical: `${SGR.bold}${SGR.red}`,
  error: SGR.red,
  warning: SGR.yellow,
  info: SGR.cyan,
};

interface Column {
  id: string;
  title: string;
  align: 'left' | 'right';
  /** Lower goes first when the terminal is too narrow. */
  keep: number;
  cell: (r: ReportRow) => string;
  style?: (r: ReportRow, text: string) => string;
}

const MIN_DESCRIPTION = 16;
const GAP = 2;

export function renderTable(report: Report, opts: TableOptions): string {
  const width = Math.max(40, Math.floor(opts.width));
  const c = (code: string, s: string) => (opts.color && s ? `${code}${s}${SGR.reset}` : s);
  const out: string[] = [];
  const line = (s = '') => out.push(truncate(s, width));

  // Header: plain text measured first, colour added after cutting.
  const title = `errscan report · ${report.label} · ${report.tz}`;
  out.push(c(SGR.bold, truncate(title, width)));
  line(`${report.from} → ${report.to}`);
  const prevWord = report.days && report.days.length === 1 ? 'previous day' : 'previous period';
  for (const l of wrap([
    plural(report.total, 'hit'), plural(report.distinct, 'code'), `${report.newCodes} new`, `${report.spikes} spiking`,
    `${prevWord} ${int(report.previousTotal)} (${signed(report.total - report.previousTotal)})`,
  ], ' · ', width)) line(l);
  if (report.unknown > 0) {
    const list = report.topUnknown.map((u) => `${u.vendor}:${u.code} ×${int(u.count)}`).join(', ');
    line(oneLine(`unknown codes: ${plural(report.unknown, 'hit')} in ${plural(report.unknownDistinct, 'code')} (${list}${report.unknownDistinct > report.topUnknown.length ? ', …' : ''})`));
  } else {
    line('unknown codes: none');
  }
  const f = report.filters;
  if (f.vendor.length || f.source.length) {
    line(oneLine(`filters: ${[f.vendor.length ? `vendor ${f.vendor.join(', ')}` : '', f.source.length ? `source ${f.source.join(', ')}` : ''].filter(Boolean).join(' · ')}`));
  }

  if (report.total === 0) {
    out.push('', 'No vendor errors in this period.');
    return `${out.join('\n')}\n`;
  }

  const sections: Array<{ heading: string | null; ranking: Ranking }> = report.groups
    ? report.groups.map((g) => ({
        heading: oneLine(`${g.by} ${g.key} · ${plural(g.total, 'hit')} · ${plural(g.distinct, 'code')}`),
        ranking: g,
      }))
    : [{ heading: null, ranking: report }];
  const shown = sections.flatMap((s) => s.ranking.rows);
  const cols = fitColumns(columns(report, c), shown, width);

  for (const s of sections) {
    out.push('');
    if (s.heading) out.push(c(SGR.bold, truncate(`── ${s.heading} ${'─'.repeat(width)}`, width).replace(/…$/, '─')));
    out.push(c(SGR.dim, renderRow(cols.map((k) => ({ ...k, text: k.col.title })), null)));
    for (const r of s.ranking.rows) {
      out.push(renderRow(cols.map((k) => ({ ...k, text: truncate(k.col.cell(r), k.width) })), r));
    }
    if (s.ranking.rows.length < s.ranking.distinct) {
      const rest = s.ranking.all.slice(s.ranking.rows.length).reduce((n, r) => n + r.count, 0);
      out.push(c(SGR.dim, truncate(`… ${plural(s.ranking.distinct - s.ranking.rows.length, 'more code')} (${plural(rest, 'hit')}); use --top N`, width)));
    }
  }
  out.push('', ...wrap(['NEW: first seen in this period', SPIKE_RULE_TEXT], ' · ', width).map((l) => c(SGR.dim, truncate(l, width))));
  return `${out.join('\n')}\n`;
}

/** Joins parts with `sep`, starting a new line where the next part would not fit. */
function wrap(parts: string[], sep: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const p of parts) {
    if (cur && displayWidth(cur + sep + p) > width) {
      lines.push(cur);
      cur = p;
    } else {
      cur = cur ? cur + sep + p : p;
    }
  }
  if (cur) lines.push(cur);
  return lines;
}

interface Fitted {
  col: Column;
  width: number;
}

function renderRow(cells: Array<Fitted & { text: string }>, r: ReportRow | null): string {
  const parts = cells.map(({ col, width, text }) => {
    const padded = col.align === 'right' ? padStart(text, width) : padEnd(text, width);
    return r && col.style ? col.style(r, padded) : padded;
  });
  return parts.join(' '.repeat(GAP)).trimEnd();
}

function columns(report: Report, c: (code: string, s: string) => string): Column[] {
  const sev = (r: ReportRow, s: string) => (r.severity ? c(SEVERITY_SGR[r.severity], s) : s);
  const cols: Column[] = [
    { id: 'rank', title: '#', align: 'right', keep: 9, cell: (r) => String(r.rank) },
    { id: 'vendor', title: 'VENDOR', align: 'left', keep: 9, cell: (r) => oneLine(r.vendor) },
    { id: 'code', title: 'CODE', align: 'right', keep: 9, cell: (r) => String(r.code), style: sev },
    { id: 'severity', title: 'SEVERITY', align: 'left', keep: 3, cell: (r) => r.severity ?? '—', style: sev },
    { id: 'count', title: 'COUNT', align: 'right', keep: 9, cell: (r) => int(r.count) },
    { id: 'share', title: 'SHARE', align: 'right', keep: 2, cell: (r) => pct(r.share) },
    { id: 'previous', title: 'PREV', align: 'right', keep: 1, cell: (r) => int(r.previous) },
    { id: 'change', title: 'CHANGE', align: 'right', keep: 4, cell: (r) => signed(r.change) },
    {
      id: 'flags', title: 'FLAGS', align: 'left', keep: 5,
      cell: (r) => flags(r).join(' '),
      style: (r, s) => s.replace('NEW', c(SGR.green, 'NEW')).replace('SPIKE', c(`${SGR.bold}${SGR.magenta}`, 'SPIKE')),
    },
  ];
  if (report.hosts.length > 1) {
    cols.push({ id: 'hosts', title: 'HOSTS', align: 'right', keep: 2, cell: (r) => int(r.hosts?.length ?? 0) });
  }
  if (report.trendDays) {
    cols.push({ id: 'trend', title: `TREND ${report.trendDays.length}d`, align: 'left', keep: 3, cell: (r) => sparkline(r.trend ?? []) });
  }
  cols.push({ id: 'description', title: 'DESCRIPTION', align: 'left', keep: 10, cell: (r) => oneLine(describe(r)) });
  return cols;
}

/** Column widths from the content; drops the least needed columns until the description gets room. */
function fitColumns(cols: Column[], rows: ReportRow[], width: number): Fitted[] {
  let fitted: Fitted[] = cols.map((col) => ({
    col,
    width: Math.max(displayWidth(col.title), ...rows.map((r) => displayWidth(col.cell(r)))),
  }));
  const used = (f: Fitted[]) => f.filter((x) => x.col.id !== 'description').reduce((s, x) => s + x.width + GAP, 0);
  while (width - used(fitted) < MIN_DESCRIPTION) {
    const droppable = fitted.filter((x) => x.col.keep < 9).sort((a, b) => a.col.keep - b.col.keep)[0];
    if (!droppable) break;
    fitted = fitted.filter((x) => x !== droppable);
  }
  const desc = fitted.find((x) => x.col.id === 'description');
  if (desc) desc.width = Math.max(MIN_DESCRIPTION, Math.min(desc.width, width - used(fitted)));
  return fitted;
}

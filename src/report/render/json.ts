// `--json`: the documented machine-readable shape (snake_case keys, see README "report").
import { SPIKE_FACTOR, SPIKE_MIN, SPIKE_WINDOW, type Ranking, type Report, type ReportRow } from '../types.js';

const round = (n: number, places: number) => {
  const f = 10 ** places;
  return Math.round(n * f) / f;
};

export function rowJson(r: ReportRow): Record<string, unknown> {
  const o: Record<string, unknown> = {
    rank: r.rank,
    vendor: r.vendor,
    code: r.code,
    known: r.known,
    name: r.name,
    message: r.message,
    category: r.category,
    severity: r.severity,
    count: r.count,
    share: round(r.share, 4),
    previous: r.previous,
    change: r.change,
    first_seen: r.firstSeen,
    last_seen: r.lastSeen,
    new: r.isNew,
    spike: r.spike,
    sources: r.sources,
    product: r.product,
    baseline: round(r.baseline, 2),
  };
  if (r.trend) o.trend = r.trend;
  if (r.hosts) o.hosts = r.hosts;
  if (r.samples) o.samples = r.samples.map((s) => ({ ts: s.ts, source: s.source, line: s.line, text: s.text }));
  return o;
}

function rankingJson(r: Ranking): Record<string, unknown> {
  return {
    total: r.total,
    previous_total: r.previousTotal,
    distinct: r.distinct,
    new_codes: r.newCodes,
    spikes: r.spikes,
    rows: r.rows.map(rowJson),
  };
}

export function reportJson(report: Report): Record<string, unknown> {
  const { rows, ...ranking } = rankingJson(report);
  const o: Record<string, unknown> = {
    from: report.from,
    to: report.to,
    tz: report.tz,
    total: report.total,
    distinct: report.distinct,
    unknown: report.unknown,
    rows,
    label: report.label,
    days: report.days,
    ...ranking,
    unknown_distinct: report.unknownDistinct,
    top_unknown: report.topUnknown,
    top: report.top,
    filters: report.filters,
    spike_rule: { min: SPIKE_MIN, factor: SPIKE_FACTOR, window: SPIKE_WINDOW },
  };
  // Only a fleet's report (several hosts in the period) names its hosts, here and in each row.
  if (report.hosts.length > 1) o.hosts = report.hosts;
  if (report.trendDays) {
    o.trend_days = report.trendDays;
    o.trend_totals = report.trendTotals;
  }
  if (report.groups) {
    o.by = report.by;
    o.groups = report.groups.map((g) => ({ key: g.key, ...rankingJson(g) }));
  }
  return o;
}

export function renderJson(report: Report): string {
  return `${JSON.stringify(reportJson(report), null, 2)}\n`;
}

// Builds the report model from the store's read methods only (counts, firstLastSeen, codeInfo,
// samples), so any Store implementation serves reports. `computeReport` is the pure part.
import { ErrscanError } from '../errors.js';
import type { CodeInfo, CountRow, SampleRow } from '../store/types.js';
import { addDays, dateRange, resolvePeriod, trailingSlots, Zone, type Period, type Span } from './period.js';
import {
  SPIKE_FACTOR, SPIKE_MIN, SPIKE_WINDOW,
  type GroupBy, type Ranking, type Report, type ReportGroup, type ReportOptions, type ReportRow, type ReportStore,
  type UnknownCode,
} from './types.js';

type FirstLast = { firstSeen: string; lastSeen: string };

/** Everything read from the store for one report. */
export interface ReportData {
  counts: CountRow[];
  firstLast: Map<string, FirstLast>;
  /** Per source, for `--by source` (NEW within a source). */
  firstLastBySource?: Map<string, Map<string, FirstLast>>;
  /** Per host, for `--by host` (NEW on that host). */
  firstLastByHost?: Map<string, Map<string, FirstLast>>;
  info: Map<string, CodeInfo>;
}

/** What a report covers, resolved from the options before anything is read. */
export interface ReportPlan {
  zone: Zone;
  period: Period;
  slots: Span[];
  trendDays: string[] | null;
  trendSpans: Span[] | null;
  dayGroups: Array<{ day: string; slots: Span[] }> | null;
  /** The bucket range to read: every slot and trend day. */
  read: Span;
  vendor: string[];
  source: string[];
  now: number;
}

export const codeKey = (vendor: string, code: number): string => `${vendor}:${code}`;

export function planReport(opts: ReportOptions): ReportPlan {
  const zone = new Zone(opts.tz);
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const period = resolvePeriod({ day: opts.day, since: opts.since, until: opts.until }, zone, now);
  const slots = trailingSlots(period, zone, SPIKE_WINDOW);
  const lastDay = period.days ? period.days[period.days.length - 1]! : zone.dateOf(period.to - 1);
  const firstDay = period.days ? period.days[0]! : zone.dateOf(period.from);

  let trendDays: string[] | null = null;
  let trendSpans: Span[] | null = null;
  const trend = opts.trend === 'auto' ? Math.min(90, Math.max(7, dateRange(firstDay, lastDay).length)) : opts.trend;
  if (trend) {
    trendDays = dateRange(addDays(lastDay, -(trend - 1)), lastDay);
    trendSpans = trendDays.map((d) => ({ from: zone.dayStart(d), to: zone.dayStart(addDays(d, 1)) }));
  }

  let dayGroups: ReportPlan['dayGroups'] = null;
  if (opts.by === 'day') {
    dayGroups = dateRange(firstDay, lastDay).map((day) => {
      const full = { from: zone.dayStart(day), to: zone.dayStart(addDays(day, 1)) };
      const own = { from: Math.max(full.from, period.from), to: Math.min(full.to, period.to) };
      const before = trailingSlots({ from: full.from, to: full.to, days: [day], label: day }, zone, SPIKE_WINDOW).slice(1);
      return { day, slots: [own, ...before] };
    });
  }

  const spans = [...slots, ...(trendSpans ?? []), ...(dayGroups ?? []).flatMap((g) => g.slots)];
  const read = { from: Math.min(...spans.map((s) => s.from)), to: Math.max(...spans.map((s) => s.to)) };
  const list = (v: string[] | undefined, lower: boolean) =>
    [...new Set((v ?? []).flatMap((x) => String(x).split(',')).map((x) => (lower ? x.trim().toLowerCase() : x.trim())).filter(Boolean))];
  return { zone, period, slots, trendDays, trendSpans, dayGroups, read, vendor: list(opts.vendor, true), source: list(opts.source, false), now };
}

export async function buildReport(store: ReportStore, opts: ReportOptions): Promise<Report> {
  const plan = planReport(opts);
  const filters = {
    ...(plan.vendor.length ? { vendor: plan.vendor } : {}),
    ...(plan.source.length ? { source: plan.source } : {}),
  };
  const [counts, fl, info] = await Promise.all([
    store.counts({ from: plan.read.from, to: plan.read.to, ...filters }),
    store.firstLastSeen(filters),
    store.codeInfo(),
  ]);
  checkVendors(plan.vendor, info);
  const data: ReportData = {
    counts,
    firstLast: new Map(fl.map((r) => [codeKey(r.vendor, r.code), { firstSeen: r.firstSeen, lastSeen: r.lastSeen }])),
    info: new Map(info.map((i) => [codeKey(i.vendor, i.code), i])),
  };
  if (opts.by === 'source') {
    const sources = new Set(counts.filter((r) => r.bucket >= plan.period.from && r.bucket < plan.period.to).map((r) => r.source));
    data.firstLastBySource = new Map();
    for (const s of [...sources].sort()) {
      const rows = await store.firstLastSeen({ ...filters, source: [s] });
      data.firstLastBySource.set(s, new Map(rows.map((r) => [codeKey(r.vendor, r.code), { firstSeen: r.firstSeen, lastSeen: r.lastSeen }])));
    }
  }
  if (opts.by === 'host') {
    const hosts = new Set(counts.filter((r) => r.bucket >= plan.period.from && r.bucket < plan.period.to).map((r) => r.host));
    data.firstLastByHost = new Map();
    for (const h of [...hosts].sort()) {
      const rows = await store.firstLastSeen({ ...filters, host: [h] });
      data.firstLastByHost.set(h, new Map(rows.map((r) => [codeKey(r.vendor, r.code), { firstSeen: r.firstSeen, lastSeen: r.lastSeen }])));
    }
  }
  const report = computeReport(plan, data, opts);
  const perCode = opts.samples ?? 0;
  if (perCode > 0) {
    const cache = new Map<string, Promise<SampleRow[]>>();
    const shown = [...report.rows, ...(report.groups ?? []).flatMap((g) => g.rows)];
    for (const row of shown) {
      const k = codeKey(row.vendor, row.code);
      if (!cache.has(k)) cache.set(k, store.samples(row.vendor, row.code, perCode));
      row.samples = await cache.get(k)!;
    }
  }
  return report;
}

/** A --vendor the store has never heard of is a typo, not an empty report (which would silence an alert). */
function checkVendors(wanted: string[], info: CodeInfo[]): void {
  if (!wanted.length || !info.length) return;
  const known = [...new Set(info.map((i) => i.vendor))].sort();
  const bad = wanted.filter((v) => !known.includes(v));
  if (bad.length) {
    throw new ErrscanError('ERRSCAN_UNKNOWN_VENDOR', `unknown vendor "${bad.join('", "')}"`, { hint: `known: ${known.join(', ')}` });
  }
}

interface Acc {
  vendor: string;
  code: number;
  slots: number[];
  sources: Map<string, number>;
  hosts: Map<string, number>;
  trend: number[] | null;
}

/** The report from what was read: no I/O. */
export function computeReport(plan: ReportPlan, data: ReportData, opts: Pick<ReportOptions, 'top' | 'by'>): Report {
  const { period, slots, zone } = plan;
  const top = opts.top;
  // Hosts in the period: with more than one (a fleet), rows list the hosts they were seen on.
  const hostHits = new Map<string, number>();
  for (const r of data.counts) if (r.bucket >= period.from && r.bucket < period.to) hostHits.set(r.host, (hostHits.get(r.host) ?? 0) + r.count);
  const hosts = byHits(hostHits);
  const fleet = hosts.length > 1;
  const main = rank(accumulate(data.counts, slots, plan.trendSpans), slots[0]!, data, data.firstLast, top, fleet);

  const unknownAll = main.all.filter((r) => !r.known);
  const topUnknown: UnknownCode[] = unknownAll.slice(0, 5).map((r) => ({ vendor: r.vendor, code: r.code, count: r.count }));

  let trendTotals: number[] | null = null;
  if (plan.trendSpans) {
    trendTotals = plan.trendSpans.map(() => 0);
    for (const r of data.counts) {
      const i = spanIndex(plan.trendSpans, r.bucket);
      if (i >= 0) trendTotals[i]! += r.count;
    }
  }

  let groups: ReportGroup[] | null = null;
  const by: GroupBy | null = opts.by ?? null;
  if (by === 'day') {
    groups = (plan.dayGroups ?? []).map((g) => {
      const acc = accumulate(data.counts, g.slots, plan.trendSpans);
      return { by, key: g.day, ...rank(acc, g.slots[0]!, data, data.firstLast, top, fleet) };
    });
  } else if (by) {
    // Partition once, so many groups (sources) cost one pass over the rows, not one pass each.
    const keyOf = groupKey(by, data.info);
    const parts = new Map<string, CountRow[]>();
    for (const r of data.counts) {
      const k = keyOf(r);
      let list = parts.get(k);
      if (!list) parts.set(k, (list = []));
      list.push(r);
    }
    const keys = [...parts].filter(([, rows]) => rows.some((r) => r.bucket >= period.from && r.bucket < period.to)).map(([k]) => k);
    groups = keys.map((key) => {
      const acc = accumulate(parts.get(key)!, slots, plan.trendSpans);
      const fl =
        by === 'source' ? (data.firstLastBySource?.get(key) ?? data.firstLast) : by === 'host' ? (data.firstLastByHost?.get(key) ?? data.firstLast) : data.firstLast;
      return { by, key, ...rank(acc, slots[0]!, data, fl, top, fleet) };
    });
    groups.sort((a, b) => b.total - a.total || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  return {
    ...main,
    fromTs: period.from,
    toTs: period.to,
    from: zone.iso(period.from),
    to: zone.iso(period.to),
    tz: zone.name,
    label: period.label,
    days: period.days,
    top,
    filters: { vendor: plan.vendor, source: plan.source },
    unknown: unknownAll.reduce((s, r) => s + r.count, 0),
    unknownDistinct: unknownAll.length,
    topUnknown,
    by,
    groups,
    trendDays: plan.trendDays,
    trendTotals,
    generatedAt: plan.now,
    hosts,
  };
}

/** Keys by hits, most first, ties by key. */
function byHits(m: Map<string, number>): string[] {
  return [...m].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).map(([k]) => k);
}

function groupKey(by: Exclude<GroupBy, 'day'>, info: Map<string, CodeInfo>): (r: CountRow) => string {
  if (by === 'vendor') return (r) => r.vendor;
  if (by === 'source') return (r) => r.source;
  if (by === 'host') return (r) => r.host;
  return (r) => info.get(codeKey(r.vendor, r.code))?.category ?? '(uncategorised)';
}

/** Index of the span holding `bucket` in sorted, non-overlapping spans, or -1. */
function spanIndex(spans: Span[], bucket: number): number {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = spans[mid]!;
    if (bucket < s.from) hi = mid - 1;
    else if (bucket >= s.to) lo = mid + 1;
    else return mid;
  }
  return -1;
}

interface Accumulated {
  accs: Map<string, Acc>;
  /** Hits per slot, every code. */
  slotTotals: number[];
}

function accumulate(rows: CountRow[], slots: Span[], trendSpans: Span[] | null): Accumulated {
  const accs = new Map<string, Acc>();
  const slotTotals = slots.map(() => 0);
  for (const r of rows) {
    const k = codeKey(r.vendor, r.code);
    let a = accs.get(k);
    const get = (): Acc => {
      if (!a) {
        a = { vendor: r.vendor, code: r.code, slots: slots.map(() => 0), sources: new Map(), hosts: new Map(), trend: trendSpans ? trendSpans.map(() => 0) : null };
        accs.set(k, a);
      }
      return a;
    };
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      if (r.bucket >= s.from && r.bucket < s.to) {
        const acc = get();
        acc.slots[i]! += r.count;
        slotTotals[i]! += r.count;
        if (i === 0) {
          acc.sources.set(r.source, (acc.sources.get(r.source) ?? 0) + r.count);
          acc.hosts.set(r.host, (acc.hosts.get(r.host) ?? 0) + r.count);
        }
        break;
      }
    }
    if (trendSpans) {
      const t = spanIndex(trendSpans, r.bucket);
      if (t >= 0) get().trend![t]! += r.count;
    }
  }
  // Only codes with hits in the period are ranked.
  for (const [k, a] of accs) if (a.slots[0] === 0) accs.delete(k);
  return { accs, slotTotals };
}

function rank({ accs, slotTotals }: Accumulated, cur: Span, data: ReportData, firstLast: Map<string, FirstLast>, top: number, fleet = false): Ranking {
  const total = slotTotals[0] ?? 0;
  const previousTotal = slotTotals[1] ?? 0;
  const all: ReportRow[] = [];
  for (const [k, a] of accs) {
    const count = a.slots[0]!;
    const previous = a.slots[1] ?? 0;
    const before = a.slots.slice(1);
    const baseline = before.reduce((s, n) => s + n, 0) / Math.max(1, before.length);
    const info = data.info.get(k);
    const fl = firstLast.get(k);
    const isNew = fl ? Date.parse(fl.firstSeen) >= cur.from * 1000 : before.every((n) => n === 0);
    const row: ReportRow = {
      rank: 0,
      vendor: a.vendor,
      code: a.code,
      known: info?.known ?? false,
      product: info?.product ?? null,
      name: info?.name ?? null,
      message: info?.message ?? null,
      category: info?.category ?? null,
      severity: info?.severity ?? null,
      count,
      share: total > 0 ? count / total : 0,
      previous,
      change: count - previous,
      baseline,
      firstSeen: fl?.firstSeen ?? null,
      lastSeen: fl?.lastSeen ?? null,
      isNew,
      spike: count >= Math.max(SPIKE_MIN, SPIKE_FACTOR * baseline),
      sources: [...a.sources].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).map(([s]) => s),
    };
    if (a.trend) row.trend = a.trend;
    if (fleet) row.hosts = byHits(a.hosts);
    all.push(row);
  }
  all.sort((x, y) => y.count - x.count || (x.vendor < y.vendor ? -1 : x.vendor > y.vendor ? 1 : 0) || x.code - y.code);
  all.forEach((r, i) => (r.rank = i + 1));
  return {
    total,
    previousTotal,
    distinct: all.length,
    newCodes: all.filter((r) => r.isNew).length,
    spikes: all.filter((r) => r.spike).length,
    rows: top > 0 ? all.slice(0, top) : all,
    all,
  };
}

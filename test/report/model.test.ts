import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/model.js';
import { isErrscanError } from '../../src/errors.js';
import type { ReportOptions } from '../../src/report/types.js';
import { MemoryStore, at } from './memory-store.js';

const NOW = at('2026-11-17T10:20:00Z');
const opts = (o: Partial<ReportOptions> = {}): ReportOptions => ({ tz: 'UTC', top: 10, now: NOW, ...o });

/** Seven quiet days, then 2026-11-16 with a spike, a new code, a drop and an unknown code. */
function fixture(): MemoryStore {
  const s = new MemoryStore()
    .info('dwt', -2326, { message: 'The current product key has expired', severity: 'error', category: 'license' })
    .info('dls', -20111, { message: 'License server unreachable', severity: 'critical', category: 'network' })
    .info('qlm', 209, { name: 'License_Expired', message: 'The license has expired', severity: 'warning', category: 'license' })
    .info('pallycon', 7011, { message: 'Invalid token', severity: 'info', category: 'token' });
  for (let d = 9; d <= 15; d++) {
    s.add('dwt', -2326, `2026-11-${String(d).padStart(2, '0')}T08:00:00Z`, 2);
    s.add('pallycon', 7011, `2026-11-${String(d).padStart(2, '0')}T12:00:00Z`, 3, 'drm.log');
  }
  s.add('qlm', 209, '2026-11-01T10:00:00Z', 1);
  s.add('qlm', 209, '2026-11-15T10:00:00Z', 20);
  s.add('dwt', -2326, '2026-11-16T00:00:00Z', 10).add('dwt', -2326, '2026-11-16T13:00:00Z', 20);
  s.add('dls', -20111, '2026-11-16T00:00:00Z', 3).add('dls', -20111, '2026-11-16T23:59:59Z', 2);
  s.add('qlm', 209, '2026-11-16T09:15:00Z', 8);
  s.add('pallycon', 7011, '2026-11-16T12:00:00Z', 4, 'drm.log');
  s.add('dwt', -9999, '2026-11-16T05:00:00Z', 3);
  s.add('dwt', -2326, '2026-11-17T01:00:00Z', 100);
  return s;
}

const pick = (r: { vendor: string; code: number; count: number; share: number; previous: number; change: number; isNew: boolean; spike: boolean; rank: number }) => ({
  rank: r.rank, key: `${r.vendor}:${r.code}`, count: r.count, share: r.share, previous: r.previous, change: r.change, isNew: r.isNew, spike: r.spike,
});

describe('buildReport: one UTC day', () => {
  it('ranks codes with exact counts, shares, previous, change, NEW and SPIKE', async () => {
    const r = await buildReport(fixture(), opts({ day: '2026-11-16' }));
    expect(r.rows.map(pick)).toEqual([
      { rank: 1, key: 'dwt:-2326', count: 30, share: 0.6, previous: 2, change: 28, isNew: false, spike: true },
      { rank: 2, key: 'qlm:209', count: 8, share: 0.16, previous: 20, change: -12, isNew: false, spike: false },
      { rank: 3, key: 'dls:-20111', count: 5, share: 0.1, previous: 0, change: 5, isNew: true, spike: false },
      { rank: 4, key: 'pallycon:7011', count: 4, share: 0.08, previous: 3, change: 1, isNew: false, spike: false },
      { rank: 5, key: 'dwt:-9999', count: 3, share: 0.06, previous: 0, change: 3, isNew: true, spike: false },
    ]);
    expect(r.rows.map((x) => x.baseline)).toEqual([2, 20 / 7, 0, 3, 0]);
  });

  it('fills the header: period, totals, distinct, unknown codes', async () => {
    const r = await buildReport(fixture(), opts({ day: '2026-11-16' }));
    expect({
      from: r.from, to: r.to, tz: r.tz, label: r.label, days: r.days, total: r.total, previousTotal: r.previousTotal,
      distinct: r.distinct, newCodes: r.newCodes, spikes: r.spikes, unknown: r.unknown, unknownDistinct: r.unknownDistinct,
      topUnknown: r.topUnknown,
    }).toEqual({
      from: '2026-11-16T00:00:00+00:00', to: '2026-11-17T00:00:00+00:00', tz: 'UTC', label: '2026-11-16', days: ['2026-11-16'],
      total: 50, previousTotal: 25, distinct: 5, newCodes: 2, spikes: 1, unknown: 3, unknownDistinct: 1,
      topUnknown: [{ vendor: 'dwt', code: -9999, count: 3 }],
    });
  });

  it('carries identity and history from the store', async () => {
    const r = await buildReport(fixture(), opts({ day: '2026-11-16' }));
    const [dwt, qlm, , pal, unk] = r.rows;
    expect(dwt).toMatchObject({
      vendor: 'dwt', code: -2326, known: true, product: 'DWT', name: null, message: 'The current product key has expired',
      category: 'license', severity: 'error', firstSeen: '2026-11-09T08:00:00.000Z', lastSeen: '2026-11-17T01:00:00.000Z',
      sources: ['app.log'],
    });
    expect(qlm).toMatchObject({ name: 'License_Expired', severity: 'warning', firstSeen: '2026-11-01T10:00:00.000Z' });
    expect(pal?.sources).toEqual(['drm.log']);
    expect(unk).toMatchObject({ known: false, name: null, message: null, category: null, severity: null });
  });

  it('reads the store once for the period and its 7-day baseline', async () => {
    const s = fixture();
    await buildReport(s, opts({ day: '2026-11-16' }));
    expect(s.queries).toEqual([{ from: at('2026-11-09T00:00:00Z'), to: at('2026-11-17T00:00:00Z') }]);
  });

  it('keeps the top N in rows and every code in all', async () => {
    const r = await buildReport(fixture(), opts({ day: '2026-11-16', top: 2 }));
    expect(r.rows.map((x) => x.code)).toEqual([-2326, 209]);
    expect(r.all).toHaveLength(5);
    expect(r.distinct).toBe(5);
    expect(r.total).toBe(50);
  });

  it('defaults to yesterday in the report zone', async () => {
    const utc = await buildReport(fixture(), opts());
    expect(utc.label).toBe('2026-11-16');
    // 12:00 UTC on the 17th is 01:00 on the 18th in Auckland (UTC+13 in November): yesterday there is the 17th.
    const akl = await buildReport(fixture(), opts({ tz: 'Pacific/Auckland', now: at('2026-11-17T12:00:00Z') }));
    expect(akl.label).toBe('2026-11-17');
    expect(akl.from).toBe('2026-11-17T00:00:00+13:00');
  });

  it('filters by vendor and source, and the filters also scope first seen', async () => {
    const r = await buildReport(fixture(), opts({ day: '2026-11-16', vendor: ['DWT'] }));
    expect(r.rows.map((x) => `${x.vendor}:${x.code}`)).toEqual(['dwt:-2326', 'dwt:-9999']);
    expect(r.total).toBe(33);
    expect(r.filters).toEqual({ vendor: ['dwt'], source: [] });
    const s = await buildReport(fixture(), opts({ day: '2026-11-16', source: ['drm.log'] }));
    expect(s.rows.map(pick)).toEqual([{ rank: 1, key: 'pallycon:7011', count: 4, share: 1, previous: 3, change: 1, isNew: false, spike: false }]);
  });

  it('rejects a vendor the store does not know', async () => {
    const e = await buildReport(fixture(), opts({ vendor: ['dtw'] })).catch((x: unknown) => x);
    expect(isErrscanError(e) && e.code).toBe('ERRSCAN_UNKNOWN_VENDOR');
    expect((e as Error).message).toBe('unknown vendor "dtw"');
  });

  it('gives an empty report for a day without hits', async () => {
    const r = await buildReport(fixture(), opts({ day: '2026-10-01' }));
    expect({ total: r.total, distinct: r.distinct, rows: r.rows, unknown: r.unknown }).toEqual({ total: 0, distinct: 0, rows: [], unknown: 0 });
  });
});

describe('SPIKE rule: count ≥ max(10, 3 × mean of the 7 periods before)', () => {
  const spikeOf = async (before: number[], count: number) => {
    const s = new MemoryStore().info('x', 1);
    s.add('x', 1, '2026-10-01T00:00:00Z', 1); // seen long ago: never NEW
    before.forEach((n, i) => n && s.add('x', 1, `2026-11-${String(9 + i).padStart(2, '0')}T12:00:00Z`, n));
    if (count) s.add('x', 1, '2026-11-16T12:00:00Z', count);
    const r = await buildReport(s, opts({ day: '2026-11-16' }));
    return r.rows[0]!.spike;
  };

  it('needs at least 10 hits', async () => {
    expect(await spikeOf([0, 0, 0, 0, 0, 0, 0], 9)).toBe(false);
    expect(await spikeOf([0, 0, 0, 0, 0, 0, 0], 10)).toBe(true);
  });

  it('needs 3 × the trailing 7-day mean (missing days count as 0)', async () => {
    // mean = 35 / 7 = 5 → threshold 15
    expect(await spikeOf([5, 5, 5, 5, 5, 5, 5], 14)).toBe(false);
    expect(await spikeOf([5, 5, 5, 5, 5, 5, 5], 15)).toBe(true);
    // mean = 70 / 7 = 10 → threshold 30, even though the previous day was 0
    expect(await spikeOf([70, 0, 0, 0, 0, 0, 0], 29)).toBe(false);
    expect(await spikeOf([70, 0, 0, 0, 0, 0, 0], 30)).toBe(true);
  });
});

describe('day boundaries follow --tz', () => {
  // One code, hits at instants around midnight in several zones; powers of two make every sum unique.
  function tzStore(): MemoryStore {
    const s = new MemoryStore().info('x', 1);
    const hits: Array<[string, number]> = [
      ['2026-11-15T22:59:00Z', 1], ['2026-11-15T23:00:00Z', 2], ['2026-11-16T04:59:00Z', 4], ['2026-11-16T05:00:00Z', 8],
      ['2026-11-16T18:45:00Z', 16], ['2026-11-16T19:00:00Z', 32], ['2026-11-16T23:00:00Z', 64], ['2026-11-17T04:59:00Z', 128],
    ];
    for (const [t, n] of hits) s.add('x', 1, t, n);
    return s;
  }
  const day = async (tz: string) => {
    const r = await buildReport(tzStore(), opts({ tz, day: '2026-11-16' }));
    expect(r.tz).toBe(tz);
    return { from: r.from, to: r.to, count: r.total, previous: r.previousTotal };
  };

  it('UTC', async () => {
    expect(await day('UTC')).toEqual({ from: '2026-11-16T00:00:00+00:00', to: '2026-11-17T00:00:00+00:00', count: 4 + 8 + 16 + 32 + 64, previous: 1 + 2 });
  });

  it('Europe/Berlin (UTC+1 in November)', async () => {
    expect(await day('Europe/Berlin')).toEqual({ from: '2026-11-16T00:00:00+01:00', to: '2026-11-17T00:00:00+01:00', count: 2 + 4 + 8 + 16 + 32, previous: 1 });
  });

  it('America/New_York (UTC−5 in November)', async () => {
    expect(await day('America/New_York')).toEqual({ from: '2026-11-16T00:00:00-05:00', to: '2026-11-17T00:00:00-05:00', count: 8 + 16 + 32 + 64 + 128, previous: 1 + 2 + 4 });
  });

  it('Asia/Kolkata (UTC+5:30): a day is the hour buckets starting on it, 00:30 → 00:30 local', async () => {
    // The 18:00Z bucket starts at 23:30 local on the 16th, so its 18:45Z hit (00:15 local on the 17th) counts on the 16th.
    expect(await day('Asia/Kolkata')).toEqual({ from: '2026-11-16T00:30:00+05:30', to: '2026-11-17T00:30:00+05:30', count: 1 + 2 + 4 + 8 + 16, previous: 0 });
  });

  it('a 25-hour day at the end of summer time', async () => {
    const r = await buildReport(new MemoryStore(), opts({ tz: 'Europe/Berlin', day: '2026-10-25' }));
    expect([r.from, r.to, r.toTs - r.fromTs]).toEqual(['2026-10-25T00:00:00+02:00', '2026-10-26T00:00:00+01:00', 25 * 3600]);
  });

  it('a 23-hour day at the start of summer time, compared with the 24-hour day before', async () => {
    const s = new MemoryStore().info('x', 1);
    s.add('x', 1, '2026-03-27T23:00:00Z', 1); // 00:00 CET on the 28th
    s.add('x', 1, '2026-03-28T22:59:00Z', 2); // 23:59 CET on the 28th
    s.add('x', 1, '2026-03-28T23:00:00Z', 4); // 00:00 CET on the 29th
    s.add('x', 1, '2026-03-29T21:59:00Z', 8); // 23:59 CEST on the 29th
    s.add('x', 1, '2026-03-29T22:00:00Z', 16); // 00:00 CEST on the 30th
    const r = await buildReport(s, opts({ tz: 'Europe/Berlin', day: '2026-03-29' }));
    expect([r.from, r.to, r.toTs - r.fromTs, r.total, r.previousTotal]).toEqual([
      '2026-03-29T00:00:00+01:00', '2026-03-30T00:00:00+02:00', 23 * 3600, 4 + 8, 1 + 2,
    ]);
  });

  it('names the zone as given, in its canonical case', async () => {
    expect((await buildReport(tzStore(), opts({ tz: 'europe/berlin' }))).tz).toBe('Europe/Berlin');
    expect((await buildReport(tzStore(), opts({ tz: 'utc' }))).tz).toBe('UTC');
  });

  it('rejects an unknown zone with a usage error', async () => {
    const e = await buildReport(tzStore(), opts({ tz: 'Mars/Olympus' })).catch((x: unknown) => x);
    expect(isErrscanError(e) && [e.code, e.message]).toEqual(['ERRSCAN_USAGE', "unknown time zone 'Mars/Olympus'"]);
  });
});

describe('periods: --day, --since, --until', () => {
  const period = async (o: Partial<ReportOptions>) => {
    const r = await buildReport(new MemoryStore(), opts(o));
    return { from: r.from, to: r.to, days: r.days, label: r.label };
  };

  it('accepts today, yesterday, dates and ages in days', async () => {
    expect((await period({ day: 'today' })).label).toBe('2026-11-17');
    expect((await period({ day: 'yesterday' })).label).toBe('2026-11-16');
    expect((await period({ day: '3d' })).label).toBe('2026-11-14');
  });

  it('--since 7d --until 1d is the last 7 complete days; the previous period is the 7 before', async () => {
    const s = new MemoryStore().info('x', 1);
    s.add('x', 1, '2026-11-03T00:00:00Z', 1).add('x', 1, '2026-11-09T23:59:00Z', 2).add('x', 1, '2026-11-10T00:00:00Z', 4).add('x', 1, '2026-11-16T23:59:00Z', 8);
    const r = await buildReport(s, opts({ since: '7d', until: '1d' }));
    expect([r.from, r.to, r.days?.length, r.label, r.total, r.previousTotal]).toEqual([
      '2026-11-10T00:00:00+00:00', '2026-11-17T00:00:00+00:00', 7, '2026-11-10 … 2026-11-16', 4 + 8, 1 + 2,
    ]);
  });

  it('--since a date runs to the end of today', async () => {
    expect(await period({ since: '2026-11-15' })).toMatchObject({ from: '2026-11-15T00:00:00+00:00', to: '2026-11-18T00:00:00+00:00' });
  });

  it('--since in hours covers whole hour buckets up to the current one, compared with as many hours before', async () => {
    const s = new MemoryStore().info('x', 1);
    s.add('x', 1, '2026-11-16T20:59:00Z', 1).add('x', 1, '2026-11-16T21:00:00Z', 2).add('x', 1, '2026-11-17T04:00:00Z', 4).add('x', 1, '2026-11-17T10:19:00Z', 8);
    const r = await buildReport(s, opts({ since: '6h' }));
    expect([r.from, r.to, r.days, r.total, r.previousTotal]).toEqual(['2026-11-17T04:00:00+00:00', '2026-11-17T11:00:00+00:00', null, 4 + 8, 2]);
  });

  it.each([
    [{ day: 'today', since: '2d' }, '--day cannot be combined with --since/--until'],
    [{ until: '1d' }, '--until needs --since'],
    [{ since: '2026-11-16', until: '2026-11-15' }, '--until 2026-11-15 is before --since 2026-11-16'],
    [{ day: '2026-02-30' }, "--day: cannot read '2026-02-30'"],
    [{ day: '5h' }, "--day: '5h' is not a day"],
    [{ since: 'last week' }, "--since: cannot read 'last week'"],
  ])('rejects %o', async (o, msg) => {
    const e = await period(o as Partial<ReportOptions>).catch((x: unknown) => x);
    expect(isErrscanError(e) && [e.code, e.message]).toEqual(['ERRSCAN_USAGE', msg]);
  });
});

describe('groupings and trends', () => {
  it('--by vendor ranks within each vendor, largest group first', async () => {
    const r = await buildReport(fixture(), opts({ day: '2026-11-16', by: 'vendor' }));
    expect(r.groups?.map((g) => [g.key, g.total, g.previousTotal, g.distinct])).toEqual([
      ['dwt', 33, 2, 2], ['qlm', 8, 20, 1], ['dls', 5, 0, 1], ['pallycon', 4, 3, 1],
    ]);
    expect(r.groups?.[0]?.rows.map((x) => [x.code, x.count, x.share])).toEqual([[-2326, 30, 30 / 33], [-9999, 3, 3 / 33]]);
    expect(r.rows).toHaveLength(5);
  });

  it('--by source and --by category', async () => {
    const bySource = await buildReport(fixture(), opts({ day: '2026-11-16', by: 'source' }));
    expect(bySource.groups?.map((g) => [g.key, g.total, g.rows.map((x) => x.code)])).toEqual([
      ['app.log', 46, [-2326, 209, -20111, -9999]], ['drm.log', 4, [7011]],
    ]);
    const byCat = await buildReport(fixture(), opts({ day: '2026-11-16', by: 'category' }));
    expect(byCat.groups?.map((g) => [g.key, g.total])).toEqual([['license', 38], ['network', 5], ['(uncategorised)', 3], ['token', 4]].sort((a, b) => (b[1] as number) - (a[1] as number)));
  });

  it('--by source: NEW means first seen in that source', async () => {
    const s = new MemoryStore().info('x', 1);
    s.add('x', 1, '2026-11-01T00:00:00Z', 1, 'a.log').add('x', 1, '2026-11-16T00:00:00Z', 1, 'a.log').add('x', 1, '2026-11-16T00:00:00Z', 2, 'b.log');
    const r = await buildReport(s, opts({ day: '2026-11-16', by: 'source' }));
    expect(r.rows[0]?.isNew).toBe(false);
    expect(r.groups?.map((g) => [g.key, g.rows[0]?.isNew, g.rows[0]?.firstSeen])).toEqual([
      ['b.log', true, '2026-11-16T00:00:00.000Z'], ['a.log', false, '2026-11-01T00:00:00.000Z'],
    ]);
  });

  it('--by day gives each day its own previous day and baseline', async () => {
    const r = await buildReport(fixture(), opts({ since: '2026-11-15', until: '2026-11-16', by: 'day' }));
    expect(r.total).toBe(75);
    expect(r.groups?.map((g) => [g.key, g.total, g.previousTotal, g.rows.map(pick)])).toEqual([
      ['2026-11-15', 25, 5, [
        { rank: 1, key: 'qlm:209', count: 20, share: 0.8, previous: 0, change: 20, isNew: false, spike: true },
        { rank: 2, key: 'pallycon:7011', count: 3, share: 0.12, previous: 3, change: 0, isNew: false, spike: false },
        { rank: 3, key: 'dwt:-2326', count: 2, share: 0.08, previous: 2, change: 0, isNew: false, spike: false },
      ]],
      ['2026-11-16', 50, 25, [
        { rank: 1, key: 'dwt:-2326', count: 30, share: 0.6, previous: 2, change: 28, isNew: false, spike: true },
        { rank: 2, key: 'qlm:209', count: 8, share: 0.16, previous: 20, change: -12, isNew: false, spike: false },
        { rank: 3, key: 'dls:-20111', count: 5, share: 0.1, previous: 0, change: 5, isNew: true, spike: false },
        { rank: 4, key: 'pallycon:7011', count: 4, share: 0.08, previous: 3, change: 1, isNew: false, spike: false },
        { rank: 5, key: 'dwt:-9999', count: 3, share: 0.06, previous: 0, change: 3, isNew: true, spike: false },
      ]],
    ]);
  });

  it('--trend N adds daily series ending with the period, and daily totals', async () => {
    const r = await buildReport(fixture(), opts({ day: '2026-11-16', trend: 3 }));
    expect(r.trendDays).toEqual(['2026-11-14', '2026-11-15', '2026-11-16']);
    expect(r.trendTotals).toEqual([5, 25, 50]);
    expect(r.rows.map((x) => [x.code, x.trend])).toEqual([[-2326, [2, 2, 30]], [209, [0, 20, 8]], [-20111, [0, 0, 5]], [7011, [3, 3, 4]], [-9999, [0, 0, 3]]]);
  });

  it("trend 'auto' is at least 7 days", async () => {
    const r = await buildReport(fixture(), opts({ day: '2026-11-16', trend: 'auto' }));
    expect(r.trendDays).toHaveLength(7);
    expect(r.trendTotals).toEqual([5, 5, 5, 5, 5, 25, 50]);
  });

  it('fetches sample lines for the shown codes when asked', async () => {
    const s = fixture();
    s.sampleRows.push({ vendor: 'qlm', code: 209, ts: '2026-11-16T09:15:00Z', source: 'app.log', line: 7, text: 'QLM License_Expired (209)' });
    const r = await buildReport(s, opts({ day: '2026-11-16', samples: 3 }));
    expect(r.rows[1]?.samples?.map((x) => x.line)).toEqual([7]);
    expect(r.rows[0]?.samples).toEqual([]);
  });
});

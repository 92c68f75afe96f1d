// Reports use only the Store's read methods, so SQLite and PostgreSQL give the same report for the same data,
// both through the model and through `errscan report --db URL`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type Place } from '../store-contract/backends.js';
import { buildReport } from '../../src/report/model.js';
import { reportJson } from '../../src/report/render/json.js';
import type { ReportOptions } from '../../src/report/types.js';
import { errscan } from '../helpers/cli.js';
import { COUNTS, ENTRIES, PRODUCTS, SAMPLES } from './fixture-db.js';

const NOW = Date.parse('2026-11-17T10:20:00Z') / 1000;

describe.each(BACKENDS)('report on $name', (backend) => {
  let place: Place;

  beforeAll(async () => {
    place = await backend.fresh();
    const s = await place.open();
    try {
      await s.syncCatalog(ENTRIES, PRODUCTS);
      await s.writeBatch({ counts: COUNTS, samples: SAMPLES, checkpoints: [] });
    } finally {
      await s.close();
    }
  });
  afterAll(async () => place?.dispose());

  const json = async (o: Partial<ReportOptions>) => {
    const s = await place.open({ readonly: true });
    try {
      return reportJson(await buildReport(s, { tz: 'UTC', top: 10, now: NOW, day: '2026-11-16', samples: 2, ...o }));
    } finally {
      await s.close();
    }
  };

  it('gives the exact ranking, history, trends and samples', async () => {
    const j = await json({ trend: 3 });
    expect([j.total, j.distinct, j.unknown, j.previous_total, j.trend_totals]).toEqual([50, 5, 3, 25, [5, 25, 50]]);
    expect((j.rows as Array<Record<string, unknown>>).map((r) => [`${r.vendor}:${r.code}`, r.count, r.previous, r.new, r.spike, r.first_seen, r.last_seen, r.sources, r.trend])).toEqual([
      ['dwt:-2326', 30, 2, false, true, '2026-11-09T08:00:00.000Z', '2026-11-16T13:00:00.000Z', ['app.log'], [2, 2, 30]],
      ['qlm:209', 8, 20, false, false, '2026-11-15T10:00:00.000Z', '2026-11-16T09:15:00.000Z', ['app.log'], [0, 20, 8]],
      ['dls:-20111', 5, 0, true, false, '2026-11-16T23:59:59.000Z', '2026-11-16T23:59:59.000Z', ['app.log'], [0, 0, 5]],
      ['pallycon:7011', 4, 3, false, false, '2026-11-09T12:00:00.000Z', '2026-11-16T12:00:00.000Z', ['drm.log'], [3, 3, 4]],
      ['dwt:-9999', 3, 0, true, false, '2026-11-16T05:00:00.000Z', '2026-11-16T05:00:00.000Z', ['app.log'], [0, 0, 3]],
    ]);
    const first = (j.rows as Array<Record<string, unknown>>)[0]!;
    expect(first).toMatchObject({ known: true, product: 'Dynamic Web TWAIN', severity: 'error', category: 'license' });
    expect((first.samples as Array<{ line: number }>).map((x) => x.line)).toEqual([42]);
    expect((j.rows as Array<Record<string, unknown>>)[4]).toMatchObject({ known: false, name: null, severity: null });
  });

  it('filters and groups the same way', async () => {
    const j = await json({ vendor: ['dwt'], by: 'source', source: ['app.log'] });
    expect([j.total, (j.groups as Array<{ key: string; total: number }>).map((g) => [g.key, g.total])]).toEqual([33, [['app.log', 33]]]);
    const d = await json({ tz: 'America/New_York' });
    // dwt:-2326's 10 hits at 00:00Z are still the 15th in New York.
    expect([d.from, d.total]).toEqual(['2026-11-16T00:00:00-05:00', 20 + 5 + 8 + 4 + 3]);
  });

  it('errscan report --db LOCATION', () => {
    const r = errscan(['report', '--db', place.location, '--day', '2026-11-16', '--tz', 'UTC', '--json', '--fail-on-spike']);
    expect(r.status).toBe(3);
    expect(JSON.parse(r.stdout).rows.map((x: { code: number }) => x.code)).toEqual([-2326, 209, -20111, 7011, -9999]);
    expect(r.stderr).toBe('errscan: report alert for 2026-11-16 (UTC): 1 spiking code: dwt:-2326 (--fail-on-spike)\n');
  });
});

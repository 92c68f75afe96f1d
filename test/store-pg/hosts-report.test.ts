// Fleet reports, from either store: a hosts column once the period has more than one host, `--by host`
// with NEW judged per host, and no hosts column (unchanged output) for a single host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, renderCsv, renderJson, renderMarkdown, renderTable } from '../../src/report/index.js';
import type { Report } from '../../src/report/types.js';
import { BACKENDS, type Place } from '../store-contract/backends.js';
import { batch, count } from '../store/helpers.js';

const D = 1_795_219_200; // 2026-11-21T00:00:00Z
const iso = (t: number): string => new Date(t * 1000).toISOString();
const row = (day: number, hour: number, code: number, host: string, n: number) =>
  count({ bucket: D + day * 86400 + hour * 3600, code, host, count: n, firstSeen: iso(D + day * 86400 + hour * 3600), lastSeen: iso(D + day * 86400 + hour * 3600 + 60) });

describe.each(BACKENDS)('fleet report on $name', (backend) => {
  let place: Place;
  const report = async (o: { day: string; by?: 'host' }): Promise<Report> => {
    const s = await place.open({ readonly: true });
    try {
      return await buildReport(s, { tz: 'UTC', top: 10, now: D + 10 * 86400, ...o });
    } finally {
      await s.close();
    }
  };

  beforeAll(async () => {
    place = await backend.fresh();
    const s = await place.open();
    try {
      await s.writeBatch(
        batch({
          counts: [
            // 2026-11-20: only web-1 has -2326.
            row(-1, 5, -2326, 'web-1', 4),
            // 2026-11-21: three hosts.
            row(0, 1, -2326, 'web-1', 10),
            row(0, 2, -2326, 'web-2', 3),
            row(0, 3, -1018, 'web-2', 7),
            row(0, 4, -1018, 'web-3', 1),
            // 2026-11-22: one host.
            row(1, 1, -2326, 'web-2', 2),
          ],
        }),
      );
    } finally {
      await s.close();
    }
  });
  afterAll(async () => place?.dispose());

  it('lists the hosts of each code, most hits first, and adds a hosts column', async () => {
    const r = await report({ day: '2026-11-21' });
    expect(r.hosts).toEqual(['web-1', 'web-2', 'web-3']);
    expect(r.rows.map((x) => [x.code, x.count, x.hosts])).toEqual([
      [-2326, 13, ['web-1', 'web-2']],
      [-1018, 8, ['web-2', 'web-3']],
    ]);
    const j = JSON.parse(renderJson(r)) as { hosts: string[]; rows: Array<{ hosts: string[] }> };
    expect(j.hosts).toEqual(['web-1', 'web-2', 'web-3']);
    expect(j.rows.map((x) => x.hosts)).toEqual([['web-1', 'web-2'], ['web-2', 'web-3']]);
    const csv = renderCsv(r).split('\r\n');
    expect(csv[0]).toBe('rank,vendor,code,known,name,message,category,severity,count,share,previous,change,first_seen,last_seen,new,spike,sources,hosts');
    expect(csv[1]!.endsWith(',app.log,web-1;web-2')).toBe(true);
    const table = renderTable(r, { width: 120, color: false }).split('\n');
    const head = table.find((l) => l.startsWith('#'))!;
    expect(head).toMatch(/FLAGS\s+HOSTS\s+DESCRIPTION/);
    expect(table[table.indexOf(head) + 1]).toMatch(/^1\s+dwt\s+-2326\s+—\s+13\s+61\.9%\s+4\s+\+9\s+SPIKE\s+2\s+\(not in the catalog\)$/);
    expect(renderMarkdown(r)).toContain('| # | Vendor | Code | Severity | Count | Share | Prev | Change | Flags | Hosts | Description |');
  });

  it('--by host ranks each host on its own, NEW meaning new on that host', async () => {
    const r = await report({ day: '2026-11-21', by: 'host' });
    expect(r.groups?.map((g) => [g.key, g.total, g.rows.map((x) => `${x.code}=${x.count}${x.isNew ? ' NEW' : ''}`)])).toEqual([
      ['web-1', 10, ['-2326=10']],
      ['web-2', 10, ['-1018=7 NEW', '-2326=3 NEW']],
      ['web-3', 1, ['-1018=1 NEW']],
    ]);
    // Across the fleet, -2326 was seen the day before (on web-1), so it is not new.
    expect(r.rows.map((x) => `${x.code}${x.isNew ? ' NEW' : ''}`)).toEqual(['-2326', '-1018 NEW']);
  });

  it('a single host in the period: no hosts anywhere, the output as before', async () => {
    const r = await report({ day: '2026-11-22' });
    expect(r.hosts).toEqual(['web-2']);
    expect(r.rows.map((x) => x.hosts)).toEqual([undefined]);
    const j = JSON.parse(renderJson(r)) as Record<string, unknown>;
    expect('hosts' in j).toBe(false);
    expect(renderCsv(r)).not.toContain('hosts');
    expect(renderTable(r, { width: 120, color: false })).not.toContain('HOSTS');
  });
});

// `errscan report` through the built binary, on a real SQLite database.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errscan } from '../helpers/cli.js';
import { countRow, fixtureDb, tmpDir } from './fixture-db.js';

let dir: string;
let db: string;

beforeAll(async () => {
  dir = tmpDir();
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  // Hits today and yesterday (UTC), for the default period.
  db = await fixtureDb(dir, [
    countRow('qlm', 209, iso(Math.floor(now / 86_400_000) * 86_400_000 + 60_000), 6),
    countRow('qlm', 209, iso(Math.floor(now / 86_400_000) * 86_400_000 - 86_400_000 + 60_000), 7),
  ]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const report = (...args: string[]) => errscan(['report', '--db', db, ...args]);

describe('errscan report', () => {
  it('--json gives the exact ranking of a day', () => {
    const r = report('--day', '2026-11-16', '--tz', 'UTC', '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect([j.from, j.to, j.tz, j.total, j.distinct, j.unknown]).toEqual(['2026-11-16T00:00:00+00:00', '2026-11-17T00:00:00+00:00', 'UTC', 50, 5, 3]);
    expect(j.rows.map((x: Record<string, unknown>) => [x.rank, `${x.vendor}:${x.code}`, x.known, x.severity, x.count, x.share, x.previous, x.change, x.new, x.spike, x.sources])).toEqual([
      [1, 'dwt:-2326', true, 'error', 30, 0.6, 2, 28, false, true, ['app.log']],
      [2, 'qlm:209', true, 'warning', 8, 0.16, 20, -12, false, false, ['app.log']],
      [3, 'dls:-20111', true, 'critical', 5, 0.1, 0, 5, true, false, ['app.log']],
      [4, 'pallycon:7011', true, 'info', 4, 0.08, 3, 1, false, false, ['drm.log']],
      [5, 'dwt:-9999', false, null, 3, 0.06, 0, 3, true, false, ['app.log']],
    ]);
    expect(j.rows[1]).toMatchObject({ name: 'License_Expired', message: 'The license has expired', category: 'license', first_seen: '2026-11-15T10:00:00.000Z' });
    expect(j.top_unknown).toEqual([{ vendor: 'dwt', code: -9999, count: 3 }]);
  });

  it('day boundaries follow --tz', () => {
    // dls:-20111 at 23:59:59Z is the 17th in Berlin.
    const j = JSON.parse(report('--day', '2026-11-16', '--tz', 'Europe/Berlin', '--json').stdout);
    expect([j.from, j.total]).toEqual(['2026-11-16T00:00:00+01:00', 45]);
    const k = JSON.parse(report('--day', '2026-11-17', '--tz', 'Europe/Berlin', '--json').stdout);
    expect(k.rows.map((x: { vendor: string; code: number; count: number }) => [`${x.vendor}:${x.code}`, x.count])).toEqual([['dls:-20111', 5]]);
  });

  it('defaults to yesterday; --day today; --top, --vendor and --source filter', () => {
    const y = JSON.parse(report('--tz', 'UTC', '--json').stdout);
    expect([y.total, y.rows[0].code]).toEqual([7, 209]);
    expect(JSON.parse(report('--day', 'today', '--tz', 'UTC', '--json').stdout).total).toBe(6);
    const top = JSON.parse(report('--day', '2026-11-16', '--tz', 'UTC', '--top', '2', '--json').stdout);
    expect([top.rows.length, top.distinct, top.total]).toEqual([2, 5, 50]);
    const v = JSON.parse(report('--day', '2026-11-16', '--tz', 'UTC', '--vendor', 'dwt,qlm', '--json').stdout);
    expect([v.total, v.rows.map((x: { code: number }) => x.code)]).toEqual([41, [-2326, 209, -9999]]);
    const s = JSON.parse(report('--day', '2026-11-16', '--tz', 'UTC', '--source', 'drm.log', '--json').stdout);
    expect([s.total, s.rows.length]).toEqual([4, 1]);
  });

  it('prints an aligned table when not a terminal (100 columns, no colour)', () => {
    const r = report('--day', '2026-11-16', '--tz', 'UTC');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'errscan report · 2026-11-16 · UTC',
      '2026-11-16T00:00:00+00:00 → 2026-11-17T00:00:00+00:00',
      '50 hits · 5 codes · 2 new · 1 spiking · previous day 25 (+25)',
      'unknown codes: 3 hits in 1 code (dwt:-9999 ×3)',
    ]);
    expect(lines[5]).toMatch(/^# +VENDOR +CODE +SEVERITY +COUNT +SHARE +PREV +CHANGE +FLAGS +DESCRIPTION$/);
    expect(lines[6]).toMatch(/^1 +dwt +-2326 +error +30 +60\.0% +2 +\+28 +SPIKE +The current product key has expir…$/);
    expect(lines.filter((l) => /^ *\d+  [a-z]/.test(l))).toHaveLength(5);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(100);
    expect(r.stdout).not.toContain('\x1b');
  });

  it('colours by severity with --color, and --width fits the table', () => {
    const r = report('--day', '2026-11-16', '--tz', 'UTC', '--color', '--width', '72');
    expect(r.stdout).toContain('\x1b[1m\x1b[31mcritical');
    const plain = r.stdout.replace(/\x1b\[[0-9;]*m/g, '');
    for (const l of plain.split('\n')) expect([...l].length).toBeLessThanOrEqual(72);
    expect(plain).toContain('…');
  });

  it('--csv, --markdown and --html', () => {
    const csv = report('--day', '2026-11-16', '--tz', 'UTC', '--csv').stdout.split('\r\n');
    expect(csv[0]).toBe('rank,vendor,code,known,name,message,category,severity,count,share,previous,change,first_seen,last_seen,new,spike,sources');
    expect(csv[1]).toBe('1,dwt,-2326,true,,"The current product key has expired, please contact the site administrator",license,error,30,0.6,2,28,2026-11-09T08:00:00.000Z,2026-11-16T13:00:00.000Z,false,true,app.log');
    const md = report('--day', '2026-11-16', '--tz', 'UTC', '--markdown').stdout;
    expect(md.split('\n')[0]).toBe('### errscan report · 2026-11-16 · UTC');
    expect(md).toContain('| 4 | pallycon | 7011 | info | 4 | 8.0% | 3 | +1 |  | Invalid token \\| check the \\<token\\> |');
    const html = report('--day', '2026-11-16', '--tz', 'UTC', '--html').stdout;
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<title>errscan report · 2026-11-16 · UTC</title>');
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;document.title=&quot;pwned&quot;;window.__pwned=1&lt;/script&gt;');
  });

  it('--by and --trend', () => {
    const j = JSON.parse(report('--since', '2026-11-15', '--until', '2026-11-16', '--tz', 'UTC', '--by', 'day', '--trend', '3d', '--json').stdout);
    expect(j.groups.map((g: { key: string; total: number; previous_total: number }) => [g.key, g.total, g.previous_total])).toEqual([
      ['2026-11-15', 25, 5], ['2026-11-16', 50, 25],
    ]);
    expect([j.trend_days, j.trend_totals]).toEqual([['2026-11-14', '2026-11-15', '2026-11-16'], [5, 25, 50]]);
    const t = report('--day', '2026-11-16', '--tz', 'UTC', '--trend', '7d').stdout;
    expect(t).toContain('TREND 7d');
    expect(t).toMatch(/▁▁▁▁▁▁█/);
  });
});

describe('errscan report alerts', () => {
  it('--fail-if-total-over 1 on a day with hits: report printed, one line on stderr, exit 3', () => {
    const r = report('--day', '2026-11-16', '--tz', 'UTC', '--json', '--fail-if-total-over', '1');
    expect(r.status).toBe(3);
    expect(JSON.parse(r.stdout).total).toBe(50);
    expect(r.stderr).toBe('errscan: report alert for 2026-11-16 (UTC): 50 hits > 1 (--fail-if-total-over)\n');
  });

  it('stays 0 when no threshold is crossed (a repeated flag: the last one wins)', () => {
    const r = report('--day', '2026-11-16', '--tz', 'UTC', '--fail-if-total-over', '50', '--fail-on-severity', 'critical', '--day', '2026-11-15');
    expect([r.status, r.stderr]).toEqual([0, '']);
  });

  it('--fail-on-new, --fail-on-spike, --fail-on-severity', () => {
    const r = report('--day', '2026-11-16', '--tz', 'UTC', '--fail-on-new', '--fail-on-spike', '--fail-on-severity', 'critical');
    expect(r.status).toBe(3);
    expect(r.stdout).toContain('errscan report · 2026-11-16');
    expect(r.stderr).toBe(
      'errscan: report alert for 2026-11-16 (UTC): 2 new codes: dls:-20111, dwt:-9999 (--fail-on-new); ' +
        '1 spiking code: dwt:-2326 (--fail-on-spike); 1 code at critical or above: dls:-20111 (--fail-on-severity critical)\n',
    );
    const w = report('--day', '2026-11-16', '--tz', 'UTC', '--top', '1', '--fail-on-severity', 'warning');
    expect(w.status).toBe(3);
    expect(w.stderr).toContain('3 codes at warning or above: dwt:-2326, qlm:209, dls:-20111 (--fail-on-severity warning)');
  });
});

describe('errscan report: bad input', () => {
  it.each([
    [['--tz', 'Mars/Olympus'], "errscan: unknown time zone 'Mars/Olympus' (use an IANA name such as UTC, Europe/Berlin or America/New_York)"],
    [['--day', '2026-13-01'], "errscan: --day: cannot read '2026-13-01' (use YYYY-MM-DD, today, yesterday, or an age such as 36h, 7d, 2w)"],
    [['--top', '-1'], 'errscan: --top must be a whole number ≥ 0, got -1 (e.g. --top 10)'],
    [['--trend', '1y'], "errscan: --trend: cannot read '1y' (use a number of days from 2d to 90d, e.g. --trend 7d)"],
    [['--json', '--csv'], 'errscan: Arguments json and csv are mutually exclusive (see errscan --help)'],
    [['--vendor', 'dtw'], 'errscan: unknown vendor "dtw" (known: dls, dwt, pallycon, qlm)'],
  ])('%j exits 2 with one line', (args, line) => {
    const r = report(...(args as string[]));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n').at(-1)).toBe(line);
  });

  it('a missing database is a one-line error', () => {
    const missing = path.join(dir, 'nope.db');
    const r = errscan(['report', '--db', missing]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`errscan: ${missing}: no database here yet (record some logs first with \`errscan ingest\` or \`errscan scan\`, or pass --db)\n`);
    expect(fs.existsSync(missing)).toBe(false);
  });
});

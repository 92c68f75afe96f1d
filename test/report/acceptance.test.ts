// Acceptance: after `errscan ingest` of a genlog file, every day's report equals genlog's own per-day counts,
// and `previous` equals the day before's count.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, errscan } from '../helpers/cli.js';
import { addDays } from '../../src/report/period.js';
import { tmpDir } from './fixture-db.js';

interface Genlog {
  counts: Record<string, number>;
  byDay: Record<string, Record<string, number>>;
}

const GENLOG = path.resolve(ROOT, '../shared/bench/genlog.mjs');
let dir: string;
let db: string;
let expected: Genlog;

beforeAll(() => {
  dir = tmpDir('errscan-report-accept-');
  const log = path.join(dir, 'seed11.log');
  const g = spawnSync(process.execPath, [GENLOG, '--mb', '2', '--seed', '11'], { maxBuffer: 1 << 30 });
  expect(g.status).toBe(0);
  fs.writeFileSync(log, g.stdout);
  expected = JSON.parse(String(g.stderr).trim().split('\n').at(-1)!) as Genlog;
  db = path.join(dir, 'errscan.db');
  const r = errscan(['ingest', '--db', db, '--quiet', log]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('report after ingesting genlog --mb 2 --seed 11', () => {
  it('gives, for every day, exactly genlog’s per-day count of each vendor:code, and the day before’s as previous', () => {
    const days = Object.keys(expected.byDay).sort();
    expect(days).toHaveLength(7);
    for (const day of days) {
      const r = errscan(['report', '--db', db, '--day', day, '--tz', 'UTC', '--top', '1000', '--json']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const j = JSON.parse(r.stdout) as { total: number; distinct: number; rows: Array<{ vendor: string; code: number; count: number; previous: number }> };
      const want = expected.byDay[day]!;
      const before = expected.byDay[addDays(day, -1)] ?? {};
      const got = Object.fromEntries(j.rows.map((x) => [`${x.vendor}:${x.code}`, x.count]));
      const prev = Object.fromEntries(j.rows.map((x) => [`${x.vendor}:${x.code}`, x.previous]));
      expect(got).toEqual(want);
      expect(prev).toEqual(Object.fromEntries(Object.keys(want).map((k) => [k, before[k] ?? 0])));
      expect(j.total).toBe(Object.values(want).reduce((a, b) => a + b, 0));
      expect(j.distinct).toBe(Object.keys(want).length);
    }
  });

  it('--fail-if-total-over 1 on a day with hits exits 3 after printing the report', () => {
    const day = Object.keys(expected.byDay).sort()[3]!;
    const r = errscan(['report', '--db', db, '--day', day, '--tz', 'UTC', '--fail-if-total-over', '1']);
    expect(r.status).toBe(3);
    expect(r.stdout).toContain(`errscan report · ${day} · UTC`);
    expect(r.stderr).toMatch(new RegExp(`^errscan: report alert for ${day} \\(UTC\\): \\d+ hits > 1 \\(--fail-if-total-over\\)\\n$`));
  });
});

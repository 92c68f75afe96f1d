// kill -9 at random moments during `errscan ingest` (two worker threads over plain text, gzip and a JSON
// array). After every kill the database holds exactly what a clean run finds in the content its
// checkpoints cover (no partial batch); after the restart that completes the run, every count row equals
// a clean run's, byte for byte. Kill times come from a seeded RNG; the seed is printed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addTotals,
  cleanup,
  dbRows,
  dbSources,
  dbTotals,
  errscan,
  genlog,
  integrityOk,
  chaosSeed,
  rng,
  sleep,
  start,
  sum,
  tmpDir,
  type Totals,
} from '../hardening/helpers.js';
import { coveredContent, totalsOf } from './common.js';

const TRIALS = 12;
const seed = chaosSeed('crash-ingest');
const random = rng(seed);

let dir: string;
let logs: string;
let expected: Totals;
let cleanRows: string[];
let cleanMs: number;
const figures = { trials: 0, kills: 0, killedMidRun: 0, prefixChecks: 0, lost: 0, doubled: 0 };

beforeAll(() => {
  dir = tmpDir('chaos-ingest');
  logs = path.join(dir, 'logs');
  fs.mkdirSync(logs);
  const a = genlog(path.join(logs, 'a.log'), { mb: 12, seed: seed % 1000 });
  const b = genlog(path.join(logs, 'b.log.gz'), { mb: 10, seed: (seed % 1000) + 1, gzip: true });
  // A JSON array of records, one per log line; a record without its own time takes the one before it.
  const c = genlog(path.join(dir, 'c.tmp'), { mb: 5, seed: (seed % 1000) + 2 });
  const records: object[] = [{ time: '2026-11-16T00:00:00.000Z', msg: 'start' }];
  for (const line of fs.readFileSync(c.file, 'utf8').split('\n')) {
    if (line === '') continue;
    records.push(/^\d{4}-\d\d-\d\dT/.test(line) ? { time: line.slice(0, 24), msg: line.slice(25) } : { msg: line });
  }
  fs.writeFileSync(path.join(logs, 'c.json'), JSON.stringify(records));
  fs.rmSync(c.file);
  expected = addTotals(addTotals(a.counts, b.counts), c.counts);
  const clean = path.join(dir, 'clean.db');
  const t0 = Date.now();
  const r = errscan(['ingest', logs, '--db', clean, '--json']);
  cleanMs = Date.now() - t0;
  expect(r.status, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ files: 3, ingested: 3, errors: 0 });
  cleanRows = dbRows(clean);
  console.log(`[crash-ingest] clean run: ${cleanMs} ms, ${sum(expected)} hits in ${cleanRows.length} count rows`);
});

afterAll(() => {
  console.log(`[crash-ingest] figures ${JSON.stringify(figures)}`);
  cleanup(dir);
});

/** DB totals equal a clean run over exactly the content each file's committed checkpoint covers. */
async function expectCleanPrefix(db: string): Promise<void> {
  let want: Totals = {};
  for (const s of dbSources(db)) {
    const { content, format } = coveredContent(s.path!, s.offset);
    want = addTotals(want, await totalsOf(content, format));
  }
  expect(dbTotals(db)).toEqual(want);
  figures.prefixChecks++;
}

describe(`kill -9 during ingest (${TRIALS} trials)`, () => {
  it('the clean run counts exactly what genlog wrote', () => {
    const clean = path.join(dir, 'clean.db');
    expect(dbTotals(clean)).toEqual(expected);
  });

  for (let t = 1; t <= TRIALS; t++) {
    it(`trial ${t}: killed 1-3 times at random, restarted, equals the clean run`, async () => {
      const db = path.join(dir, `trial-${t}.db`);
      const kills = 1 + Math.floor(random() * 3);
      for (let k = 0; k < kills; k++) {
        // From start-up (catalog and store opening) to past the clean run's end.
        const at = Math.floor(random() * cleanMs * 1.1);
        const p = start(['ingest', logs, '--db', db, '--quiet'], { ignoreStdout: true });
        await sleep(at);
        const running = p.child.exitCode === null;
        p.kill('SIGKILL');
        const exit = await p.exited;
        figures.kills++;
        if (running && exit.signal === 'SIGKILL') figures.killedMidRun++;
        else expect(exit.status, exit.stderr).toBe(0);
        if (fs.existsSync(db)) {
          expect(integrityOk(db)).toBe(true);
          // Checked after every first kill, and after later ones now and then (it re-reads the content).
          if (k === 0 || random() < 0.3) await expectCleanPrefix(db);
        }
      }
      const done = errscan(['ingest', logs, '--db', db, '--quiet']);
      expect(done.status, done.stderr).toBe(0);
      const totals = dbTotals(db);
      for (const [key, n] of Object.entries(expected)) {
        const got = totals[key] ?? 0;
        if (got < n) figures.lost += n - got;
        if (got > n) figures.doubled += got - n;
      }
      expect(totals).toEqual(expected);
      expect(dbRows(db)).toEqual(cleanRows);
      // A further run finds nothing new (the JSON array is parsed again to skip its elements).
      const again = errscan(['ingest', logs, '--db', db, '--json']);
      expect(JSON.parse(again.stdout)).toMatchObject({ files: 3, hits: 0, errors: 0 });
      expect(dbRows(db)).toEqual(cleanRows);
      figures.trials++;
    });
  }
});

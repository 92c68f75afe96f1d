// Real logs with no vendor errors (../shared/corpora/loghub, read in place, never copied) and genlog's exact counts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalogs } from '../../src/catalog/index.js';
import { compileExtractor } from '../../src/extract/index.js';
import { ROOT } from '../helpers/cli.js';

const x = compileExtractor(loadCatalogs());
const LOGHUB = path.resolve(ROOT, '../shared/corpora/loghub');
// The project's copy of the shared generator (bench/), else the shared one.
const GENLOG = [path.join(ROOT, 'bench/genlog.mjs'), path.resolve(ROOT, '../shared/bench/genlog.mjs')].find((f) => fs.existsSync(f)) ?? 'bench/genlog.mjs';
const haveLoghub = fs.existsSync(LOGHUB);
const haveGenlog = fs.existsSync(GENLOG);

describe('loghub corpora', () => {
  if (!haveLoghub) console.warn(`loghub test skipped: ${LOGHUB} is missing (it holds real logs that must give zero hits)`);
  const files = haveLoghub ? fs.readdirSync(LOGHUB).filter((f) => f.endsWith('.log')).sort() : [];

  it.skipIf(!haveLoghub)('has the 16 loghub files', () => {
    expect(files.length).toBe(16);
  });

  it.skipIf(!haveLoghub).each(files)('%s gives zero hits, as lines and as one chunk', (f) => {
    const text = fs.readFileSync(path.join(LOGHUB, f), 'utf8');
    const hits = text.split('\n').flatMap((l) => x.extract(l).map((h) => `${h.vendor}:${h.code} ${l}`));
    expect(hits).toEqual([]);
  });
});

describe('genlog', () => {
  if (!haveGenlog) console.warn(`genlog test skipped: ${GENLOG} is missing`);

  it.skipIf(!haveGenlog)('--mb 2 --seed 7: exactly the counts genlog prints, text and JSON records alike', () => {
    const r = spawnSync(process.execPath, [GENLOG, '--mb', '2', '--seed', '7'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(r.status).toBe(0);
    const expected = (JSON.parse(r.stderr.trim().split('\n').at(-1)!) as { counts: Record<string, number> }).counts;
    const got: Record<string, number> = {};
    let records = 0;
    for (const line of r.stdout.split('\n')) {
      const hits = x.extract(line);
      expect(hits.length, line).toBeLessThanOrEqual(1);
      for (const h of hits) got[`${h.vendor}:${h.code}`] = (got[`${h.vendor}:${h.code}`] ?? 0) + 1;
      if (line.startsWith('{')) {
        records++;
        expect(x.extractRecord(JSON.parse(line)), line).toEqual(hits);
      }
    }
    expect(got).toEqual(expected);
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(30);
    expect(records).toBeGreaterThan(1000);
  });
});

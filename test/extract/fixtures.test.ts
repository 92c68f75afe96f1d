// Precision and recall over the labelled fixture set (fixtures/extract/*.jsonl, one {line, hits, note?} per line).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalogs } from '../../src/catalog/index.js';
import { compileExtractor } from '../../src/extract/index.js';
import { ROOT } from '../helpers/cli.js';

interface Labelled {
  line: string;
  hits: string[];
  note?: string;
}

const DIR = path.join(ROOT, 'fixtures/extract');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.jsonl')).sort();
const rows: Array<Labelled & { file: string }> = files.flatMap((f) =>
  fs
    .readFileSync(path.join(DIR, f), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => ({ ...(JSON.parse(l) as Labelled), file: f })),
);
const x = compileExtractor(loadCatalogs());

describe('labelled fixtures', () => {
  it('cover every vendor, with positives and hard negatives in every file', () => {
    expect(files).toEqual(['dls.jsonl', 'dwt.jsonl', 'formats.jsonl', 'heldout-review.jsonl', 'pallycon.jsonl', 'qlm.jsonl', 'recall-own.jsonl']);
    for (const v of ['dwt', 'dls', 'qlm', 'pallycon']) {
      expect(rows.filter((r) => r.hits.some((h) => h.startsWith(`${v}:`))).length, v).toBeGreaterThanOrEqual(15);
    }
    for (const f of files) {
      expect(rows.some((r) => r.file === f && r.hits.length > 0), f).toBe(true);
      expect(rows.some((r) => r.file === f && r.hits.length === 0), f).toBe(true);
    }
    expect(rows.length).toBeGreaterThanOrEqual(190);
  });

  it('precision and recall are at least 0.99', () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    const wrong: string[] = [];
    for (const r of rows) {
      const got = new Set(x.extract(r.line).map((h) => `${h.vendor}:${h.code}`));
      const want = new Set(r.hits);
      const extra = [...got].filter((h) => !want.has(h));
      const missed = [...want].filter((h) => !got.has(h));
      tp += got.size - extra.length;
      fp += extra.length;
      fn += missed.length;
      if (extra.length || missed.length) wrong.push(`${r.file}: ${JSON.stringify(r.line)} extra=${extra} missed=${missed}`);
    }
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    expect(wrong).toEqual([]);
    expect(precision).toBeGreaterThanOrEqual(0.99);
    expect(recall).toBeGreaterThanOrEqual(0.99);
    expect(tp).toBe(rows.reduce((n, r) => n + r.hits.length, 0));
  });

  it('JSON fixture lines give the same hits as records', () => {
    let n = 0;
    for (const r of rows) {
      if (!r.line.startsWith('{')) continue;
      let value: unknown;
      try {
        value = JSON.parse(r.line);
      } catch {
        continue;
      }
      n++;
      expect(x.extractRecord(value), r.line).toEqual(x.extract(JSON.stringify(value)));
      expect(x.extractRecord(value).map((h) => `${h.vendor}:${h.code}`), r.line).toEqual(r.hits);
    }
    expect(n).toBeGreaterThanOrEqual(10);
  });
});

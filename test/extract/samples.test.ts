// One case per catalog sample (pattern samples and each vendor's message samples).
import { describe, expect, it } from 'vitest';
import { loadCatalogs } from '../../src/catalog/index.js';
import { checkSamples } from '../../src/extract/index.js';

const set = loadCatalogs();
const results = checkSamples(set);

describe('catalog samples', () => {
  it('every vendor has samples for every pattern, positive and negative', () => {
    for (const v of set.vendors) {
      expect(v.patterns.length, v.vendor).toBeGreaterThan(0);
      for (const p of v.patterns) {
        expect(p.samples.some((s) => s.hits.length > 0), `${v.vendor}/${p.id} positive`).toBe(true);
      }
      expect(v.patterns.some((p) => p.samples.some((s) => s.hits.length === 0)), `${v.vendor} negative`).toBe(true);
    }
  });

  it.each(results.map((r) => [`${r.vendor}/${r.pattern}: ${JSON.stringify(r.line)}`, r] as const))('%s', (_name, r) => {
    expect(r.actual).toEqual(r.expected);
    expect(r.ok).toBe(true);
  });
});

// enrich(): catalog metadata for a hit; unknown codes keep their number with null metadata.
import { describe, expect, it } from 'vitest';
import { loadCatalogs } from '../../src/catalog/index.js';
import { enrich } from '../../src/enrich/index.js';

const set = loadCatalogs();
const ctx = { ts: '2026-11-22T10:00:00.000Z', source: 'app.log', line: 12, text: 'ErrorCode: -2326' };

describe('enrich', () => {
  it('adds the catalog entry of a known code', () => {
    expect(enrich({ vendor: 'dwt', code: -2326, via: 'errorcode-property' }, ctx, set)).toEqual({
      vendor: 'dwt',
      product: 'Dynamic Web TWAIN',
      code: -2326,
      known: true,
      name: null,
      message: 'The current product key has expired, please contact the site administrator',
      category: 'product key',
      severity: 'error',
      ts: '2026-11-22T10:00:00.000Z',
      source: 'app.log',
      line: 12,
      text: 'ErrorCode: -2326',
    });
  });

  it('gives QLM names and DLS products', () => {
    const q = enrich({ vendor: 'qlm', code: 209, via: 'enum-name' }, ctx, set);
    expect([q.product, q.name, q.message, q.known]).toEqual(['Soraco Quick License Manager', 'License_Expired', 'The license has expired', true]);
    const d = enrich({ vendor: 'dls', code: -20111, via: 'context-number' }, ctx, set);
    expect([d.product, d.message, d.category]).toEqual(['Dynamsoft License Server', 'License expired.', 'license validity']);
  });

  it('resolves DWT codes <= -3000 to the range entry, keeping the code', () => {
    const e = enrich({ vendor: 'dwt', code: -3025, via: 'errorcode-property' }, ctx, set);
    expect([e.code, e.known, e.message, e.category, e.severity]).toEqual([-3025, true, 'See ErrorString property for details', 'other', 'error']);
  });

  it('marks codes the catalog does not have as unknown, with null metadata', () => {
    expect(enrich({ vendor: 'dwt', code: -1119, via: 'browser-console' }, ctx, set)).toMatchObject({
      vendor: 'dwt',
      product: 'Dynamic Web TWAIN',
      code: -1119,
      known: false,
      name: null,
      message: null,
      category: null,
      severity: null,
    });
    expect(enrich({ vendor: 'pallycon', code: 7127, via: 'json-error-code' }, ctx, set).known).toBe(false);
  });
});

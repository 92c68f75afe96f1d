// extractRecord(): every string and number field, nested, with key names; bounded and never throwing.
import { describe, expect, it } from 'vitest';
import { loadCatalogs } from '../../src/catalog/index.js';
import { compileExtractor } from '../../src/extract/index.js';
import { MAX_CHARS, recordText } from '../../src/extract/record.js';

const x = compileExtractor(loadCatalogs());
const keys = (v: unknown): string[] => x.extractRecord(v).map((h) => `${h.vendor}:${h.code}`);

describe('recordText', () => {
  it('writes what JSON.stringify writes', () => {
    const values: unknown[] = [
      { a: 1, b: 'x"y\n', c: [1, 'two', null, true, { d: -0.5 }], e: {}, f: [] },
      [{ k: undefined, l: () => 1 }, undefined, 1e21, -0],
      'plain',
      42,
      null,
      { 'we"ird key': { nested: [[['deep']]] } },
    ];
    for (const v of values) expect(recordText(v)).toBe(JSON.stringify(v));
  });

  it('handles 100 000 levels of nesting without recursion', () => {
    let deep: unknown = { pallycon: { errorCode: '7011' } };
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? { n: deep } : [deep];
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(() => recordText(deep)).not.toThrow();
    expect(keys(deep)).toEqual(['pallycon:7011']);
  });

  it('stops at MAX_CHARS (a cyclic object ends too)', () => {
    const cyclic: Record<string, unknown> = { a: 'x' };
    cyclic.self = cyclic;
    const t = recordText(cyclic);
    expect(t.length).toBeGreaterThanOrEqual(MAX_CHARS);
    expect(t.length).toBeLessThan(MAX_CHARS + 100);
  });

  it('never throws on a hostile getter', () => {
    const o = {
      ok: 'DLS error -20111',
      get bad(): string {
        throw new Error('boom');
      },
    };
    expect(() => x.extractRecord(o)).not.toThrow();
    expect(keys(o)).toEqual(['dls:-20111']);
  });
});

describe('extractRecord', () => {
  it('uses key names as context', () => {
    expect(keys({ pallycon: { errorCode: '7011' } })).toEqual(['pallycon:7011']);
    expect(keys({ errorCode: '7011' })).toEqual([]);
    expect(keys({ error: { source: 'QLM', code: 209, name: 'EServerErrorCode.License_Expired' } })).toEqual(['qlm:209']);
    expect(keys({ dwt: { errorCode: -1035 } })).toEqual(['dwt:-1035']);
  });

  it('searches numbers and strings at any depth, and treats a string value as a line', () => {
    expect(keys([{ a: [{ b: { exceptionCode: -20111 } }] }])).toEqual(['dls:-20111']);
    expect(keys('PallyCon Error : Invalid token.(7016)')).toEqual(['pallycon:7016']);
    expect(keys({ msg: 'cache refresh', offset: -2326, items: 7011 })).toEqual([]);
  });
});

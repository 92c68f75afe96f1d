// Extraction settings in catalogs are checked when the extractor is compiled: clear coded errors, never a crash.
import { describe, expect, it } from 'vitest';
import { catalogSet, loadCatalogs } from '../../src/catalog/index.js';
import { CompiledExtractor, checkSamples, compileExtractor } from '../../src/extract/index.js';
import { ErrscanError } from '../../src/errors.js';
import type { CatalogPattern, VendorCatalog } from '../../src/types.js';

function vendor(extract: Record<string, unknown> | undefined, patterns: CatalogPattern[] = []): VendorCatalog {
  return {
    vendor: 'acme',
    product: 'Acme',
    files: ['/tmp/acme.json'],
    patterns,
    ...(extract ? { extract } : {}),
    entries: [{ vendor: 'acme', code: 42, name: null, message: 'The widget is broken', alternates: [], category: 'x', severity: 'error' }],
  };
}

function compileError(v: VendorCatalog): ErrscanError {
  try {
    new CompiledExtractor(catalogSet([v]));
  } catch (e) {
    if (e instanceof ErrscanError) return e;
    throw e;
  }
  throw new Error('compiled without an error');
}

describe('extraction settings', () => {
  it('a catalog of your own works with patterns and messages', () => {
    const x = new CompiledExtractor(
      catalogSet([
        vendor({ context: ['Acme'] }, [
          { id: 'acme-code', regex: '\\bACME-(?<code>\\d{2})\\b', anchors: ['ACME-'], samples: [{ line: 'ACME-42', hits: ['acme:42'] }] },
        ]),
      ]),
    );
    expect(x.extract('boom ACME-42 and ACME-43')).toEqual([
      { vendor: 'acme', code: 42, via: 'acme-code' },
      { vendor: 'acme', code: 43, via: 'acme-code' },
    ]);
    expect(x.extract('Acme: The widget is broken.')).toEqual([{ vendor: 'acme', code: 42, via: 'message' }]);
    expect(x.extract('The widget is broken.')).toEqual([]);
  });

  it('a pattern veto cancels the pattern on a line that names one of its literals, in any case', () => {
    const x = new CompiledExtractor(
      catalogSet([
        vendor(undefined, [
          { id: 'acme-code', regex: '\\bACME-(?<code>\\d{2})\\b', anchors: ['ACME-'], veto: ['shaka', 'dash.js'], samples: [] },
        ]),
      ]),
    );
    expect(x.extract('ACME-42 from the player')).toEqual([{ vendor: 'acme', code: 42, via: 'acme-code' }]);
    expect(x.extract('Shaka: ACME-42')).toEqual([]);
    expect(x.extract('SHAKA ACME-42')).toEqual([]);
    expect(x.extract('ACME-42 in Dash.JS')).toEqual([]);
    // A literal, not a regex: the dot is a dot.
    expect(x.extract('ACME-42 in dashXjs')).toEqual([{ vendor: 'acme', code: 42, via: 'acme-code' }]);
  });

  it('rejects unknown settings, bad types, patterns without anchors and unknown vendors', () => {
    const cases: Array<[VendorCatalog, RegExp]> = [
      [vendor({ contxt: ['Acme'] }), /\/extract\/contxt: unknown extraction setting/],
      [vendor({ context: 'Acme' }), /\/extract\/context: must be an array of non-empty strings/],
      [vendor({ samples: [{ line: 1 }] }), /\/extract\/samples: must be an array of \{line, hits\} samples/],
      [vendor(undefined, [{ id: 'p', regex: '(?<code>\\d+)', samples: [] }]), /\/patterns\/0: pattern "p" needs "anchors"/],
      [vendor(undefined, [{ id: 'p', regex: '(?<code>\\d+)', context: ['@nobody'], samples: [] }]), /"@nobody" names no loaded vendor/],
      [vendor(undefined, [{ id: 'p', regex: '(?<code>\\d+)', anchors: ['x'], codes: [[5, 1]], samples: [] }]), /\/patterns\/0\/codes: must be/],
      [vendor(undefined, [{ id: 'p', regex: '(?<code>\\d+)', anchors: ['x'], route: [{ min: 1, max: 2, vendor: 'zz' }], samples: [] }]), /vendor "zz" is not loaded/],
      [vendor(undefined, [{ id: 'p', regex: '(?<code>\\d+)', anchors: ['x'], contxt: ['y'], samples: [] }]), /\/patterns\/0\/contxt: unknown pattern setting in "p"/],
      [vendor({ context: ['Acmé'] }), /\/extract\/context: literal "Acmé" must be printable ASCII/],
      [vendor({ messages: [{ code: 42, text: 'x' }] }), /\/extract\/messages: must be an array of \{code, text, source\}/],
      [vendor({ messageVeto: [{ literals: ['X'] }] }), /\/extract\/messageVeto\/0\/codes: is required/],
      [vendor({ messageOnly: { minWords: 2, codes: [[1, 99]] } }), /\/extract\/messageOnly\/minWords: must be an integer >= 3/],
      [vendor({ messageOnly: { minWords: 4, codes: [[1, 99]], extra: 1 } }), /\/extract\/messageOnly: must be \{minWords, codes, except\}/],
    ];
    for (const [v, msg] of cases) {
      const e = compileError(v);
      expect(e.code).toBe('ERRSCAN_CATALOG_SCHEMA');
      expect(e.message).toMatch(msg);
      expect(e.oneLine()).not.toContain('\n');
    }
    expect(compileError(vendor({ contxt: [] })).file).toBe('/tmp/acme.json');
  });

  it('messageOnly lets long single-code wordings count alone, except listed ones; messages and messageVeto add and cancel wordings', () => {
    const make = (extract: Record<string, unknown>): CompiledExtractor =>
      new CompiledExtractor(catalogSet([vendor({ anchors: ['widget', 'gadget'], ...extract })]));
    // 'The widget is broken' has 4 words.
    expect(make({}).extract('log: The widget is broken')).toEqual([]);
    expect(make({ messageOnly: { minWords: 4, codes: [[1, 99]] } }).extract('log: The widget is broken')).toEqual([
      { vendor: 'acme', code: 42, via: 'message' },
    ]);
    expect(make({ messageOnly: { minWords: 5, codes: [[1, 99]] } }).extract('log: The widget is broken')).toEqual([]);
    expect(make({ messageOnly: { minWords: 4, codes: [[43, 99]] } }).extract('log: The widget is broken')).toEqual([]);
    expect(make({ messageOnly: { minWords: 4, codes: [[1, 99]], except: ['the widget is  BROKEN.'] } }).extract('log: The widget is broken')).toEqual([]);
    // A docs wording of code 42 counts like a table wording; a veto literal cancels every wording of codes in its range.
    const x = make({
      context: ['Acme'],
      messages: [{ code: 42, text: 'The gadget fell off', source: 'acme FAQ' }],
      messageVeto: [{ codes: [[40, 45]], literals: ['OtherStack'] }],
    });
    expect(x.extract('Acme: The gadget fell off')).toEqual([{ vendor: 'acme', code: 42, via: 'message' }]);
    expect(x.extract('Acme OtherStack: The gadget fell off')).toEqual([]);
    expect(x.extract('Acme OtherStack: The widget is broken')).toEqual([]);
    expect(x.extract('The gadget fell off')).toEqual([]);
  });

  it('checkSamples fails samples that give nothing, the wrong thing, more than expected, or not through their pattern', () => {
    const set = catalogSet([
      vendor({ context: ['Acme'], samples: [{ line: 'Acme: The widget is broken', hits: ['acme:42'] }] }, [
        {
          id: 'acme-code',
          regex: '\\bACME-(?<code>\\d{2})\\b',
          anchors: ['ACME-'],
          samples: [
            { line: 'ACME-42', hits: ['acme:42'] },
            { line: 'nothing here', hits: ['acme:42'] },
            { line: 'ACME-43', hits: ['acme:42'] },
            { line: 'ACME-42 ACME-43', hits: ['acme:42'] },
            { line: 'ACME-42', hits: ['acme:42', 'acme:42'] },
            { line: 'Acme: The widget is broken', hits: ['acme:42'] },
            { line: 'ACME-4', hits: [] },
          ],
        },
      ]),
    ]);
    expect(checkSamples(set).map((r) => [r.pattern, r.line, r.actual, r.ok])).toEqual([
      ['acme-code', 'ACME-42', ['acme:42'], true],
      ['acme-code', 'nothing here', [], false],
      ['acme-code', 'ACME-43', ['acme:43'], false],
      ['acme-code', 'ACME-42 ACME-43', ['acme:42', 'acme:43'], false],
      ['acme-code', 'ACME-42', ['acme:42'], false],
      // Right hit, but the message found it, not this pattern.
      ['acme-code', 'Acme: The widget is broken', ['acme:42'], false],
      ['acme-code', 'ACME-4', [], true],
      ['message', 'Acme: The widget is broken', ['acme:42'], true],
    ]);
  });

  it('compiles once per catalog set', () => {
    const set = loadCatalogs();
    expect(compileExtractor(set)).toBe(compileExtractor(set));
  });
});

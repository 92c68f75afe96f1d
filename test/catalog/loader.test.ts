import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STAMP_FILE, catalogHash, catalogsFromArgv, isSafeRegex, loadCatalogs, patternRegExp, readCatalogFile, stampedHashes, validateCatalog, type CatalogStamp } from '../../src/catalog/index.js';
import { builtinCatalogDir, catalogFiles, readCatalogText } from '../../src/catalog/files.js';
import { ErrscanError } from '../../src/errors.js';
import { SEVERITIES } from '../../src/types.js';

let dir: string;
const write = (name: string, body: unknown): string => {
  const f = path.join(dir, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, typeof body === 'string' ? body : JSON.stringify(body, null, 2));
  return f;
};

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'errscan-catalog-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('shipped catalogs', () => {
  const set = loadCatalogs({ env: {} });

  it('validate on their own, and the build stamp lists exactly their texts', () => {
    const files = catalogFiles(builtinCatalogDir());
    for (const f of files) {
      const text = readCatalogText(f);
      expect(() => validateCatalog(JSON.parse(text), f, text), f).not.toThrow();
    }
    // npm test builds first (pretest), so the stamp is this tree's, normally made by this Node; it is trusted
    // only by the Node version that made it.
    const stamp = JSON.parse(fs.readFileSync(STAMP_FILE, 'utf8')) as CatalogStamp;
    expect([...stamp.sha256].sort()).toEqual(files.map((f) => catalogHash(readCatalogText(f))).sort());
    expect([...stampedHashes()].sort()).toEqual(stamp.node === process.version ? [...stamp.sha256].sort() : []);
  });

  it('trust a stamp only from this Node version, and none that is missing or malformed', () => {
    const f = write('stamp/stamp.json', { node: 'v20.0.0', sha256: ['ab'] });
    expect([...stampedHashes(f, 'v20.0.0')]).toEqual(['ab']);
    expect(stampedHashes(f, 'v22.1.0').size).toBe(0);
    expect(stampedHashes(write('stamp/old.json', ['ab']), 'v20.0.0').size).toBe(0);
    expect(stampedHashes(write('stamp/bad.json', '{"node": "v20.0.0", '), 'v20.0.0').size).toBe(0);
    expect(stampedHashes(path.join(dir, 'stamp/missing.json'), 'v20.0.0').size).toBe(0);
  });

  it('skip validation only for a stamped text: an edited copy is validated, an exact copy is not', () => {
    const shipped = readCatalogText(path.join(builtinCatalogDir(), 'dls.json'));
    const copy = write('stamp/dls.json', shipped);
    expect(readCatalogFile(copy).vendor).toBe('dls');
    // One entry twice: the schema allows it, the validator does not.
    const data = JSON.parse(shipped) as { entries: unknown[] };
    data.entries.push(data.entries[0]);
    const edited = write('stamp/dls-edited.json', data);
    expect(() => readCatalogFile(edited)).toThrow(/duplicate code/);
  });

  it('have every seed row', () => {
    expect(set.vendors.map((v) => [v.vendor, v.entries.length])).toEqual([
      ['dls', 22],
      ['dwt', 173],
      ['pallycon', 67],
      ['qlm', 63],
    ]);
    const dwt = set.vendor('dwt')!;
    expect(dwt.entries.filter((e) => !e.range)).toHaveLength(172);
    expect(dwt.entries.filter((e) => e.range).map((e) => [e.code, e.range])).toEqual([[-3000, { max: -3000 }]]);
    const dls = set.vendor('dls')!.entries;
    expect(dls.map((e) => e.original)).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 111, 112, 113, 114, 115, 120, 121, 122, 123, 124, 130, 151]);
    expect(dls.every((e) => e.code === -20000 - e.original!)).toBe(true);
    expect(set.vendor('qlm')!.entries.every((e) => e.name !== null)).toBe(true);
  });

  it('keep every wording of a code', () => {
    expect(set.entry('dls', -20111)).toEqual({
      vendor: 'dls',
      code: -20111,
      original: 111,
      name: null,
      message: 'License expired.',
      alternates: ['License expired for this IP address.', 'License has expired.', 'License for this ip has expired.'],
      category: 'license validity',
      severity: 'error',
    });
    expect(set.entry('dls', -20105)!.alternates).toEqual(['License item does not exist.']);
    expect(set.entry('dls', -20108)!.alternates).toEqual(['DeploymentType is not matched.']);
    expect(set.entry('dls', -20100)!.alternates).toHaveLength(3);
  });

  it('resolve codes, ranges, originals and names', () => {
    expect(set.entry('dwt', -2326)!.message).toBe('The current product key has expired, please contact the site administrator');
    expect(set.entry('dwt', -4242)!.code).toBe(-3000);
    expect(set.entry('dwt', -2999)).toBeUndefined();
    expect(set.entry('DWT', -1032)!.severity).toBe('info');
    expect(set.entry('nope', 1)).toBeUndefined();
    expect(set.byOriginal('dls', 111)!.code).toBe(-20111);
    expect(set.byOriginal('dls', 110)).toBeUndefined();
    expect(set.byName('qlm', 'License_Expired')!.code).toBe(209);
    expect(set.byName('qlm', 'license_expired')).toBeUndefined();
    expect(set.entry('qlm', 1)!.message).toBe('Request blocked error');
    expect(set.entry('pallycon', 1002)!.message).toBe('Trial plan’s license limit or user limit exceeded.');
  });

  it('mark only DWT 0 and QLM 0 as success', () => {
    const ok = set.vendors.flatMap((v) => v.entries.filter((e) => e.success)).map((e) => `${e.vendor}:${e.code}`);
    expect(ok).toEqual(['dwt:0', 'qlm:0']);
  });

  it('give every entry a category and a valid severity, and no mojibake', () => {
    for (const e of set.vendors.flatMap((v) => v.entries)) {
      expect(SEVERITIES).toContain(e.severity);
      expect(e.category).toMatch(/^[a-z][a-z /]*$/);
      for (const m of [e.message, ...e.alternates]) expect(m).not.toMatch(/[ÂÃâ]/);
    }
    expect(set.vendor('qlm')!.entries.map((e) => e.category).filter((c, i, a) => a.indexOf(c) === i)).toEqual([
      'success', 'request', 'communication', 'license', 'customer', 'db connection', 'miscellaneous', 'product properties', 'others',
    ]);
  });

  it('have the severity counts catalogs/README.md states', () => {
    const counts = set.vendors.map((v) => [v.vendor, ...SEVERITIES.map((s) => v.entries.filter((e) => e.severity === s).length)]);
    expect(counts).toEqual([
      ['dls', 0, 1, 20, 1],
      ['dwt', 5, 6, 158, 4],
      ['pallycon', 0, 1, 62, 4],
      ['qlm', 2, 1, 56, 4],
    ]);
    const critical = set.vendors.flatMap((v) => v.entries.filter((e) => e.severity === 'critical').map((e) => `${e.vendor}:${e.code}`));
    expect(critical).toEqual([
      'dls:-20100', 'dwt:-2308', 'dwt:-2800', 'dwt:-2814', 'dwt:-2824', 'pallycon:1004', 'pallycon:2001', 'pallycon:7103',
      'pallycon:7202', 'qlm:100', 'qlm:101', 'qlm:2000', 'qlm:2001',
    ]);
  });

  it('pass the ReDoS check with every shipped pattern', () => {
    for (const v of set.vendors) for (const p of v.patterns) expect(isSafeRegex(p.regex), `${v.vendor}/${p.id}`).toBe(true);
  });
});

describe('user catalogs', () => {
  it('add a vendor, and extend/override a shipped one (entries by code, patterns by id, extract merged)', () => {
    const acme = write('user/acme.json', { vendor: 'acme', product: 'Acme DRM', entries: [{ code: 42, message: 'Life' }] });
    const dwt = write('user/dwt.json', {
      vendor: 'dwt',
      extract: { extraKnob: true },
      patterns: [{ id: 'user-dwt', regex: 'DWTX(?<code>-\\d{4})', samples: [{ line: 'DWTX-2326', hits: ['dwt:-2326'] }] }],
      entries: [
        { code: -2326, message: 'Key expired (ours)', severity: 'critical', category: 'product key' },
        { code: -2115, message: 'Sample success code', severity: 'info' },
      ],
    });
    const set = loadCatalogs({ extra: [acme, dwt], env: {} });
    expect(set.vendor('acme')).toEqual({
      vendor: 'acme',
      product: 'Acme DRM',
      files: [acme],
      patterns: [],
      entries: [{ vendor: 'acme', code: 42, name: null, message: 'Life', alternates: [], category: 'general', severity: 'error' }],
    });
    const d = set.vendor('dwt')!;
    expect(d.product).toBe('Dynamic Web TWAIN');
    expect(d.files).toHaveLength(2);
    expect(d.files[1]).toBe(dwt);
    expect(d.entries).toHaveLength(174);
    expect(set.entry('dwt', -2326)!.message).toBe('Key expired (ours)');
    expect(set.entry('dwt', -2326)!.severity).toBe('critical');
    expect(set.entry('dwt', -2115)!.message).toBe('Sample success code');
    expect(d.patterns.map((p) => p.id)).toContain('user-dwt');
    expect(d.extract?.extraKnob).toBe(true);
    const p = d.patterns.find((x) => x.id === 'user-dwt')!;
    expect(patternRegExp(p)).toBe(patternRegExp(p));
    expect(patternRegExp(p).exec('DWTX-2326')?.groups?.code).toBe('-2326');
  });

  it('come from directories and ERRSCAN_CATALOGS; --catalog wins over the environment', () => {
    const a = write('envdir/a.json', { vendor: 'acme', entries: [{ code: 1, message: 'from env' }] });
    write('envdir/schema.json', { not: 'a catalog' });
    const b = write('flag.json', { vendor: 'acme', entries: [{ code: 1, message: 'from flag' }] });
    const envSet = loadCatalogs({ env: { ERRSCAN_CATALOGS: `${path.dirname(a)}${path.delimiter}` } });
    expect(envSet.entry('acme', 1)!.message).toBe('from env');
    const both = catalogsFromArgv({ catalog: [b] }, { ERRSCAN_CATALOGS: path.dirname(a) });
    expect(both.entry('acme', 1)!.message).toBe('from flag');
    expect(both.vendor('acme')!.files).toEqual([a, b]);
  });
});

describe('broken catalogs', () => {
  const cases: Array<[string, string, string, string]> = [
    ['missing file', 'does-not-exist.json', 'ERRSCAN_CATALOG_READ', 'does-not-exist.json: cannot read catalog: no such catalog file or directory'],
    ['trailing comma', '{\n  "vendor": "x",\n  "entries": [\n    {"code": 1, "message": "a"},\n  ]\n}\n', 'ERRSCAN_CATALOG_BAD_JSON', ':5:3: invalid JSON: trailing comma before \']\''],
    ['truncated', '{\n  "vendor": "x",\n  "entries": [', 'ERRSCAN_CATALOG_BAD_JSON', ':3:15: invalid JSON: expected a value, found end of file'],
    ['bad severity', '{\n  "vendor": "x",\n  "entries": [\n    {"code": 1, "message": "a", "severity": "bad"}\n  ]\n}\n', 'ERRSCAN_CATALOG_SCHEMA', ':4:45: /entries/0/severity: must be one of info, warning, error, critical'],
    ['string code', '{"vendor": "x", "entries": [{"code": "1", "message": "a"}]}', 'ERRSCAN_CATALOG_SCHEMA', ':1:38: /entries/0/code: must be integer'],
    ['missing message', '{"vendor": "x", "entries": [{"code": 1}]}', 'ERRSCAN_CATALOG_SCHEMA', ':1:29: /entries/0: missing required property "message"'],
    ['unknown property', '{"vendor": "x", "entries": [{"code": 1, "message": "a", "colour": 1}]}', 'ERRSCAN_CATALOG_SCHEMA', ':1:67: /entries/0/colour: unknown property "colour"'],
    ['pattern without samples', '{"vendor": "x", "entries": [], "patterns": [{"id": "p", "regex": "(?<code>\\\\d+)"}]}', 'ERRSCAN_CATALOG_SCHEMA', '/patterns/0: missing required property "samples"'],
    ['duplicate code', '{"vendor": "x", "entries": [\n{"code": 7, "message": "a"},\n{"code": 7, "message": "b"}]}', 'ERRSCAN_CATALOG_DUPLICATE_CODE', ':3:10: /entries/1/code: duplicate code 7 (first at /entries/0)'],
    ['bad regex', '{"vendor": "x", "entries": [], "patterns": [{"id": "p", "regex": "(?<code>\\\\d+", "samples": []}]}', 'ERRSCAN_CATALOG_BAD_REGEX', '/patterns/0/regex: pattern "p" does not compile: Invalid regular expression: /(?<code>\\d+/: Unterminated group'],
    ['no code group', '{"vendor": "x", "entries": [], "patterns": [{"id": "p", "regex": "-(\\\\d+)", "samples": []}]}', 'ERRSCAN_CATALOG_NO_CODE_GROUP', '/patterns/0/regex: pattern "p" has no named group (?<code>…) or (?<name>…)'],
    ['catastrophic backtracking', '{"vendor": "x", "entries": [], "patterns": [{"id": "p", "regex": "(?<code>(a+)+$)", "samples": []}]}', 'ERRSCAN_CATALOG_UNSAFE_REGEX', '/patterns/0/regex: pattern "p" is prone to catastrophic backtracking'],
    ['code outside its range', '{"vendor": "x", "entries": [{"code": 5, "message": "a", "range": {"max": 0}}]}', 'ERRSCAN_CATALOG_SCHEMA', '/entries/0/code: code 5 lies outside its range'],
  ];
  for (const [what, body, code, text] of cases) {
    it(`reports ${what} as ${code}, one line naming the file and place`, () => {
      const f = what === 'missing file' ? path.join(dir, body) : write(`broken-${what.replace(/\W+/g, '-')}.json`, body);
      let err: unknown;
      try {
        loadCatalogs({ extra: [f], env: {} });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ErrscanError);
      const e = err as ErrscanError;
      expect(e.code).toBe(code);
      expect(e.exitCode).toBe(2);
      expect(e.oneLine()).toContain(`errscan: ${f}`);
      expect(e.oneLine()).toContain(text);
      expect(e.oneLine()).not.toContain('\n');
    });
  }

  it('names the place of a schema error in a shipped-size file', () => {
    const good = JSON.parse(fs.readFileSync(path.join(__dirname, '../../catalogs/qlm.json'), 'utf8')) as { entries: Array<Record<string, unknown>> };
    good.entries[40]!.severity = 'fatal';
    const f = write('qlm-bad.json', JSON.stringify(good, null, 2));
    expect(() => readCatalogFile(f)).toThrow(ErrscanError);
    try {
      readCatalogFile(f);
    } catch (e) {
      const text = fs.readFileSync(f, 'utf8').split('\n');
      const where = (e as ErrscanError).where!;
      const [line, col] = where.split(':').map(Number);
      expect(text[line! - 1]!.slice(col! - 1)).toBe('"fatal"');
      expect((e as ErrscanError).message).toBe('/entries/40/severity: must be one of info, warning, error, critical');
    }
  });
});

describe('ReDoS check', () => {
  it('rejects nested quantifiers and accepts lookbehind-anchored patterns', () => {
    expect(isSafeRegex('(a+)+$')).toBe(false);
    expect(isSafeRegex('(?<code>(\\d+\\s?)*)x')).toBe(false);
    expect(isSafeRegex('(?<![\\d-])-(?<code>20[01]\\d\\d)(?!\\d)')).toBe(true);
    expect(isSafeRegex('(?<=ErrorCode:\\s*)(?<code>-\\d{4,5})')).toBe(true);
    expect(isSafeRegex('\\b(?<name>License_[A-Za-z_]+|DB_[A-Za-z_]+)\\b')).toBe(true);
  });
});

describe('catalogs/schema.json', () => {
  it('is a valid draft-07 schema under ajv strict mode', async () => {
    const { Ajv } = await import('ajv');
    const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '../../catalogs/schema.json'), 'utf8')) as object;
    const ajv = new Ajv({ strict: true, allowUnionTypes: true });
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it('is what src/catalog/schema-validator.ts was generated from (else: npm run gen:validator)', async () => {
    // @ts-expect-error: a plain .mjs script, no type declarations
    const { generate, OUT } = (await import('../../scripts/gen-catalog-validator.mjs')) as { generate: () => string; OUT: string };
    expect(fs.readFileSync(OUT, 'utf8') === generate()).toBe(true);
  });
});

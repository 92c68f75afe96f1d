import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, errscan } from '../helpers/cli.js';

interface Entry {
  vendor: string;
  code: number;
  original?: number;
  name: string | null;
  message: string;
  alternates: string[];
  category: string;
  severity: string;
  range?: { min?: number; max?: number };
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'errscan-catalog-cli-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const VENDORS = ['dls', 'dwt', 'qlm', 'pallycon'] as const;

describe('errscan catalog', () => {
  it('show --json lists every entry of a vendor', () => {
    const counts = VENDORS.map((v) => {
      const r = errscan(['catalog', 'show', v, '--json']);
      expect(r.status).toBe(0);
      const entries = JSON.parse(r.stdout) as Entry[];
      for (const e of entries) expect(Object.keys(e)).toEqual(expect.arrayContaining(['vendor', 'code', 'name', 'message', 'alternates', 'category', 'severity']));
      return [v, entries.filter((e) => !e.range).length, entries.filter((e) => e.range).length];
    });
    expect(counts).toEqual([
      ['dls', 22, 0],
      ['dwt', 172, 1],
      ['qlm', 63, 0],
      ['pallycon', 67, 0],
    ]);
  });

  it('show prints a table', () => {
    const r = errscan(['catalog', 'show', 'qlm']);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('Soraco Quick License Manager (qlm): 63 entries');
    expect(lines[2]).toMatch(/^code +name +severity +category +message$/);
    expect(lines[3]).toMatch(/^0 +No Error +info +success +No Error$/);
    expect(lines.find((l) => l.startsWith('209 '))?.split(/ {2,}/)).toEqual(['209', 'License_Expired', 'error', 'license', 'The license has expired']);
  });

  it('list prints vendor, product, entries, patterns and source', () => {
    const r = errscan(['catalog', 'list', '--json']);
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ vendor: string; product: string; entries: number; ranges: number; source: string }>;
    expect(rows.map((x) => [x.vendor, x.product, x.entries, x.ranges, x.source])).toEqual([
      ['dls', 'Dynamsoft License Server', 22, 0, 'catalogs/sources/dls.md'],
      ['dwt', 'Dynamic Web TWAIN', 173, 1, 'catalogs/sources/dwt.md'],
      ['pallycon', 'PallyCon (DoveRunner) Multi-DRM', 67, 0, 'catalogs/sources/pallycon.md'],
      ['qlm', 'Soraco Quick License Manager', 63, 0, 'catalogs/sources/qlm.md'],
    ]);
    const t = errscan(['catalog', 'list']);
    expect(t.stdout.split('\n')[0]).toMatch(/^vendor +product +entries +patterns +source$/);
  });

  it('check validates the shipped and the given catalogs', () => {
    const f = path.join(dir, 'acme.json');
    fs.writeFileSync(f, JSON.stringify({ vendor: 'acme', entries: [{ code: 1, message: 'one' }] }));
    const r = errscan(['catalog', 'check', f]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`ok  acme: 1 entries, 0 patterns, 0 samples (${f})`);
    expect(r.stdout).toMatch(/^5 catalogs valid; /m);
  });

  it('check runs every sample and fails on one that gives the wrong hits', () => {
    const ok = errscan(['catalog', 'check', '--json']);
    expect(ok.status).toBe(0);
    const shipped = JSON.parse(ok.stdout) as { samplesRun: number };
    expect(shipped.samplesRun).toBeGreaterThan(100);

    const f = path.join(dir, 'acme-samples.json');
    fs.writeFileSync(
      f,
      JSON.stringify({
        vendor: 'acme',
        product: 'Acme License',
        patterns: [
          {
            id: 'acme-err',
            regex: 'ACME-ERR (?<code>\\d+)',
            anchors: ['ACME-ERR'],
            samples: [
              { line: 'ACME-ERR 42 failed', hits: ['acme:42'] },
              { line: 'ACME-ERR 7 failed', hits: ['acme:8'] },
            ],
          },
        ],
        entries: [{ code: 42, message: 'forty-two' }],
      }),
    );
    const r = errscan(['catalog', 'check', f]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      'errscan: acme pattern "acme-err": sample "ACME-ERR 7 failed" gives [acme:7], expected [acme:8]',
      `errscan: 1 of ${shipped.samplesRun + 2} pattern samples do not give their expected hits (fix the pattern or the sample in its catalog file)`,
    ]);
  });

  it('unknown vendor exits 2', () => {
    const r = errscan(['catalog', 'show', 'nope']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('errscan: unknown vendor "nope" (known: dls, dwt, pallycon, qlm)');
  });

  it('import regenerates every shipped entry (code, messages) from catalogs/sources', () => {
    for (const v of VENDORS) {
      const r = errscan(['catalog', 'import', '--vendor', v, '--from', `catalogs/sources/${v}.md`], { cwd: ROOT });
      expect(r.status, r.stderr).toBe(0);
      const imported = JSON.parse(r.stdout) as { vendor: string; product: string; source: string; entries: Entry[] };
      const shipped = JSON.parse(fs.readFileSync(path.join(ROOT, 'catalogs', `${v}.json`), 'utf8')) as { product: string; entries: Entry[] };
      expect(imported.vendor).toBe(v);
      expect(imported.source).toBe(`catalogs/sources/${v}.md`);
      expect(imported.product).toBe(shipped.product);
      const key = (e: Entry) => [e.code, e.original ?? null, e.range ?? null, e.name, e.message, e.alternates];
      expect(imported.entries.map(key)).toEqual(shipped.entries.map(key));
      // the rules in src/catalog/rules.ts reproduce the shipped categories and severities too
      expect(imported.entries.map((e) => [e.code, e.category, e.severity])).toEqual(shipped.entries.map((e) => [e.code, e.category, e.severity]));
    }
  });

  it('import repairs mojibake and writes a loadable catalog', () => {
    const md = path.join(dir, 'acme.md');
    fs.writeFileSync(md, '| Code | Message |\n|---|---|\n|7 |Trial planâ€™s limit. |\n|8 |  |\n');
    const bad = errscan(['catalog', 'import', '--vendor', 'acme', '--from', md]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe(`errscan: ${md}:4: code 8 has no message and no name`);
    fs.writeFileSync(md, '| Code | Message |\n|---|---|\n|7 |Trial planâ€™s limit. |\n');
    const r = errscan(['catalog', 'import', '--vendor', 'acme', '--from', md, '--product', 'Acme']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      $schema: './schema.json',
      vendor: 'acme',
      product: 'Acme',
      source: md,
      patterns: [],
      entries: [{ code: 7, name: null, message: 'Trial plan’s limit.', alternates: [], category: 'general', severity: 'error' }],
    });
    const out = path.join(dir, 'acme.json');
    fs.writeFileSync(out, r.stdout);
    const e = errscan(['--catalog', out, 'explain', 'trial', 'plan', '--vendor', 'acme', '--json']);
    expect(e.status).toBe(0);
    expect((JSON.parse(e.stdout) as Entry[]).map((x) => x.code)).toEqual([7]);
  });

  it('import --update replaces entries and keeps patterns and extract', () => {
    const target = path.join(dir, 'keep.json');
    const patterns = [{ id: 'p1', regex: 'ACME (?<code>\\d+)', samples: [{ line: 'ACME 7', hits: ['acme:7'] }], custom: 1 }];
    fs.writeFileSync(target, JSON.stringify({ vendor: 'acme', product: 'Old', patterns, extract: { anchor: 'ACME' }, entries: [{ code: 1, message: 'old' }] }));
    const md = path.join(dir, 'keep.md');
    fs.writeFileSync(md, '| Code | Message |\n|---|---|\n|7 | seven |\n');
    const r = errscan(['catalog', 'import', '--vendor', 'acme', '--from', md, '--product', 'New', '--update', target]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const after = JSON.parse(fs.readFileSync(target, 'utf8')) as Record<string, unknown>;
    expect(after.patterns).toEqual(patterns);
    expect(after.extract).toEqual({ anchor: 'ACME' });
    expect(after.product).toBe('New');
    expect(after.entries).toEqual([{ code: 7, name: null, message: 'seven', alternates: [], category: 'general', severity: 'error' }]);
  });
});

describe('errscan explain', () => {
  it('-20111 --json gives the DLS entry with both DLS wordings and the DWT page wording', () => {
    const r = errscan(['explain', '-20111', '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        vendor: 'dls',
        product: 'Dynamsoft License Server',
        code: -20111,
        original: 111,
        name: null,
        message: 'License expired.',
        alternates: ['License expired for this IP address.', 'License has expired.', 'License for this ip has expired.'],
        category: 'license validity',
        severity: 'error',
      },
    ]);
    const o = errscan(['explain', '111', '--vendor', 'dls', '--json']);
    expect(o.status).toBe(0);
    expect(JSON.parse(o.stdout)).toEqual(JSON.parse(r.stdout));
  });

  it('License_Expired gives QLM 209', () => {
    const r = errscan(['explain', 'License_Expired']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        '1 entry matches "License_Expired" by name:',
        '',
        '  vendor     qlm (Soraco Quick License Manager)',
        '  code       209',
        '  name       License_Expired',
        '  message    The license has expired',
        '  category   license',
        '  severity   error',
        '',
      ].join('\n'),
    );
    const q = errscan(['explain', 'EServerErrorCode.License_Expired', '--json']);
    expect((JSON.parse(q.stdout) as Entry[]).map((e) => `${e.vendor}:${e.code}`)).toEqual(['qlm:209']);
  });

  it('2001 --json gives both vendors; --vendor narrows', () => {
    const r = errscan(['explain', '2001', '--json']);
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as Entry[]).map((e) => [e.vendor, e.name, e.message])).toEqual([
      ['pallycon', null, 'DB connection failed.'],
      ['qlm', 'DB_Schema_Upgrade_Error', 'Error when upgrading the DB schema'],
    ]);
    const n = errscan(['explain', '2001', '--vendor', 'qlm', '--json']);
    expect((JSON.parse(n.stdout) as Entry[]).map((e) => e.vendor)).toEqual(['qlm']);
  });

  it('finds message words and range rules', () => {
    const r = errscan(['explain', 'token', 'expired', '--json']);
    expect((JSON.parse(r.stdout) as Entry[]).map((e) => `${e.vendor}:${e.code}`)).toEqual(['pallycon:7011']);
    const g = errscan(['explain', '-4000']);
    expect(g.stdout).toContain('  code       <= -3000 (range rule)\n');
    const d = errscan(['explain', '-2326']);
    expect(d.stdout).toContain('  message    The current product key has expired, please contact the site administrator\n');
    expect(d.stdout).toContain('  category   product key\n');
  });

  it('no match exits 1 with a clear message', () => {
    const r = errscan(['explain', 'nothing', 'like', 'this']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe('errscan: no catalog entry matches "nothing like this" (try a code like -2326, a name like License_Expired, or words from the message)');
    const s = errscan(['explain', '2326']);
    expect(s.status).toBe(1);
    expect(s.stderr.trim()).toBe('errscan: no catalog entry matches "2326" (did you mean -2326 (dwt)?)');
  });

  it('unknown --vendor exits 2', () => {
    const r = errscan(['explain', '209', '--vendor', 'acme']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('errscan: unknown vendor "acme" (known: dls, dwt, pallycon, qlm)');
  });

  it('uses ERRSCAN_CATALOGS and --catalog', () => {
    const f = path.join(dir, 'env.json');
    fs.writeFileSync(f, JSON.stringify({ vendor: 'qlm', entries: [{ code: 209, name: 'License_Expired', message: 'Ours now' }] }));
    const r = errscan(['explain', '209', '--json'], { env: { ERRSCAN_CATALOGS: f } });
    expect((JSON.parse(r.stdout) as Entry[])[0]!.message).toBe('Ours now');
    const c = errscan(['--catalog', f, 'explain', 'License_Expired', '--json']);
    expect((JSON.parse(c.stdout) as Entry[])[0]!.message).toBe('Ours now');
  });

  const broken: Array<[string, string, RegExp]> = [
    ['invalid JSON', '{"vendor": "x", "entries": [\n  {"code": 1 "message": "a"}\n]}', /^errscan: .*broken\.json:2:14: invalid JSON: expected ',' or '}' after a property value, found "\\""$/],
    ['schema violation', '{"vendor": "x", "entries": [{"code": 1, "message": "a", "severity": "loud"}]}', /^errscan: .*broken\.json:1:\d+: \/entries\/0\/severity: must be one of info, warning, error, critical \(see catalogs\/schema\.json\)$/],
    ['duplicate code', '{"vendor": "x", "entries": [{"code": 1, "message": "a"}, {"code": 1, "message": "b"}]}', /^errscan: .*broken\.json:1:\d+: \/entries\/1\/code: duplicate code 1 \(first at \/entries\/0\)/],
    ['regex that does not compile', '{"vendor": "x", "entries": [], "patterns": [{"id": "p", "regex": "[(?<code>", "samples": []}]}', /^errscan: .*broken\.json:1:\d+: \/patterns\/0\/regex: pattern "p" does not compile: /],
    ['regex without a code group', '{"vendor": "x", "entries": [], "patterns": [{"id": "p", "regex": "x(\\\\d+)", "samples": []}]}', /^errscan: .*broken\.json:1:\d+: \/patterns\/0\/regex: pattern "p" has no named group/],
    ['catastrophic regex', '{"vendor": "x", "entries": [], "patterns": [{"id": "p", "regex": "(?<code>(a+)+$)", "samples": []}]}', /^errscan: .*broken\.json:1:\d+: \/patterns\/0\/regex: pattern "p" is prone to catastrophic backtracking/],
    ['empty file', '', /^errscan: .*broken\.json:1:1: invalid JSON: empty file$/],
  ];
  for (const [what, body, line] of broken) {
    it(`--catalog broken.json (${what}) explain 209 exits 2 with one line`, () => {
      const f = path.join(dir, 'broken.json');
      fs.writeFileSync(f, body);
      const r = errscan(['--catalog', f, 'explain', '209']);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.endsWith('\n')).toBe(true);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(line);
      expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    });
  }

  it('a missing --catalog path exits 2 naming it', () => {
    const r = errscan(['--catalog', 'no/such/broken.json', 'explain', '209']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('errscan: no/such/broken.json: cannot read catalog: no such catalog file or directory (check the --catalog / ERRSCAN_CATALOGS path)\n');
  });
});

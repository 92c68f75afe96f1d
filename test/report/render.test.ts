import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/model.js';
import { renderTable } from '../../src/report/render/table.js';
import { renderJson } from '../../src/report/render/json.js';
import { csvCell, renderCsv } from '../../src/report/render/csv.js';
import { mdText, renderMarkdown } from '../../src/report/render/markdown.js';
import { renderHtml } from '../../src/report/render/html.js';
import { displayWidth, escapeControl, sparkline, truncate } from '../../src/report/text.js';
import type { ReportOptions } from '../../src/report/types.js';
import { MemoryStore, at } from './memory-store.js';

const NOW = at('2026-11-17T10:20:00Z');
const opts = (o: Partial<ReportOptions> = {}): ReportOptions => ({ tz: 'UTC', top: 10, now: NOW, day: '2026-11-16', ...o });

/** A normal day plus codes whose catalog text, sources and sample lines try to escape their context. */
function store(): MemoryStore {
  const s = new MemoryStore()
    .info('dwt', -2326, { product: 'Dynamic Web TWAIN', message: 'The current product key has expired, please contact the site administrator', severity: 'error', category: 'license' })
    .info('dls', -20111, { product: 'Dynamsoft License Server', message: 'Failed to connect to the license server', severity: 'critical', category: 'network' })
    .info('qlm', 209, { product: 'Quick License Manager', name: 'License_Expired', message: 'The license has expired', severity: 'warning', category: 'license' })
    .info('pallycon', 7011, { product: 'PallyCon', message: 'Token | pipe *bold* <b>html</b> [link](http://evil.example)', severity: 'info', category: 'token' })
    .info('evil', 1, { product: 'Evil', name: '=HYPERLINK("http://evil.example","x")', message: '\x1b[2J\x1b]0;pwned\x07<script>alert(1)</script>\u202egnp.exe', severity: 'error', category: '@SUM(A1)' });
  for (let d = 9; d <= 15; d++) {
    const day = `2026-11-${String(d).padStart(2, '0')}`;
    s.add('dwt', -2326, `${day}T08:00:00Z`, 2 + (d % 3));
    s.add('pallycon', 7011, `${day}T12:00:00Z`, 3, 'drm.log');
  }
  s.add('qlm', 209, '2026-11-01T10:00:00Z', 1).add('qlm', 209, '2026-11-15T10:00:00Z', 20);
  s.add('dwt', -2326, '2026-11-16T00:00:00Z', 10).add('dwt', -2326, '2026-11-16T13:00:00Z', 20);
  s.add('dls', -20111, '2026-11-16T00:00:00Z', 5);
  s.add('qlm', 209, '2026-11-16T09:15:00Z', 8);
  s.add('pallycon', 7011, '2026-11-16T12:00:00Z', 4, 'drm.log');
  s.add('evil', 1, '2026-11-16T03:00:00Z', 2, '-evil\x1b[31m.log');
  s.add('dwt', -9999, '2026-11-16T05:00:00Z', 3);
  s.sampleRows.push(
    { vendor: 'dwt', code: -2326, ts: '2026-11-16T13:00:00Z', source: 'app.log', line: 42, text: '2026-11-16T13:00:00Z ERROR [webtwain] AcquireImage failed: ErrorCode=-2326\tErrorString="see catalog"' },
    { vendor: 'evil', code: 1, ts: '2026-11-16T03:00:00Z', source: '-evil\x1b[31m.log', line: 1, text: 'x <script>document.title="pwned"</script> </pre><img src=x onerror=alert(1)>' },
  );
  return s;
}

describe('rendered reports (snapshots)', () => {
  it('terminal table, 100 columns, no colour', async () => {
    const r = await buildReport(store(), opts());
    await expect(renderTable(r, { width: 100, color: false })).toMatchFileSnapshot('__snapshots__/table-100.txt');
  });

  it('terminal table, 60 columns: drops the least needed columns, cuts descriptions with …', async () => {
    const r = await buildReport(store(), opts());
    const out = renderTable(r, { width: 60, color: false });
    for (const line of out.trimEnd().split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(60);
    expect(out).toContain('…');
    await expect(out).toMatchFileSnapshot('__snapshots__/table-60.txt');
  });

  it('terminal table with colour, trend sparklines and --by vendor', async () => {
    const r = await buildReport(store(), opts({ trend: 7, by: 'vendor', top: 2 }));
    await expect(renderTable(r, { width: 120, color: true })).toMatchFileSnapshot('__snapshots__/table-color-by-vendor.txt');
  });

  it('markdown', async () => {
    const r = await buildReport(store(), opts({ trend: 7 }));
    await expect(renderMarkdown(r)).toMatchFileSnapshot('__snapshots__/report.md');
  });

  it('csv', async () => {
    const r = await buildReport(store(), opts());
    await expect(renderCsv(r)).toMatchFileSnapshot('__snapshots__/report.csv');
  });

  it('csv --by day with trend', async () => {
    const r = await buildReport(store(), opts({ since: '2026-11-15', until: '2026-11-16', day: undefined, by: 'day', top: 2, trend: 2 }));
    await expect(renderCsv(r)).toMatchFileSnapshot('__snapshots__/report-by-day.csv');
  });

  it('html', async () => {
    const r = await buildReport(store(), opts({ trend: 'auto', samples: 5 }));
    await expect(renderHtml(r)).toMatchFileSnapshot('__snapshots__/report.html');
  });

  it('empty period', async () => {
    const r = await buildReport(store(), opts({ day: '2026-10-01' }));
    expect(renderTable(r, { width: 100, color: false })).toBe(
      [
        'errscan report · 2026-10-01 · UTC',
        '2026-10-01T00:00:00+00:00 → 2026-10-02T00:00:00+00:00',
        '0 hits · 0 codes · 0 new · 0 spiking · previous day 0 (0)',
        'unknown codes: none',
        '',
        'No vendor errors in this period.',
        '',
      ].join('\n'),
    );
    expect(renderCsv(r)).toBe('rank,vendor,code,known,name,message,category,severity,count,share,previous,change,first_seen,last_seen,new,spike,sources\r\n');
    expect(renderMarkdown(r)).toContain('No vendor errors in this period.');
    expect(renderHtml(r)).toContain('No vendor errors in this period.');
  });
});

describe('--json', () => {
  it('has the documented shape with exact values', async () => {
    const r = await buildReport(store(), opts({ top: 2 }));
    const j = JSON.parse(renderJson(r));
    expect(Object.keys(j).slice(0, 7)).toEqual(['from', 'to', 'tz', 'total', 'distinct', 'unknown', 'rows']);
    expect({ from: j.from, to: j.to, tz: j.tz, total: j.total, distinct: j.distinct, unknown: j.unknown, top_unknown: j.top_unknown }).toEqual({
      from: '2026-11-16T00:00:00+00:00', to: '2026-11-17T00:00:00+00:00', tz: 'UTC', total: 52, distinct: 6, unknown: 3,
      top_unknown: [{ vendor: 'dwt', code: -9999, count: 3 }],
    });
    expect(j.rows).toHaveLength(2);
    expect(j.rows[0]).toEqual({
      rank: 1, vendor: 'dwt', code: -2326, known: true, name: null,
      message: 'The current product key has expired, please contact the site administrator', category: 'license', severity: 'error',
      count: 30, share: 0.5769, previous: 2, change: 28, first_seen: '2026-11-09T08:00:00.000Z', last_seen: '2026-11-16T13:00:00.000Z',
      new: false, spike: true, sources: ['app.log'], product: 'Dynamic Web TWAIN', baseline: 2.86,
    });
    expect(j.spike_rule).toEqual({ min: 10, factor: 3, window: 7 });
  });

  it('adds trend and groups when asked', async () => {
    const j = JSON.parse(renderJson(await buildReport(store(), opts({ top: 1, trend: 2, by: 'vendor' }))));
    expect(j.trend_days).toEqual(['2026-11-15', '2026-11-16']);
    expect(j.trend_totals).toEqual([2 + 3 + 20, 52]);
    expect(j.rows[0].trend).toEqual([2, 30]);
    expect(j.by).toBe('vendor');
    expect(j.groups.map((g: { key: string; total: number; rows: unknown[] }) => [g.key, g.total, g.rows.length])).toEqual([
      ['dwt', 33, 1], ['qlm', 8, 1], ['dls', 5, 1], ['pallycon', 4, 1], ['evil', 2, 1],
    ]);
  });
});

describe('content from logs and catalogs stays inert', () => {
  it('terminal: control characters are shown escaped, never sent', async () => {
    const r = await buildReport(store(), opts());
    const plain = renderTable(r, { width: 200, color: false });
    expect(plain).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/);
    expect(plain).toContain('\\x1b[2J\\x1b]0;pwned\\x07<script>alert(1)</script>\\u202egnp.exe');
    const coloured = renderTable(r, { width: 200, color: true });
    // Only our own SGR sequences: ESC [ digits ; m
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, '')).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(coloured).toContain('\x1b[31m');
  });

  it('html: a <script> log line is text, and the page has no script, handler or remote URL', async () => {
    const html = renderHtml(await buildReport(store(), opts({ trend: 'auto', samples: 5 })));
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('x &lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt; &lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('\\x1b[2J\\x1b]0;pwned\\x07&lt;script&gt;alert(1)&lt;/script&gt;\\u202egnp.exe');
    expect(html).not.toMatch(/<[^>]*\son[a-z]+=/i);
    expect(html).not.toMatch(/<[^>]*(src|href)=["']?(https?:|\/\/)/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'`);
  });

  it('csv: formula cells are neutralised, numbers (negative codes) stay numbers', async () => {
    const csv = renderCsv(await buildReport(store(), opts()));
    const evil = csv.split('\r\n').find((l) => l.includes(',evil,'))!;
    expect(evil).toBe(
      String.raw`6,evil,1,true,"'=HYPERLINK(""http://evil.example"",""x"")",\x1b[2J\x1b]0;pwned\x07<script>alert(1)</script>\u202egnp.exe,'@SUM(A1),error,2,0.0385,0,2,2026-11-16T03:00:00.000Z,2026-11-16T03:00:00.000Z,true,false,'-evil\x1b[31m.log`,
    );
    expect(csv).not.toMatch(/[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]/);
    expect(csv).toContain('\r\n1,dwt,-2326,true,,');
    expect([csvCell(-2326), csvCell('-2326'), csvCell('+1'), csvCell('@x'), csvCell('=1+1'), csvCell('a,b'), csvCell('say "hi"'), csvCell('a\nb'), csvCell(null), csvCell(false)]).toEqual([
      '-2326', "'-2326", "'+1", "'@x", "'=1+1", '"a,b"', '"say ""hi"""', 'a\\x0ab', '', 'false',
    ]);
  });

  it('markdown: pipes and markup are escaped, each row keeps its columns', async () => {
    const md = renderMarkdown(await buildReport(store(), opts()));
    const rows = md.split('\n').filter((l) => l.startsWith('| '));
    const cols = (l: string) => l.replace(/\\\|/g, '').split('|').length;
    expect(new Set(rows.map(cols)).size).toBe(1);
    expect(md).toContain('Token \\| pipe \\*bold\\* \\<b\\>html\\</b\\> \\[link\\](http\\://evil.example)');
    expect(md).toContain('\\\\x1b[2J'.replace('[', '\\['));
    expect(md).not.toMatch(/[\x00-\x08\x0b-\x1f]/);
    expect(mdText('a|b @all `x` ~y~ www.x.org')).toBe('a\\|b \\@all \\`x\\` \\~y\\~ www\\.x.org');
  });
});

describe('text helpers', () => {
  it('escapes controls, measures and cuts', () => {
    expect(escapeControl('a\x1b[0mb\u202ec\x85')).toBe('a\\x1b[0mb\\u202ec\\x85');
    expect(displayWidth('日本語ab')).toBe(8);
    expect(truncate('abcdefgh', 5)).toBe('abcd…');
    expect(truncate('日本語日本語', 5)).toBe('日本…');
    expect(truncate('abc', 5)).toBe('abc');
  });

  it('draws sparklines scaled to the maximum, · for no hits', () => {
    expect(sparkline([0, 1, 2, 4, 8])).toBe('·▁▂▄█');
    expect(sparkline([0, 0])).toBe('··');
    expect(sparkline([5, 5])).toBe('██');
  });
});

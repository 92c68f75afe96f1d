import { describe, expect, it } from 'vitest';
import { cellText, importMarkdown, parseMarkdownTables, repairMojibake } from '../../src/catalog/markdown.js';
import { ErrscanError } from '../../src/errors.js';

describe('repairMojibake', () => {
  it('repairs UTF-8 read as Windows-1252', () => {
    expect(repairMojibake('Trial planâ€™s license limit')).toBe('Trial plan’s license limit');
    expect(repairMojibake('â€œquotedâ€\u009d')).toBe('“quoted”');
    expect(repairMojibake('cafÃ© MÃ¼nchen')).toBe('café München');
  });
  it('leaves correct text alone', () => {
    expect(repairMojibake('plan’s café — naïve')).toBe('plan’s café — naïve');
    expect(repairMojibake('Ã alone')).toBe('Ã alone');
    expect(repairMojibake('plain ASCII')).toBe('plain ASCII');
  });
});

describe('cellText', () => {
  it('unescapes Markdown, strips bold and HTML, collapses spaces', () => {
    expect(cellText(' RequestBlocked\\_Error ')).toBe('RequestBlocked_Error');
    expect(cellText('**REQUEST ERRORS**')).toBe('REQUEST ERRORS');
    expect(cellText('<div style="width:70px">Error Code</div>')).toBe('Error Code');
    expect(cellText('a   b\\|c')).toBe('a b|c');
  });
});

describe('parseMarkdownTables', () => {
  it('finds tables with their line numbers and skips commented-out rows', () => {
    const md = ['# T', '', '| Code | Message |', '|:-|:-|', '|1 | one |', '<!-- |2 | two | -->', '|3 | three|', '', 'text', '| a | b |', '|---|---|', '| x | y |'].join('\n');
    const t = parseMarkdownTables(md);
    expect(t).toHaveLength(2);
    expect(t[0]!.headers).toEqual(['Code', 'Message']);
    expect(t[0]!.rows).toEqual([
      { cells: ['1', 'one'], line: 5 },
      { cells: ['3', 'three'], line: 7 },
    ]);
    expect(t[1]!.line).toBe(10);
  });
});

describe('importMarkdown', () => {
  it('reads code | message tables, merges repeated codes into alternates, reads range rows', () => {
    const md = '| Error Code | Error Message |\n|-|-|\n|0 | Successful |\n|-1032 | User cancelled the operation |\n|-1032 | Cancelled by user |\n|-1032 | User cancelled the operation |\n|<= -3000 | See ErrorString |\n';
    const c = importMarkdown(md, { vendor: 'dwt' });
    expect(c.vendor).toBe('dwt');
    expect(c.product).toBe('Dynamic Web TWAIN');
    expect(c.patterns).toEqual([]);
    expect(c.entries).toEqual([
      { code: 0, name: null, message: 'Successful', alternates: [], category: 'success', severity: 'info', success: true },
      {
        code: -1032,
        name: null,
        message: 'User cancelled the operation',
        alternates: ['Cancelled by user'],
        category: 'twain source',
        severity: 'info',
      },
      { code: -3000, name: null, message: 'See ErrorString', alternates: [], category: 'other', severity: 'error', range: { max: -3000 } },
    ]);
  });

  it('reads original | product code | message tables', () => {
    const md = '| Original Error Code | Error Code in Dynamsoft Products | Error Message |\n| --- | --- | --- |\n| 111 | -20111 | License expired. |\n| 111 | -20111 | License expired for this IP address. |\n';
    const c = importMarkdown(md, { vendor: 'dls', source: 'x.md' });
    expect(c.source).toBe('x.md');
    expect(c.entries).toEqual([
      {
        code: -20111,
        original: 111,
        name: null,
        message: 'License expired.',
        alternates: ['License expired for this IP address.'],
        category: 'license validity',
        severity: 'error',
      },
    ]);
  });

  it('reads name | value | description tables with bold and plain section rows', () => {
    const md = [
      '| Name | Value | Description |',
      '| --- | :-: | --- |',
      '| **DB CONNECTION ERRORS** | | |',
      '| DB\\_Connection\\_Failed | 2000 | The connection to the DB failed |',
      '| MISCELLANEOUS ERRORS | | |',
      '| Sms\\_Error\\_NotConfigured | 2101 | |',
    ].join('\n');
    const c = importMarkdown(md, { vendor: 'acme', product: 'Acme' });
    expect(c.product).toBe('Acme');
    expect(c.entries).toEqual([
      { code: 2000, name: 'DB_Connection_Failed', message: 'The connection to the DB failed', alternates: [], category: 'db connection', severity: 'critical' },
      { code: 2101, name: 'Sms_Error_NotConfigured', message: 'Sms error not configured', alternates: [], category: 'miscellaneous', severity: 'error' },
    ]);
  });

  it('names the file and line of a code it cannot read', () => {
    const md = '| Code | Message |\n|-|-|\n|12 | ok |\n|1x2 | bad |\n';
    let err: unknown;
    try {
      importMarkdown(md, { vendor: 'acme', file: 'errors.md' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ErrscanError);
    expect((err as ErrscanError).code).toBe('ERRSCAN_IMPORT');
    expect((err as ErrscanError).oneLine()).toBe(
      'errscan: errors.md:4: cannot read the code "1x2" (a code is an integer, or <= N / >= N for a range)',
    );
  });

  it('rejects a file without a usable table', () => {
    expect(() => importMarkdown('# nothing\n\n| a | b |\n|-|-|\n| 1 | 2 |\n', { vendor: 'acme', file: 'e.md' })).toThrow(
      /no Markdown table with a code column and a message column/,
    );
  });
});

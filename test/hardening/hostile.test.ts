// Hostile content: log lines, file names and catalog texts holding SQL, terminal escapes, HTML/script
// and CSV formulas are stored as they are and shown inertly everywhere; catalogs with patterns that
// backtrack catastrophically are refused at load. (Per-line regex time: regex-time.test.ts.)
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, dbTables, errscan, expectNoStack, expectOneLineError, runAsync, summaryOf, tmpDir, totalsOfJson } from './helpers.js';

let dir: string;

const SQL = "x'); DROP TABLE counts; --";
const ESC = '\x1b]0;owned\x07\x1b[2J\x1b[31mRED\x1b[0m\u009b31m\r\bBACK\u202eevil';
const HTML = '<script>alert(1)</script><img src=x onerror=alert(2)>';
const CSV = '=HYPERLINK("http://evil.example","x")';

/** Every line holds a real hit and a payload. */
const LINES = [
  `2026-11-20T10:00:00Z ERROR [webtwain] AcquireImage failed: ErrorCode=-2326 ErrorString="${SQL}"`,
  `2026-11-20T10:01:00Z ERROR [webtwain] AcquireImage failed: ErrorCode=-2342 ErrorString="${ESC}"`,
  `2026-11-20T10:02:00Z ERROR [webtwain] AcquireImage failed: ErrorCode=-1018 ErrorString="${HTML}"`,
  `2026-11-20T10:03:00Z ERROR [webtwain] AcquireImage failed: ErrorCode=-2003 ErrorString="${CSV} +cmd|' /C calc'!A0 @SUM(1+1) -1+1"`,
  `2026-11-20T10:04:00Z ERROR ACME-ERR 101 ${HTML}`,
  `2026-11-20T10:05:00Z ERROR ACME-ERR 102 ${SQL}`,
  `2026-11-20T10:06:00Z ERROR ACME-ERR 999 ${ESC}`,
];

/** A user catalog whose texts are hostile too (product, name, message, category). */
const ACME = {
  vendor: 'acme',
  product: `Acme <script>alert('product')</script> ${SQL}`,
  patterns: [{ id: 'acme-err', regex: 'ACME-ERR (?<code>\\d{3})', anchors: ['ACME-ERR'], samples: [{ line: 'ACME-ERR 101', hits: ['acme:101'] }] }],
  entries: [
    { code: 101, name: '=cmd|"/C calc"!A0', message: `${HTML} | **bold** [link](http://evil.example) \x1b]8;;http://evil.example\x07click\x1b]8;;\x07`, category: '+category', severity: 'critical' },
    { code: 102, name: null, message: SQL, category: '@SUM(1+1)', severity: 'error' },
  ],
};

/** A file name that is itself hostile (control characters are legal in Linux file names). */
const SOURCE = `app <script>alert(3)<script><img src=x onerror=alert(4)> ${SQL} \x1b[31m=1+1.log`;

let db: string;
let logFile: string;
let catalog: string;
let scanned: ReturnType<typeof errscan>;

/** C0/C1 controls other than newline, and bidi overrides: what a terminal would act on or reorder. */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069]/;

beforeAll(() => {
  dir = tmpDir('hostile');
  db = path.join(dir, 'h.db');
  logFile = path.join(dir, SOURCE);
  fs.writeFileSync(logFile, `${LINES.join('\n')}\n`);
  catalog = path.join(dir, 'acme.json');
  fs.writeFileSync(catalog, JSON.stringify(ACME, null, 1));
  scanned = errscan(['--catalog', catalog, 'scan', '--db', db, '--json', logFile]);
});

afterAll(() => cleanup(dir));

describe('hostile log lines, file names and catalog texts', () => {
  it('are stored byte for byte by scan and ingest, and the schema is untouched', () => {
    const fresh = path.join(dir, 'fresh.db');
    expect(errscan(['--db', fresh, '--quiet'], { input: '' }).status).toBe(0);
    const tables = dbTables(fresh);
    const r = scanned;
    expect(r.status, r.stderr).toBe(0);
    expectNoStack(r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { text: string; source: string; vendor: string; code: number; known: boolean; message: string | null });
    expect(events.map((e) => `${e.vendor}:${e.code}`)).toEqual(['dwt:-2326', 'dwt:-2342', 'dwt:-1018', 'dwt:-2003', 'acme:101', 'acme:102', 'acme:999']);
    expect(events.map((e) => e.text)).toEqual(LINES);
    expect(new Set(events.map((e) => e.source))).toEqual(new Set([logFile]));
    expect(events.find((e) => e.code === 101)!.message).toBe(ACME.entries[0]!.message);
    expect(events.find((e) => e.code === 999)!.known).toBe(false);
    expect(summaryOf(r.stderr)).toMatchObject({ hits: 7, unknown: 1 });
    // The same content through ingest, under another file name, into another database.
    const copy = path.join(dir, `copy ${SQL}.log`);
    fs.copyFileSync(logFile, copy);
    const db2 = path.join(dir, 'h2.db');
    expect(errscan(['--catalog', catalog, 'ingest', copy, '--db', db2, '--quiet']).status).toBe(0);
    for (const file of [db, db2]) {
      expect(dbTables(file)).toEqual(tables);
      const d = new Database(file, { readonly: true });
      try {
        const samples = d.prepare('SELECT text FROM samples ORDER BY ts').pluck().all() as string[];
        expect(samples).toEqual(LINES);
        const sources = d.prepare('SELECT DISTINCT source FROM counts').pluck().all() as string[];
        expect(sources).toEqual([file === db ? logFile : copy]);
        expect(d.prepare("SELECT message FROM codes WHERE vendor = 'acme' AND code = 102").pluck().get()).toBe(SQL);
        expect(d.prepare("SELECT product FROM vendors WHERE vendor = 'acme'").pluck().get()).toBe(ACME.product);
        expect(d.prepare('SELECT sum(count) FROM counts').pluck().get()).toBe(7);
      } finally {
        d.close();
      }
    }
  });

  it('scan text output and db info show control characters as escapes, never raw', () => {
    const r = errscan(['--catalog', catalog, 'scan', '--no-db', logFile]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(7);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stdout).toContain('\\x1b');
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    const info = errscan(['db', 'info', '--db', db]);
    expect(info.status, info.stderr).toBe(0);
    expect(info.stdout).not.toMatch(RAW_CONTROL);
    expect(info.stdout).toContain('DROP TABLE counts');
  });

  const report = (fmt: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> =>
    runAsync(['--catalog', catalog, 'report', '--db', db, '--day', '2026-11-20', '--tz', 'UTC', '--top', '0', '--width', '160', ...fmt], { timeoutMs: 60_000 });

  it('report: table, CSV, Markdown, HTML and JSON keep every payload inert', async () => {
    const [table, csv, md, html, json] = await Promise.all([report([]), report(['--csv']), report(['--markdown']), report(['--html', '--trend', '7d']), report(['--json'])]);
    for (const r of [table, csv, md, html, json]) {
      expect(r.status, r.stderr).toBe(0);
      expectNoStack(r.stderr);
    }

    // Table: no raw control character reaches the terminal.
    expect(table.stdout).not.toMatch(RAW_CONTROL);
    expect(table.stdout).toMatch(/acme\s+101/);

    // CSV: RFC 4180, and no cell a spreadsheet would run as a formula.
    const rows = parseCsv(csv.stdout);
    const header = rows[0]!;
    expect(rows.length).toBeGreaterThanOrEqual(8);
    for (const row of rows) {
      expect(row).toHaveLength(header.length);
      for (const cell of row) {
        if (/^[=+\-@\t\r]/.test(cell)) expect(cell, `formula-like CSV cell ${JSON.stringify(cell)}`).toMatch(/^[-+]?\d+(\.\d+)?(e[-+]?\d+)?$/i);
      }
    }
    const flat = rows.flat();
    expect(flat).toContain("'=cmd|\"/C calc\"!A0");
    expect(flat).toContain("'+category");
    expect(flat).toContain("'@SUM(1+1)");
    expect(flat.some((c) => c.includes('DROP TABLE counts'))).toBe(true);
    expect(flat).toContain('-2326');

    // Markdown: the payload's pipes do not add columns, its markup and HTML do not render.
    const tableLines = md.stdout.split('\n').filter((l) => l.startsWith('|'));
    expect(tableLines.length).toBeGreaterThanOrEqual(9);
    const cols = (l: string): number => l.replace(/\\\|/g, '').split('|').length;
    for (const l of tableLines) expect(cols(l), l).toBe(cols(tableLines[0]!));
    expect(md.stdout).not.toMatch(RAW_CONTROL);
    // `\<` is Markdown's escape for a literal `<`: only an unescaped one would open a tag.
    expect(md.stdout).not.toMatch(/(?<!\\)<(script|img)/i);
    expect(md.stdout).toContain('\\<script\\>alert(1)');
    expect(md.stdout).not.toContain('[link](http');
    expect(md.stdout).not.toContain('**bold**');

    // HTML: nothing from the data becomes markup; it is all there, escaped.
    const page = html.stdout;
    // Every real tag (a raw `<`) is the page's own: no script, image or frame, no event-handler attribute.
    const tags = [...page.matchAll(/<\/?([a-zA-Z][\w-]*)([^>]*)>/g)];
    expect(tags.length).toBeGreaterThan(20);
    for (const [tag, name, attrs] of tags) {
      expect(['script', 'img', 'iframe', 'object', 'embed', 'link', 'base', 'form'], tag).not.toContain(name!.toLowerCase());
      expect(attrs, tag).not.toMatch(/\son\w+\s*=/i);
      expect(attrs, tag).not.toMatch(/javascript:/i);
    }
    expect(page).not.toMatch(RAW_CONTROL);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toMatch(/http-equiv="Content-Security-Policy"[^>]*default-src 'none'/i);
    expect(page).toMatch(/DROP TABLE counts/);

    // JSON: the exact strings, for machines.
    const model = JSON.parse(json.stdout) as { total: number; rows: Array<{ vendor: string; code: number; message: string | null; sources: string[] }> };
    expect(model.total).toBe(7);
    const acme = model.rows.find((r) => r.vendor === 'acme' && r.code === 101)!;
    expect(acme.message).toBe(ACME.entries[0]!.message);
    expect(acme.sources).toEqual([logFile]);
  });

  it('explain and catalog show print a hostile catalog inertly', () => {
    for (const args of [['explain', '101', '--vendor', 'acme'], ['catalog', 'show', 'acme'], ['catalog', 'list']]) {
      const r = errscan(['--catalog', catalog, ...args]);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout, args.join(' ')).not.toMatch(RAW_CONTROL);
    }
  });

  it('a hostile --source label is stored as given and printed inertly', () => {
    const label = `pod/<b>x</b>${SQL}\x1b[2J\nsecond line`;
    const db3 = path.join(dir, 'label.db');
    const r = errscan(['scan', '--db', db3, '--source', label, '-'], { input: `${LINES[0]}\n` });
    // Taken as given (it is the user's own flag), kept exactly, shown inertly.
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const d = new Database(db3, { readonly: true });
    try {
      expect(d.prepare('SELECT DISTINCT source FROM counts').pluck().all()).toEqual([label]);
    } finally {
      d.close();
    }
    const json = errscan(['scan', '--no-db', '--json', '--source', label, '-'], { input: `${LINES[0]}\n` });
    expect((JSON.parse(json.stdout) as { source: string }).source).toBe(label);
    expect(totalsOfJson(json.stdout)).toEqual({ 'dwt:-2326': 1 });
  });
});

describe('catalogs with catastrophic-backtracking patterns', () => {
  // Nested quantifiers (star height 2), nested and overlapping alternations under a repeat.
  const EVIL = ['(a+)+$', '(\\w+\\s?)*$', '((ab|a)+|b)*$', '(x+x+)+y', '(.*a){25}', '^(a|a?)+$', '(\\d+|\\d+x)*y', '(a|aa)+$', '(\\w|\\d)+$', '(?:a|a){2,}$'];

  it('are rejected at load (scan, explain, catalog check) with exit 2 and one line naming the file and the pattern, before any line is read', async () => {
    const files = EVIL.map((evil, i) => {
      const file = path.join(dir, `evil-${i}.json`);
      const cat = {
        vendor: 'evil',
        patterns: [{ id: 'bad', regex: `EVIL (?<code>\\d{4}) ${evil}`, anchors: ['EVIL'], samples: [] }],
        entries: [{ code: 1234, message: 'evil' }],
      };
      fs.writeFileSync(file, JSON.stringify(cat, null, 2));
      return file;
    });
    // A line that would hang any of them: a long run to split many ways, then a mismatch.
    const line = `EVIL 1234 ${'a'.repeat(60)}!\n`;
    const runs = await Promise.all([
      ...files.map((f) => runAsync(['--catalog', f, 'scan', '--no-db', '-'], { input: line, timeoutMs: 30_000 })),
      runAsync(['--catalog', files[0]!, 'explain', '1234'], { timeoutMs: 30_000 }),
      runAsync(['catalog', 'check', files[7]!], { timeoutMs: 30_000 }),
    ]);
    const names = [...files, files[0]!, files[7]!];
    for (const [i, r] of runs.entries()) {
      expect(r.status, `${EVIL[i] ?? names[i]}: ${r.stderr}`).toBe(2);
      expectOneLineError(r.stderr, /\/patterns\/0\/regex.*catastrophic backtracking/, names[i]);
      expect(r.stdout).toBe('');
    }
  });
});

/** RFC 4180: quoted fields with doubled quotes, CRLF or LF records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (q) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') q = false;
      else cell += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

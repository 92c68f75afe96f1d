// Markdown error tables (like the vendor docs in catalogs/sources) → catalog JSON. Pure: text in, object out.
import { ErrscanError } from '../errors.js';
import type { CatalogEntry } from '../types.js';
import { PRODUCTS, categoryFor, humanizeName, severityFor } from './rules.js';

export interface MarkdownRow {
  cells: string[];
  /** 1-based line in the Markdown file. */
  line: number;
}

export interface MarkdownTable {
  headers: string[];
  rows: MarkdownRow[];
  line: number;
}

/** A catalog entry as written in a catalog file (the vendor is implied by the file). */
export type EntryJson = Omit<CatalogEntry, 'vendor'>;

export interface CatalogJson {
  $schema?: string;
  vendor: string;
  product: string;
  source?: string;
  patterns: unknown[];
  extract?: Record<string, unknown>;
  entries: EntryJson[];
  [key: string]: unknown;
}

// Windows-1252 characters at 0x80..0x9F, for undoing UTF-8 that was decoded as Windows-1252.
const CP1252: Record<number, number> = {
  0x20ac: 0x80, 0x201a: 0x82, 0x0192: 0x83, 0x201e: 0x84, 0x2026: 0x85, 0x2020: 0x86, 0x2021: 0x87,
  0x02c6: 0x88, 0x2030: 0x89, 0x0160: 0x8a, 0x2039: 0x8b, 0x0152: 0x8c, 0x017d: 0x8e, 0x2018: 0x91,
  0x2019: 0x92, 0x201c: 0x93, 0x201d: 0x94, 0x2022: 0x95, 0x2013: 0x96, 0x2014: 0x97, 0x02dc: 0x98,
  0x2122: 0x99, 0x0161: 0x9a, 0x203a: 0x9b, 0x0153: 0x9c, 0x017e: 0x9e, 0x0178: 0x9f,
};

function byteOf(ch: string): number {
  const c = ch.charCodeAt(0);
  if (c <= 0xff) return c;
  return CP1252[c] ?? -1;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Repairs mojibake: UTF-8 bytes that were read as Windows-1252/Latin-1 (`planâ€™s` → `plan’s`).
 * Only a run that is a complete, valid UTF-8 sequence is replaced, so ordinary accented text stays.
 */
export function repairMojibake(s: string): string {
  if (!/[\u00c2-\u00f4]/.test(s)) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const lead = byteOf(s[i]!);
    const need = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
    if (need > 0) {
      const bytes = [lead];
      for (let k = 1; k <= need; k++) {
        const ch = s[i + k];
        const b = ch === undefined ? -1 : byteOf(ch);
        if (b < 0x80 || b > 0xbf) break;
        bytes.push(b);
      }
      if (bytes.length === need + 1) {
        try {
          out += utf8.decode(Uint8Array.from(bytes));
          i += need + 1;
          continue;
        } catch {
          // not UTF-8 after all: keep the characters
        }
      }
    }
    out += s[i];
    i++;
  }
  return out;
}

/** Undo Markdown escapes, bold/italic wrapping and inline HTML of one table cell. */
export function cellText(raw: string): string {
  let s = raw.trim();
  s = s.replace(/<[^>]+>/g, '');
  const bold = /^(\*\*|__)(.*)\1$/.exec(s);
  if (bold) s = bold[2]!.trim();
  s = s.replace(/\\([\\`*_{}[\]()#+\-.!|<>~])/g, '$1');
  return repairMojibake(s.replace(/\s+/g, ' ').trim());
}

function splitRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const cells: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\\' && s[i + 1] === '|') {
      cur += '\\|';
      i++;
    } else if (ch === '|') {
      cells.push(cur);
      cur = '';
    } else cur += ch;
  }
  cells.push(cur);
  return cells;
}

const SEPARATOR = /^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/** Every pipe table in a Markdown text; HTML comments (commented-out rows) are skipped. */
export function parseMarkdownTables(text: string): MarkdownTable[] {
  // Blank out comments but keep their newlines so line numbers stay true.
  const clean = text.replace(/<!--[\s\S]*?-->/g, (m) => m.replace(/[^\n]/g, ''));
  const lines = clean.split(/\r?\n/);
  const raw = text.split(/\r?\n/);
  // A line that only held a comment (a commented-out row) does not end a table.
  const commentOnly = (i: number): boolean => lines[i]!.trim() === '' && (raw[i] ?? '').trim() !== '';
  const tables: MarkdownTable[] = [];
  let i = 0;
  while (i < lines.length) {
    const head = lines[i]!;
    const sep = lines[i + 1];
    if (head.trim().startsWith('|') && sep !== undefined && SEPARATOR.test(sep.trim())) {
      const table: MarkdownTable = { headers: splitRow(head).map(cellText), rows: [], line: i + 1 };
      i += 2;
      while (i < lines.length && (lines[i]!.trim().startsWith('|') || commentOnly(i))) {
        if (!commentOnly(i)) table.rows.push({ cells: splitRow(lines[i]!).map(cellText), line: i + 1 });
        i++;
      }
      tables.push(table);
    } else i++;
  }
  return tables;
}

type Column = 'code' | 'original' | 'name' | 'message';

function columnOf(header: string): Column | undefined {
  const h = header.toLowerCase();
  if (/original/.test(h)) return 'original';
  if (/^(name|symbol|symbolic name|enum|constant)$/.test(h)) return 'name';
  if (/message|description|meaning|text|reason/.test(h)) return 'message';
  if (/code|value|number|^id$/.test(h)) return 'code';
  return undefined;
}

export interface ImportOptions {
  vendor: string;
  product?: string;
  source?: string;
  /** Shown in error messages. */
  file?: string;
}

interface Draft {
  code: number;
  original?: number;
  name: string | null;
  wordings: string[];
  section: string | undefined;
  range?: { min?: number; max?: number };
}

function parseCode(cell: string): { code: number; range?: { min?: number; max?: number } } | undefined {
  const plain = /^([+-]?\d+)$/.exec(cell.replace(/[\u2212\u2013]/g, '-'));
  if (plain) return { code: Number(plain[1]) };
  const r = /^(<=|≤|>=|≥)\s*([+-]?\d+)$/.exec(cell.replace(/[\u2212\u2013]/g, '-'));
  if (r) {
    const n = Number(r[2]);
    return { code: n, range: r[1] === '<=' || r[1] === '≤' ? { max: n } : { min: n } };
  }
  return undefined;
}

/**
 * Turns the Markdown error tables of one vendor into its catalog. Tables need a code column and a message
 * column (`code | message`, `original | product code | message`, `name | value | description`); a row
 * without a code is a section heading. Rows that repeat a code add their wording as an alternate.
 */
export function importMarkdown(text: string, opts: ImportOptions): CatalogJson {
  const file = opts.file ?? 'markdown';
  const drafts = new Map<string, Draft>();
  let usable = 0;
  for (const table of parseMarkdownTables(text)) {
    const cols = table.headers.map(columnOf);
    const at = (c: Column): number => cols.indexOf(c);
    const iCode = at('code');
    const iMsg = at('message');
    if (iCode < 0 || iMsg < 0) continue;
    usable++;
    const iName = at('name');
    const iOrig = at('original');
    let section: string | undefined;
    for (const row of table.rows) {
      const cell = (i: number): string => (i < 0 ? '' : (row.cells[i] ?? ''));
      const codeCell = cell(iCode);
      if (codeCell === '') {
        const heading = row.cells.find((c) => c !== '');
        if (heading !== undefined) section = heading;
        continue;
      }
      const parsed = parseCode(codeCell);
      if (!parsed) {
        throw new ErrscanError('ERRSCAN_IMPORT', `cannot read the code "${codeCell}"`, {
          file,
          where: String(row.line),
          hint: 'a code is an integer, or <= N / >= N for a range',
        });
      }
      const name = cell(iName) || null;
      let original: number | undefined;
      if (iOrig >= 0 && cell(iOrig) !== '') {
        const o = parseCode(cell(iOrig));
        if (!o || o.range) {
          throw new ErrscanError('ERRSCAN_IMPORT', `cannot read the original code "${cell(iOrig)}"`, { file, where: String(row.line) });
        }
        original = o.code;
      }
      const message = cell(iMsg) || (name ? humanizeName(name) : '');
      if (message === '') {
        throw new ErrscanError('ERRSCAN_IMPORT', `code ${codeCell} has no message and no name`, { file, where: String(row.line) });
      }
      const key = parsed.range ? `${codeCell.replace(/\s+/g, '')}` : String(parsed.code);
      const d = drafts.get(key);
      if (d) {
        if (!d.wordings.includes(message)) d.wordings.push(message);
        d.name ??= name;
        if (d.original === undefined && original !== undefined) d.original = original;
      } else {
        const draft: Draft = { code: parsed.code, name, wordings: [message], section };
        if (original !== undefined) draft.original = original;
        if (parsed.range) draft.range = parsed.range;
        drafts.set(key, draft);
      }
    }
  }
  if (usable === 0) {
    throw new ErrscanError('ERRSCAN_IMPORT', 'no Markdown table with a code column and a message column', {
      file,
      hint: 'expected headers like "Error Code | Error Message" or "Name | Value | Description"',
    });
  }
  const entries: EntryJson[] = [...drafts.values()].map((d) => {
    const success = d.code === 0 && !d.range;
    const e: EntryJson = {
      code: d.code,
      ...(d.original !== undefined ? { original: d.original } : {}),
      name: d.name,
      message: d.wordings[0]!,
      alternates: d.wordings.slice(1),
      category: categoryFor(opts.vendor, d.code, d.section, d.original),
      severity: severityFor(d.wordings, success),
    };
    if (d.range) e.range = d.range;
    if (success) e.success = true;
    return e;
  });
  const out: CatalogJson = {
    $schema: './schema.json',
    vendor: opts.vendor,
    product: opts.product ?? PRODUCTS[opts.vendor] ?? opts.vendor,
    patterns: [],
    entries,
  };
  if (opts.source !== undefined) {
    // keep `source` right after `product` for readability
    return { $schema: out.$schema, vendor: out.vendor, product: out.product, source: opts.source, patterns: [], entries };
  }
  return out;
}

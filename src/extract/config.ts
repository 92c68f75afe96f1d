// The extraction settings a catalog may carry, read and checked once at compile time.
// Vendor level: `extract` (context literals, distinctive literals, extra anchors, ignored messages, message samples).
// Pattern level: extra keys on a pattern (anchors, context, code ranges, routing, original-code mapping, veto).
import { ErrscanError } from '../errors.js';
import type { CatalogPattern, PatternSample, VendorCatalog } from '../types.js';

export type Range = readonly [number, number];

export interface VendorExtractConfig {
  /** Literals that name the vendor in a line (case-insensitive; 4 characters or fewer need word boundaries). */
  context: string[];
  /** Literals that make a catalog message specific enough to count without vendor context. */
  distinctive: string[];
  /** More literals that make a line worth a closer look for message + code pairs. */
  anchors: string[];
  /** Catalog messages never matched as text (placeholders, or too vague to mean anything alone). */
  ignoreMessages: string[];
  /** Sample lines for message matching, checked like pattern samples. */
  samples: PatternSample[];
  /** Wordings the vendor uses outside its error table (docs, FAQ), matched like catalog messages. */
  messages: ExtraMessage[];
  /** Lines naming another stack that shares these codes' texts (TWAIN condition texts): no message match. */
  messageVeto: MessageVeto[];
  /** Which messages count with no vendor context besides those holding a distinctive literal; undefined: none. */
  messageOnly: MessageOnlyRule | undefined;
}

export interface ExtraMessage {
  code: number;
  text: string;
  /** Where the wording was seen (documentation only). */
  source: string;
}

export interface MessageVeto {
  codes: Range[];
  literals: string[];
}

export interface MessageOnlyRule {
  /** Fewest words (placeholders left out) a message needs to count without vendor context. */
  minWords: number;
  /** Codes whose messages may count alone. */
  codes: Range[];
  /** Wordings that are too generic to count alone, however long. */
  except: string[];
}

export interface PatternOptions {
  /** Literals of which at least one must be in the line for the pattern to run. */
  anchors: string[];
  /**
   * Context the match needs: `@vendor` (that vendor's context literals, or one of its messages on the line)
   * or a literal. Empty: none needed.
   */
  context: string[];
  /** Codes in these ranges need the context; others do not. Absent: every code needs it (if `context` is set). */
  contextFor: Range[] | undefined;
  /** Accepted codes (after mapping); absent: any. */
  codes: Range[] | undefined;
  /** Codes in a range belong to another vendor (DWT output carries DLS codes). */
  route: Array<{ min: number; max: number; vendor: string }>;
  /** The `code` group holds a DLS original code (100..151), mapped through the catalog. */
  original: boolean;
  /** Only codes the catalog knows. */
  known: boolean;
  /** Literals that cancel the pattern when present in the line (other products' look-alikes). */
  veto: string[];
}

function bad(cat: VendorCatalog, where: string, message: string): never {
  throw new ErrscanError('ERRSCAN_CATALOG_SCHEMA', `${where}: ${message}`, {
    file: cat.files[cat.files.length - 1] ?? cat.vendor,
    hint: 'see "Extraction settings" in catalogs/README.md',
  });
}

function strings(cat: VendorCatalog, where: string, v: unknown): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s.length === 0)) {
    bad(cat, where, 'must be an array of non-empty strings');
  }
  return v as string[];
}

/** Literals the prefilter uses: it runs on latin1 bytes, where a non-ASCII literal would miss UTF-8 lines. */
function literals(cat: VendorCatalog, where: string, v: unknown): string[] {
  const xs = strings(cat, where, v);
  const bad_ = xs.find((s) => !/^[\x20-\x7e]+$/.test(s));
  if (bad_ !== undefined) bad(cat, where, `literal "${bad_}" must be printable ASCII (use an ASCII part of the text)`);
  return xs;
}

function ranges(cat: VendorCatalog, where: string, v: unknown): Range[] | undefined {
  if (v === undefined) return undefined;
  const ok =
    Array.isArray(v) &&
    v.every((r) => Array.isArray(r) && r.length === 2 && Number.isInteger(r[0]) && Number.isInteger(r[1]) && r[0] <= r[1]);
  if (!ok) bad(cat, where, 'must be an array of [min, max] integer pairs with min <= max');
  return v as Range[];
}

function samples(cat: VendorCatalog, where: string, v: unknown): PatternSample[] {
  if (v === undefined) return [];
  const ok =
    Array.isArray(v) &&
    v.every(
      (s) =>
        typeof s === 'object' &&
        s !== null &&
        typeof (s as PatternSample).line === 'string' &&
        Array.isArray((s as PatternSample).hits) &&
        (s as PatternSample).hits.every((h) => typeof h === 'string'),
    );
  if (!ok) bad(cat, where, 'must be an array of {line, hits} samples');
  return v as PatternSample[];
}

const VENDOR_KEYS = new Set(['context', 'distinctive', 'anchors', 'ignoreMessages', 'samples', 'messages', 'messageVeto', 'messageOnly']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function extraMessages(cat: VendorCatalog, where: string, v: unknown): ExtraMessage[] {
  if (v === undefined) return [];
  const ok =
    Array.isArray(v) &&
    v.every(
      (m) =>
        isObject(m) &&
        Number.isInteger(m.code) &&
        typeof m.text === 'string' &&
        m.text.trim().length > 0 &&
        typeof m.source === 'string' &&
        Object.keys(m).every((k) => k === 'code' || k === 'text' || k === 'source'),
    );
  if (!ok) bad(cat, where, 'must be an array of {code, text, source} (integer code, non-empty text, source naming where it was seen)');
  return v as ExtraMessage[];
}

function vetoes(cat: VendorCatalog, where: string, v: unknown): MessageVeto[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((r) => isObject(r) && Object.keys(r).every((k) => k === 'codes' || k === 'literals'))) {
    bad(cat, where, 'must be an array of {codes, literals}');
  }
  return (v as Array<Record<string, unknown>>).map((r, i) => ({
    codes: ranges(cat, `${where}/${i}/codes`, r.codes) ?? bad(cat, `${where}/${i}/codes`, 'is required'),
    literals: literals(cat, `${where}/${i}/literals`, r.literals),
  }));
}

function messageOnlyRule(cat: VendorCatalog, where: string, v: unknown): MessageOnlyRule | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v) || !Object.keys(v).every((k) => k === 'minWords' || k === 'codes' || k === 'except')) {
    bad(cat, where, 'must be {minWords, codes, except}');
  }
  if (!Number.isInteger(v.minWords) || (v.minWords as number) < 3) bad(cat, `${where}/minWords`, 'must be an integer >= 3');
  return {
    minWords: v.minWords as number,
    codes: ranges(cat, `${where}/codes`, v.codes) ?? bad(cat, `${where}/codes`, 'is required'),
    except: strings(cat, `${where}/except`, v.except),
  };
}

const PLACEHOLDER = /XXX|\{[A-Za-z_]\w*\}|"\+[^"]*\+"/gi;
/** Rule identity of a wording: case, spacing and trailing punctuation do not matter. */
const norm = (s: string): string =>
  s
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\s.!]+$/, '');
const wordCount = (s: string): number => s.replace(PLACEHOLDER, ' ').split(/[^A-Za-z0-9]+/).filter((w) => w.length > 0).length;

/**
 * May a wording of these codes count with no vendor context? Only one code (a shared wording pins none),
 * at least `minWords` words (placeholders left out), a code in `codes`, and not listed in `except`.
 * Which lines are looked at is still up to the literals (`context`, `distinctive`, `anchors`).
 */
export function countsAlone(rule: MessageOnlyRule | undefined, text: string, codes: readonly number[]): boolean {
  if (rule === undefined || codes.length !== 1) return false;
  const k = norm(text);
  return wordCount(k) >= rule.minWords && inRanges(codes[0]!, rule.codes) && !rule.except.some((e) => norm(e) === k);
}

export function vendorConfig(cat: VendorCatalog): VendorExtractConfig {
  const x = cat.extract ?? {};
  for (const k of Object.keys(x)) {
    if (!VENDOR_KEYS.has(k)) bad(cat, `/extract/${k}`, `unknown extraction setting (known: ${[...VENDOR_KEYS].join(', ')})`);
  }
  const context = literals(cat, '/extract/context', x.context);
  const distinctive = literals(cat, '/extract/distinctive', x.distinctive);
  const anchors = literals(cat, '/extract/anchors', x.anchors);
  const ignoreMessages = strings(cat, '/extract/ignoreMessages', x.ignoreMessages);
  const messages = extraMessages(cat, '/extract/messages', x.messages);
  return {
    context,
    distinctive,
    anchors,
    ignoreMessages,
    samples: samples(cat, '/extract/samples', x.samples),
    messages,
    messageVeto: vetoes(cat, '/extract/messageVeto', x.messageVeto),
    messageOnly: messageOnlyRule(cat, '/extract/messageOnly', x.messageOnly),
  };
}

const PATTERN_KEYS = new Set(['id', 'regex', 'flags', 'description', 'samples', 'anchors', 'context', 'contextFor', 'codes', 'route', 'original', 'known', 'veto']);

export function patternOptions(cat: VendorCatalog, p: CatalogPattern, i: number, vendorIds: Set<string>): PatternOptions {
  const at = `/patterns/${i}`;
  // The schema lets patterns carry extra keys for this stage; a misspelt one would silently do nothing.
  for (const k of Object.keys(p)) {
    if (!PATTERN_KEYS.has(k)) bad(cat, `${at}/${k}`, `unknown pattern setting in "${p.id}" (known: ${[...PATTERN_KEYS].join(', ')})`);
  }
  const context = literals(cat, `${at}/context`, p.context);
  for (const c of context) {
    if (c.startsWith('@') && !vendorIds.has(c.slice(1))) bad(cat, `${at}/context`, `"${c}" names no loaded vendor`);
  }
  const route: PatternOptions['route'] = [];
  if (p.route !== undefined) {
    const ok =
      Array.isArray(p.route) &&
      p.route.every(
        (r) =>
          typeof r === 'object' &&
          r !== null &&
          Number.isInteger((r as { min: unknown }).min) &&
          Number.isInteger((r as { max: unknown }).max) &&
          typeof (r as { vendor: unknown }).vendor === 'string',
      );
    if (!ok) bad(cat, `${at}/route`, 'must be an array of {min, max, vendor}');
    for (const r of p.route as PatternOptions['route']) {
      if (!vendorIds.has(r.vendor)) bad(cat, `${at}/route`, `vendor "${r.vendor}" is not loaded`);
      route.push(r);
    }
  }
  for (const k of ['original', 'known'] as const) {
    if (p[k] !== undefined && typeof p[k] !== 'boolean') bad(cat, `${at}/${k}`, 'must be true or false');
  }
  const anchors = literals(cat, `${at}/anchors`, p.anchors);
  if (anchors.length === 0 && context.length === 0) {
    bad(cat, `${at}`, `pattern "${p.id}" needs "anchors" (literals its matches always contain) or a "context"`);
  }
  if (anchors.length === 0 && p.contextFor !== undefined) {
    bad(cat, `${at}/contextFor`, `pattern "${p.id}" with "contextFor" fires without context too, so it needs "anchors"`);
  }
  return {
    anchors,
    context,
    contextFor: ranges(cat, `${at}/contextFor`, p.contextFor),
    codes: ranges(cat, `${at}/codes`, p.codes),
    route,
    original: p.original === true,
    known: p.known === true,
    veto: strings(cat, `${at}/veto`, p.veto),
  };
}

export function inRanges(code: number, rs: readonly Range[]): boolean {
  for (let i = 0; i < rs.length; i++) if (code >= rs[i]![0] && code <= rs[i]![1]) return true;
  return false;
}

/**
 * Every vendor's extraction settings checked, as compiling the extractor would check them, without the cost
 * of compiling it: a run that leaves extraction to its reading threads still fails before it opens the store.
 */
export function checkExtractConfig(vendors: readonly VendorCatalog[]): void {
  const ids = new Set(vendors.map((v) => v.vendor));
  for (const cat of vendors) {
    vendorConfig(cat);
    cat.patterns.forEach((p, i) => patternOptions(cat, p, i, ids));
  }
}

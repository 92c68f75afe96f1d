// Catalog messages as text: one case-insensitive regex per distinct wording, tried only on a line that has
// its key word (its rarest whole word). The extractor finds key words in the same pass as its anchors
// (`findKeys`); `find` splits the line into words itself and is the reference the tests hold it to.
import type { VendorCatalog } from '../types.js';
import { countsAlone, inRanges, vendorConfig, type MessageOnlyRule } from './config.js';

export interface MessageDef {
  /** Position in MessageIndex.defs. */
  id: number;
  /** Index of the vendor in the compiled extractor. */
  vendor: number;
  /** Codes of that vendor worded this way: more than one means the wording alone cannot pin a code. */
  codes: number[];
  /**
   * Case-insensitive, whitespace-flexible, trailing punctuation optional; non-global (exec gives the index).
   * Made from `source` on first use (`regex`): most wordings are never tried in a run, and a thread that
   * restores a snapshot (snapshot.ts) would otherwise parse all 341 of them at its start (~4 ms).
   */
  re: RegExp | null;
  source: string;
  /** Counts without vendor context (contains one of the vendor's context or distinctive literals). */
  distinctive: boolean;
  text: string;
  key: string;
  /**
   * Its other whole words that are key words too (key word indices): every match holds them as well, so
   * the regex is not run on a line that lacks one. Most lines that have a common key word (`content`,
   * `expired`) do not hold the rest of the wording: 1.44 of the 2.43 runs a genlog hit line made.
   */
  also: number[];
  /** Lowercase literals naming another stack that shares this wording: on such a line it is not matched. */
  veto: string[];
}

export interface MessageOccurrence {
  def: MessageDef;
  start: number;
  end: number;
}

/** Wording identity: case, runs of whitespace, curly quotes and trailing punctuation do not matter. */
export function normalizeMessage(s: string): string {
  return s
    .toLowerCase()
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\s.!。]+$/u, '');
}

/** `XXX`, `{filename}` and `"+expr+"` stand for text the product fills in. */
const PLACEHOLDER = /XXX|\{[A-Za-z_]\w*\}|"\+[^"]*\+"/;
// One bounded run (it covers the spaces around the filled-in text too): `\s*` on either side let a long run
// of spaces be split in ~n² ways per start, so an 8 KB line took 20 s and a 1 MiB one would never end.
const WILDCARD = '[^\\r\\n]{1,80}?';

function escapeChar(c: string): string {
  if (c === '"' || c === '“' || c === '”') return '\\\\?["“”]';
  if (c === "'" || c === '’' || c === '‘') return "['’‘]";
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Regex source for a run of fixed message text: words joined by `\s+`, optional spaces around punctuation. */
function fixedSource(s: string): string {
  let out = '';
  let prev: 'word' | 'punct' | null = null;
  for (const t of s.match(/[A-Za-z0-9_]+|[^A-Za-z0-9_\s]/g) ?? []) {
    const kind = /^[A-Za-z0-9_]/.test(t) ? 'word' : 'punct';
    if (prev === 'word' && kind === 'word') out += '\\s+';
    else if (prev !== null) out += '\\s*';
    out += kind === 'word' ? t : escapeChar(t);
    prev = kind;
  }
  return out;
}

function tokensOf(s: string, trimStart: boolean, trimEnd: boolean): string[] {
  const toks = s.toLowerCase().split(/[^a-z0-9]+/);
  // A token glued to a placeholder is not a whole word of the line.
  if (trimStart && /^[a-z0-9]/i.test(s)) toks.shift();
  if (trimEnd && /[a-z0-9]$/i.test(s)) toks.pop();
  return toks.filter((t) => t.length >= 2);
}

/** The regex source of a message and the whole words it always contains. */
export function compileMessage(text: string): { source: string; tokens: string[] } {
  let core = text.trim().replace(/[\s.!。]+$/u, '');
  let tail = '';
  // A trailing "(detail)" may be left out when what precedes it is a message of its own.
  const paren = /\s*\(([^()]*)\)$/.exec(core);
  if (paren && paren.index > 0 && core.slice(0, paren.index).trim().split(/\s+/).length >= 3) {
    tail = `(?:\\s*${fixedSource(paren[0].trim())})?`;
    core = core.slice(0, paren.index).replace(/[\s.!]+$/, '');
  }
  const segs = core.split(PLACEHOLDER);
  const tokens: string[] = [];
  segs.forEach((seg, i) => tokens.push(...tokensOf(seg, i > 0, i < segs.length - 1)));
  // Not preceded by a letter or digit, unless that is a JSON escape (`\rThe`); not followed by one.
  const head = /^[A-Za-z0-9]/.test(core) ? '(?<!(?<!\\\\)[a-z0-9])' : '';
  const foot = '(?![a-z0-9])';
  const body = segs.map((s) => fixedSource(s.trim())).join(WILDCARD);
  return { source: head + body + tail + foot, tokens };
}

export interface VendorMessages {
  cat: VendorCatalog;
  index: number;
  /** Lowercased literals that make a message distinctive. */
  distinctive: string[];
  /** Context literals: short ones need word boundaries inside the message too. */
  context: RegExp[];
  ignore: Set<string>;
}

/** A wording's regex, made on first use. */
export function regex(d: MessageDef): RegExp {
  return (d.re ??= new RegExp(d.source, 'i'));
}

/** What most lines find: shared, never written to. */
const NONE: readonly MessageOccurrence[] = [];

export class MessageIndex {
  readonly defs: MessageDef[] = [];
  private readonly tried: Int32Array;
  /** Per key word: the generation of the last line it was found on. */
  private readonly seen: Int32Array;
  private gen = 0;
  /** The distinct key words, lowercase: the extractor finds them with its anchors (`findKeys`). */
  readonly keyWords: string[] = [];
  /** Messages by key word index, in definition order. */
  private readonly byKeyWord: MessageDef[][] = [];
  private readonly keyIndex = new Map<string, number>();

  constructor(vendors: VendorMessages[]) {
    const grouped = new Map<string, { vendor: VendorMessages; codes: Set<number>; text: string }>();
    const vetoOf = new Map<number, ReturnType<typeof vendorConfig>['messageVeto']>();
    const ruleOf = new Map<number, MessageOnlyRule | undefined>();
    for (const v of vendors) {
      const cfg = vendorConfig(v.cat);
      vetoOf.set(v.index, cfg.messageVeto);
      ruleOf.set(v.index, cfg.messageOnly);
      const add = (code: number, text: string): void => {
        const norm = normalizeMessage(text);
        if (norm.length === 0 || v.ignore.has(norm)) return;
        const k = `${v.index}\u0000${norm}`;
        const g = grouped.get(k);
        if (g) g.codes.add(code);
        else grouped.set(k, { vendor: v, codes: new Set([code]), text });
      };
      for (const e of v.cat.entries) {
        if (e.success || e.code === 0) continue;
        for (const text of [e.message, ...e.alternates]) add(e.code, text);
      }
      // Wordings from the vendor's docs and FAQ (extract.messages): the same rules as table wordings.
      for (const m of cfg.messages) add(m.code, m.text);
    }
    const compiled = [...grouped.values()].map((g) => ({ g, ...compileMessage(g.text) }));
    // Key word of each message: its rarest whole word over all messages (longest on a tie).
    const freq = new Map<string, number>();
    for (const c of compiled) for (const t of new Set(c.tokens)) freq.set(t, (freq.get(t) ?? 0) + 1);
    const tokensOfDef: string[][] = [];
    for (const { g, source, tokens } of compiled) {
      if (tokens.length === 0) continue;
      let key = tokens[0]!;
      for (const t of tokens) {
        const a = freq.get(t)!;
        const b = freq.get(key)!;
        if (a < b || (a === b && t.length > key.length)) key = t;
      }
      const lower = g.text.toLowerCase();
      const def: MessageDef = {
        id: this.defs.length,
        vendor: g.vendor.index,
        codes: [...g.codes].sort((a, b) => Math.abs(a) - Math.abs(b)),
        re: null,
        source,
        distinctive:
          g.vendor.distinctive.some((d) => lower.includes(d)) ||
          g.vendor.context.some((re) => re.test(g.text)) ||
          countsAlone(ruleOf.get(g.vendor.index), g.text, [...g.codes]),
        text: g.text,
        key,
        also: [],
        veto: [
          ...new Set(
            (vetoOf.get(g.vendor.index) ?? [])
              .filter((r) => [...g.codes].some((c) => inRanges(c, r.codes)))
              .flatMap((r) => r.literals.map((l) => l.toLowerCase())),
          ),
        ],
      };
      this.defs.push(def);
      tokensOfDef.push(tokens);
      let k = this.keyIndex.get(key);
      if (k === undefined) {
        k = this.keyWords.length;
        this.keyIndex.set(key, k);
        this.keyWords.push(key);
        this.byKeyWord.push([]);
      }
      this.byKeyWord[k]!.push(def);
    }
    for (const d of this.defs) {
      const also = new Set<number>();
      for (const t of tokensOfDef[d.id]!) {
        const k = t === d.key ? undefined : this.keyIndex.get(t);
        if (k !== undefined) also.add(k);
      }
      d.also = [...also];
    }
    this.tried = new Int32Array(this.defs.length);
    this.seen = new Int32Array(this.keyWords.length);
  }

  /**
   * Message occurrences, given where the key words are: `keys[0 .. count)` are key word indices, each a whole
   * word (see `wholeWord`), in the order the words end. The extractor finds them in its one pass over the line.
   */
  findKeys(line: string, keys: Int32Array, count: number): readonly MessageOccurrence[] {
    if (count === 0) return NONE;
    const gen = ++this.gen;
    const seen = this.seen;
    for (let i = 0; i < count; i++) seen[keys[i]!] = gen;
    let out: MessageOccurrence[] | undefined;
    for (let i = 0; i < count; i++) {
      const defs = this.byKeyWord[keys[i]!]!;
      for (let j = 0; j < defs.length; j++) {
        const d = defs[j]!;
        if (this.tried[d.id] === gen) continue;
        this.tried[d.id] = gen;
        const also = d.also;
        let all = true;
        for (let j = 0; j < also.length; j++) {
          if (seen[also[j]!] !== gen) {
            all = false;
            break;
          }
        }
        if (!all) continue;
        const m = regex(d).exec(line);
        if (m !== null && !(d.veto.length > 0 && vetoed(line, d.veto))) {
          (out ??= []).push({ def: d, start: m.index, end: m.index + m[0].length });
        }
      }
    }
    return out === undefined ? NONE : longest(out);
  }

  /**
   * Message occurrences in a line; where two of one vendor overlap, the longer wins. It splits the line into
   * words itself: the reference the tests hold the extractor's one-pass key words (`wholeWord`) to.
   */
  find(line: string): readonly MessageOccurrence[] {
    const n = line.length;
    const keys: number[] = [];
    let word = '';
    // Words are runs of ASCII letters and digits, lowercased; a JSON escape (`\r`, `\n`, `\t`) separates.
    for (let i = 0; i <= n; i++) {
      let c = i < n ? line.charCodeAt(i) : 0;
      if (c >= 65 && c <= 90) c += 32;
      if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
        word += String.fromCharCode(c);
        continue;
      }
      if (c === 92 && i + 1 < n && isEscapeLetter(line.charCodeAt(i + 1))) i++;
      const k = word.length >= 2 ? this.keyIndex.get(word) : undefined;
      if (k !== undefined) keys.push(k);
      word = '';
    }
    return this.findKeys(line, Int32Array.from(keys), keys.length);
  }
}

/** Of the occurrences of one vendor that overlap, the longest (the first of equals). */
function longest(all: MessageOccurrence[]): readonly MessageOccurrence[] {
  if (all.length === 1) return all;
  return all.filter(
    (o, i) =>
      !all.some(
        (p, j) =>
          j !== i && p.def.vendor === o.def.vendor && p.start <= o.start && p.end >= o.end && (p.end - p.start > o.end - o.start || j < i),
      ),
  );
}

/**
 * Is line[start, end) a whole word as `find` splits words: runs of ASCII letters and digits, where a JSON
 * escape (`\n`, `\r`, `\t`: the letter after a backslash) separates too.
 */
export function wholeWord(line: string, start: number, end: number): boolean {
  if (end < line.length && isAlnum(line.charCodeAt(end))) return false;
  if (start === 0) return true;
  const before = line.charCodeAt(start - 1);
  if (before === 92) return !isEscapeLetter(line.charCodeAt(start));
  return !isAlnum(before) || (isEscapeLetter(before) && start >= 2 && line.charCodeAt(start - 2) === 92);
}

const isEscapeLetter = (c: number): boolean => c === 110 || c === 114 || c === 116;

/** Does the line name another stack that shares the wording (DTWAIN, NTwain: TWAIN condition texts)? */
function vetoed(line: string, veto: readonly string[]): boolean {
  const lower = line.toLowerCase();
  return veto.some((v) => lower.includes(v));
}

/** Words allowed between a code and its message: `Error 7011 (Token is Expired)`, `"code":"7011","message":"…"`. */
const GAP =
  /^[^a-z0-9]{0,12}(?:(?:error|err|code|errorcode|errcode|message|msg|errormessage|errormsg|errmsg|string|errorstring|comment|description|desc|reason|text|detail|details)[^a-z0-9]{0,12}){0,3}$/i;
const WINDOW = 48;

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** `s` at `i` is a whole number: not glued to letters, digits, a sign or a decimal point. */
function wholeNumber(line: string, i: number, len: number): boolean {
  const b = line.charCodeAt(i - 1);
  if (i > 0 && (isAlnum(b) || b === 45 /* - */ || b === 43 /* + */ || b === 46 /* . */ || b === 95 /* _ */)) return false;
  const a = line.charCodeAt(i + len);
  if (isAlnum(a) || a === 95) return false;
  if ((a === 46 || a === 44) && isAlnum(line.charCodeAt(i + len + 1)) && line.charCodeAt(i + len + 1) <= 57) return false;
  return true;
}

const NUMBER = /(?<![\w.+-])-?\d{3,6}(?![\w-]|[.,]\d)/g;
const ERROR_WORD = /(?:error|err|code|errorcode|errcode)\W{0,3}$/i;

/**
 * Is some other error code written right before or after the message? Then the message belongs to that
 * code (`DBR error -10004: License expired`) and vendor context must not claim it. A number counts as an
 * error code when it is negative, follows an error word, has one in the gap, or is `(N)` after the message;
 * so syslog PIDs (`dls-client[1234]: License expired.`) do not.
 */
export function pairedWithOther(line: string, start: number, end: number, own: readonly number[]): boolean {
  const re = NUMBER;
  re.lastIndex = Math.max(0, start - WINDOW - 7);
  for (let m = re.exec(line); m !== null && m.index <= end + WINDOW; m = re.exec(line)) {
    const n = Number(m[0]);
    if (own.includes(n)) continue;
    const ns = m.index;
    const ne = ns + m[0].length;
    const before = ne <= start;
    if (!before && ns < end) continue;
    const gap = before ? line.slice(ne, start) : line.slice(end, ns);
    if (!GAP.test(gap)) continue;
    const coded =
      m[0].startsWith('-') ||
      /[a-z]/i.test(gap) ||
      ERROR_WORD.test(line.slice(Math.max(0, ns - 16), ns)) ||
      (!before && line.charCodeAt(ns - 1) === 40 /* ( */ && line.charCodeAt(ne) === 41 /* ) */);
    if (coded) return true;
  }
  return false;
}

/** Is `code` written right before or right after the message at [start, end)? */
export function pairedWith(line: string, start: number, end: number, code: number): boolean {
  // A number under 1000 beside a wording proves nothing on its own: `The license has expired (code 209)`
  // is any product's; QLM's 1..229 need QLM context (the message then fires through it).
  if (code > -1000 && code < 1000) return false;
  const s = String(code);
  const from = Math.max(0, start - WINDOW - s.length);
  for (let i = line.lastIndexOf(s, start - s.length); i >= from; i = line.lastIndexOf(s, i - 1)) {
    if (wholeNumber(line, i, s.length) && GAP.test(line.slice(i + s.length, start))) return true;
    if (i === 0) break;
  }
  const to = end + WINDOW;
  for (let j = line.indexOf(s, end); j >= 0 && j <= to; j = line.indexOf(s, j + 1)) {
    if (wholeNumber(line, j, s.length) && GAP.test(line.slice(end, j))) return true;
  }
  return false;
}

// extract(line) → hits: every vendor's catalog patterns, compiled once behind one literal prefilter,
// plus catalog message matching. Pure and synchronous; see README.md in this folder for the design.
import type { CatalogSet } from '../catalog/set.js';
import { patternRegExp } from '../catalog/set.js';
import type { CatalogPattern, Hit, PatternSample } from '../types.js';
import { inRanges, patternOptions, vendorConfig, type PatternOptions } from './config.js';
import { MessageIndex, normalizeMessage, pairedWith, pairedWithOther, wholeWord, type MessageOccurrence, type VendorMessages } from './messages.js';
import { recordText } from './record.js';
import { numberedGroups } from './groups.js';
import { prefilterLiterals } from './prefilter.js';
import { LiteralMatcher } from './literals.js';
import { prebuiltExtractor } from './snapshot.js';
import type { PrefilterLiteral } from '../records/types.js';

export interface Extractor {
  /** Vendor hits in one log line: each vendor:code once, in order of appearance. */
  extract(line: string): Hit[];
  /** Vendor hits in a parsed JSON record: every string and number field, nested, with its key names. */
  extractRecord(value: unknown): Hit[];
  /**
   * Global, case-insensitive regex of ASCII literals: a line — or a chunk of many lines — with no match
   * cannot give a hit. Shared: copy it before running it (lastIndex is state).
   */
  readonly candidate: RegExp;
  /** The byte scanner's literals: `candidate`'s, less lines whose only anchors cannot fire (prefilter.ts). */
  readonly prefilter: readonly PrefilterLiteral[];
}

interface CompiledPattern {
  vendor: number;
  id: string;
  /** The catalog's regex, global; its named groups numbered where groups.ts can (see codeGroup). */
  re: RegExp;
  /** Index of the `code` and `name` groups in `re`'s matches (0: none), or -1 when `re` keeps its names. */
  codeGroup: number;
  nameGroup: number;
  /** The catalog's regex as written (what the prefilter reads). */
  source: RegExp;
  opts: PatternOptions;
  /** Literal context entries, as anchor ids. */
  ctxAnchors: number[];
  /** `@vendor` context entries, as vendor indices. */
  ctxVendors: number[];
  route: Array<{ min: number; max: number; vendor: string }>;
  /** Literals that cancel the pattern, case-insensitively; undefined: none. */
  veto: RegExp | undefined;
  /** Every code it finds needs context (no `contextFor`): without context on the line it need not run. */
  needsContext: boolean;
}

interface Anchor {
  lit: string;
  patterns: number[];
  /** The line deserves message matching. */
  messages: boolean;
  /** Vendors this literal names. */
  context: number[];
  /** Short literals (DLS, DWT, QLM) count only as whole words: checked before / after where they are alphanumeric. */
  wordStart: boolean;
  wordEnd: boolean;
}

function escapeLiteral(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * A short literal at `i` stands alone: no letter or digit before it, and no lowercase letter, digit or
 * underscore after it (`DWTObject` and `QlmLicense` count; `dlsym` and ARM's `DWT_CTRL` do not).
 */
function wordAt(line: string, i: number, a: Anchor): boolean {
  if (a.wordStart && i > 0 && isAlnum(line.charCodeAt(i - 1))) return false;
  if (!a.wordEnd) return true;
  const c = line.charCodeAt(i + a.lit.length);
  return !((c >= 48 && c <= 57) || (c >= 97 && c <= 122) || c === 95);
}

const WORD_MAX = 4;

function growInt32(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** A `code` group's number: spaces, quotes and `+` left out (`"+ 209"`), then parseInt's reading. */
export function codeNumber(raw: string): number {
  // The usual group is an optional minus and a few digits: read directly, no string made.
  const len = raw.length;
  let i = len > 0 && raw.charCodeAt(0) === 45 ? 1 : 0;
  if (i < len && len - i <= 15) {
    let n = 0;
    for (; i < len; i++) {
      const d = raw.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (i === len) return raw.charCodeAt(0) === 45 ? -n : n;
  }
  return Number.parseInt(raw.replace(/[\s"'+]/g, ''), 10);
}

/** A Hit with where it starts, for ordering. */
interface Found extends Hit {
  at: number;
}

/** A line's hits, each vendor:code once unless `all` (sample checks want every way a hit was found). */
class Hits {
  readonly list: Found[] = [];
  /** Past a few hits, a set: a hostile line with 60 000 distinct codes must not cost 60 000² comparisons. */
  private keys: Set<string> | undefined;

  constructor(private readonly all: boolean) {}

  add(f: Found): void {
    const list = this.list;
    if (!this.all) {
      if (this.keys !== undefined) {
        const k = `${f.vendor}\t${f.code}`;
        if (this.keys.has(k)) return;
        this.keys.add(k);
      } else {
        for (let i = 0; i < list.length; i++) if (list[i]!.vendor === f.vendor && list[i]!.code === f.code) return;
        if (list.length >= 16) this.keys = new Set([...list, f].map((g) => `${g.vendor}\t${g.code}`));
      }
    }
    list.push(f);
  }
}

/** lineFlags: an anchor literal is on the line; one that wants message matching. */
const ANCHORED = 1;
const MESSAGES = 2;

export class CompiledExtractor implements Extractor {
  readonly candidate: RegExp;
  readonly prefilter: readonly PrefilterLiteral[];
  private readonly quick: RegExp;
  /** Finds every anchor literal of a line (anchor ids are literal ids) and, after them, every message key word. */
  private readonly matcher: LiteralMatcher;
  /** Key words found on the line being extracted (message key word indices), in order, and how many. */
  private keyHits: Int32Array = new Int32Array(64);
  private keyCount = 0;
  /** The line's ANCHORED and MESSAGES bits. */
  private lineFlags = 0;
  private readonly anchors: Anchor[] = [];
  private readonly anchorIds = new Map<string, number>();
  private readonly patterns: CompiledPattern[] = [];
  /** Per vendor: the patterns that take `@vendor` as context (they run once the vendor shows up). */
  private readonly ctxPatterns: number[][] = [];
  private readonly vendors: string[] = [];
  private readonly messages: MessageIndex;
  private readonly minLen: number;
  // Per-line marks, compared against a generation counter so nothing is cleared per line.
  private gen = 0;
  private readonly patternMark: Int32Array;
  private readonly anchorMark: Int32Array;
  private readonly vendorCtx: Int32Array;

  constructor(private readonly set: CatalogSet) {
    const ids = new Set(set.vendors.map((v) => v.vendor));
    const cfgs = set.vendors.map(vendorConfig);
    const vendorMsgs: VendorMessages[] = [];
    set.vendors.forEach((cat, vi) => {
      this.vendors.push(cat.vendor);
      this.ctxPatterns.push([]);
      const cfg = cfgs[vi]!;
      for (const c of cfg.context) this.anchor(c, { messages: true, context: vi });
      for (const d of cfg.distinctive) this.anchor(d, { messages: true });
      for (const a of cfg.anchors) this.anchor(a, { messages: true });
      vendorMsgs.push({
        cat,
        index: vi,
        distinctive: cfg.distinctive.map((d) => d.toLowerCase()),
        context: cfg.context.map((c) =>
          c.length <= WORD_MAX ? new RegExp(`(?<![A-Za-z0-9])${escapeLiteral(c)}(?![a-z0-9])`, 'i') : new RegExp(escapeLiteral(c), 'i'),
        ),
        ignore: new Set(cfg.ignoreMessages.map(normalizeMessage)),
      });
    });
    // `@vendor` context is also one of its messages, found through its distinctive literals and anchors.
    const ctxLits = (vi: number): string[] => [...cfgs[vi]!.context, ...cfgs[vi]!.distinctive, ...cfgs[vi]!.anchors];
    set.vendors.forEach((cat, vi) => {
      cat.patterns.forEach((p: CatalogPattern, i) => {
        const opts = patternOptions(cat, p, i, ids);
        const pi = this.patterns.length;
        const base = patternRegExp(p);
        const flags = base.flags.replace(/[gy]/g, '') + 'g';
        const numbered = numberedGroups(base.source, base.flags);
        const re = numbered === undefined ? undefined : compiles(numbered.source, flags);
        const ctxVendors = opts.context.filter((c) => c.startsWith('@')).map((c) => this.vendors.indexOf(c.slice(1)));
        const ctxAnchors = opts.context.filter((c) => !c.startsWith('@')).map((c) => this.anchor(c, {}));
        this.patterns.push({
          vendor: vi,
          id: p.id,
          re: re ?? new RegExp(base.source, flags),
          codeGroup: re === undefined ? -1 : (numbered!.groups.get('code') ?? 0),
          nameGroup: re === undefined ? -1 : (numbered!.groups.get('name') ?? 0),
          source: base,
          opts,
          ctxAnchors,
          ctxVendors,
          route: opts.route,
          veto: opts.veto.length > 0 ? new RegExp(opts.veto.map(escapeLiteral).join('|'), 'i') : undefined,
          needsContext: opts.context.length > 0 && opts.contextFor === undefined,
        });
        for (const v of ctxVendors) this.ctxPatterns[v]!.push(pi);
        // Where the pattern can fire, one of these is in the line.
        const triggers =
          opts.anchors.length > 0
            ? opts.anchors
            : [...opts.context.filter((c) => !c.startsWith('@')), ...ctxVendors.flatMap(ctxLits)];
        for (const t of triggers) this.anchors[this.anchor(t, {})]!.patterns.push(pi);
      });
    });
    this.messages = new MessageIndex(vendorMsgs);

    const lits = this.anchors.map((a) => a.lit);
    // The prefilter needs only the literals that contain no other literal.
    const minimal = lits.filter((a) => !lits.some((b) => b !== a && a.includes(b)));
    const alt = (xs: string[]): string => [...xs].sort((a, b) => b.length - a.length || (a < b ? -1 : 1)).map(escapeLiteral).join('|');
    const source = minimal.length > 0 ? alt(minimal) : '(?!)';
    this.candidate = new RegExp(source, 'gi');
    this.quick = new RegExp(source, 'i');
    this.matcher = new LiteralMatcher([...lits, ...this.messages.keyWords]);
    this.minLen = minimal.length > 0 ? Math.min(...minimal.map((m) => m.length)) : Infinity;
    this.prefilter = prefilterLiterals(this.anchors, this.patterns.map((p) => ({ re: p.source })));
    this.patternMark = new Int32Array(this.patterns.length);
    this.anchorMark = new Int32Array(this.anchors.length);
    this.vendorCtx = new Int32Array(this.vendors.length);
  }

  private anchor(lit: string, o: { messages?: boolean; context?: number }): number {
    // ASCII is checked in config.ts (the prefilter runs on latin1 bytes).
    const key = lit.toLowerCase();
    let id = this.anchorIds.get(key);
    if (id === undefined) {
      id = this.anchors.length;
      const short = key.length <= WORD_MAX;
      this.anchors.push({
        lit: key,
        patterns: [],
        messages: false,
        context: [],
        wordStart: short && /^[a-z0-9]/.test(key),
        wordEnd: short && /[a-z0-9]$/.test(key),
      });
      this.anchorIds.set(key, id);
    }
    const a = this.anchors[id]!;
    if (o.messages) a.messages = true;
    if (o.context !== undefined && !a.context.includes(o.context)) a.context.push(o.context);
    return id;
  }

  extract(line: string): Hit[] {
    // No separate prefilter test: the anchor scan finds nothing on a line without a candidate literal,
    // and on a candidate line (all the text reader sends) a second pass over it was pure cost.
    if (line.length < this.minLen) return [];
    const found = this.run(line, false);
    return found.length === 0 ? [] : found.map(({ vendor, code, via }) => ({ vendor, code, via }));
  }

  extractRecord(value: unknown): Hit[] {
    if (typeof value === 'string') return this.extract(value);
    return this.extract(recordText(value));
  }

  /** Every hit with every way it was found (`all`), for sample checks. */
  explain(line: string): Found[] {
    if (line.length < this.minLen || !this.quick.test(line)) return [];
    return this.run(line, true);
  }

  private run(line: string, all: boolean): Found[] {
    const gen = ++this.gen;
    this.keyCount = 0;
    this.lineFlags = 0;
    this.scanLine(line, gen);
    if ((this.lineFlags & ANCHORED) === 0) return [];
    const wantMessages = (this.lineFlags & MESSAGES) !== 0;
    const keys = this.keyCount;
    const { patternMark, vendorCtx } = this;

    const found = new Hits(all);

    // Messages first: a vendor's message on the line is context for that vendor's patterns.
    // Pairs and messages wait until the patterns ran, so a pattern's id wins as `via`.
    let pairs: Found[] | undefined;
    let pending: Array<{ occ: MessageOccurrence; code: number }> | undefined;
    if (wantMessages) {
      const occs = this.messages.findKeys(line, this.keyHits, keys);
      for (let k = 0; k < occs.length; k++) {
        const occ = occs[k]!;
        const d = occ.def;
        const vendor = this.vendors[d.vendor]!;
        let paired: number | undefined;
        for (let j = 0; j < d.codes.length; j++) {
          const c = d.codes[j]!;
          if (pairedWith(line, occ.start, occ.end, c)) {
            if (paired !== undefined) {
              paired = undefined;
              break;
            }
            paired = c;
          }
        }
        if (paired !== undefined) {
          this.vendorSeen(d.vendor);
          (pairs ??= []).push({ vendor, code: paired, via: 'message', at: occ.start });
          continue;
        }
        if (!d.distinctive && vendorCtx[d.vendor] !== gen) continue;
        this.vendorSeen(d.vendor);
        // A wording shared by several codes pins none of them; one attached to another number is that number's.
        if (d.codes.length === 1 && !pairedWithOther(line, occ.start, occ.end, d.codes)) {
          (pending ??= []).push({ occ, code: d.codes[0]! });
        }
      }
    }

    for (let pi = 0; pi < this.patterns.length; pi++) {
      if (patternMark[pi] !== gen) continue;
      const p = this.patterns[pi]!;
      // Context is only set by anchors and messages, all seen by now: what resolve() would refuse for every
      // match is not looked for. The veto, a scan of the whole line, waits for a first match.
      if (p.needsContext && !this.contextOk(p)) continue;
      const re = p.re;
      re.lastIndex = 0;
      let vetoChecked = p.veto === undefined;
      for (let m = re.exec(line); m !== null; m = re.exec(line)) {
        if (!vetoChecked) {
          if (p.veto!.test(line)) break;
          vetoChecked = true;
        }
        if (m[0].length === 0) re.lastIndex++;
        const hit = this.resolve(p, m, m.index);
        if (hit !== undefined) found.add(hit);
      }
    }

    if (pairs !== undefined) for (let k = 0; k < pairs.length; k++) found.add(pairs[k]!);
    if (pending !== undefined) {
      for (let k = 0; k < pending.length; k++) {
        const { occ, code } = pending[k]!;
        const vendor = this.vendors[occ.def.vendor]!;
        // A code for the vendor on this line outranks its message text.
        if (!all && found.list.some((f) => f.vendor === vendor)) continue;
        found.add({ vendor, code, via: 'message', at: occ.start });
      }
    }
    const list = found.list;
    if (list.length > 1) list.sort((a, b) => a.at - b.at);
    return list;
  }

  /**
   * Every occurrence of every anchor literal, overlapping and nested ones included (LiteralMatcher), and of
   * every message key word, kept if it is a whole word. The literals that end at a character are handled
   * apart (outputs): the loop over characters is then a few loads, ~3% less time a hit line.
   */
  private scanLine(line: string, gen: number): void {
    const { classes, delta } = this.matcher;
    for (let i = 0, step = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c >= 128) {
        step = 0;
        continue;
      }
      step = delta[(step >> 1) + classes[c]!]!;
      if ((step & 1) !== 0) this.outputs(line, step >> 1, i, gen);
    }
  }

  /** The literals ending at `i` in the state at row `row`: marks anchors and what they set off, and lists key words. */
  private outputs(line: string, row: number, i: number, gen: number): void {
    const { anchors, anchorMark, patternMark, vendorCtx } = this;
    const { out, ids, lengths, width } = this.matcher;
    const st = (row / width) | 0;
    const nAnchors = anchors.length;
    const end = out[st + 1]!;
    for (let k = out[st]!; k < end; k++) {
      const id = ids[k]!;
      if (id >= nAnchors) {
        if (wholeWord(line, i - lengths[id]! + 1, i + 1)) {
          if (this.keyCount === this.keyHits.length) this.keyHits = growInt32(this.keyHits);
          this.keyHits[this.keyCount++] = id - nAnchors;
        }
        continue;
      }
      this.lineFlags |= ANCHORED;
      const a = anchors[id]!;
      if ((a.wordStart || a.wordEnd) && !wordAt(line, i - lengths[id]! + 1, a)) continue;
      anchorMark[id] = gen;
      if (a.messages) this.lineFlags |= MESSAGES;
      const context = a.context;
      for (let j = 0; j < context.length; j++) vendorCtx[context[j]!] = gen;
      const patterns = a.patterns;
      for (let j = 0; j < patterns.length; j++) patternMark[patterns[j]!] = gen;
    }
  }

  /** A vendor's message is on the line: that is context for the vendor, and its context patterns run. */
  private vendorSeen(v: number): void {
    this.vendorCtx[v] = this.gen;
    const ps = this.ctxPatterns[v]!;
    for (let j = 0; j < ps.length; j++) this.patternMark[ps[j]!] = this.gen;
  }

  private contextOk(p: CompiledPattern): boolean {
    const gen = this.gen;
    const vs = p.ctxVendors;
    for (let j = 0; j < vs.length; j++) if (this.vendorCtx[vs[j]!] === gen) return true;
    const as = p.ctxAnchors;
    for (let j = 0; j < as.length; j++) if (this.anchorMark[as[j]!] === gen) return true;
    return false;
  }

  private resolve(p: CompiledPattern, m: RegExpExecArray, at: number): Found | undefined {
    const set = this.set;
    let vendor = this.vendors[p.vendor]!;
    let code: number | undefined;
    const name = p.nameGroup < 0 ? m.groups?.name : p.nameGroup > 0 ? m[p.nameGroup] : undefined;
    if (name !== undefined) code = set.byName(vendor, name)?.code;
    const raw = p.codeGroup < 0 ? m.groups?.code : p.codeGroup > 0 ? m[p.codeGroup] : undefined;
    if (code === undefined && raw !== undefined) {
      const n = codeNumber(raw);
      if (!Number.isFinite(n)) return undefined;
      if (p.opts.original) {
        code = set.byOriginal(vendor, n)?.code;
        if (code === undefined) return undefined;
      } else code = n;
    }
    if (code === undefined || code === 0) return undefined;
    if (p.opts.codes && !inRanges(code, p.opts.codes)) return undefined;
    const o = p.opts;
    if (o.context.length > 0 && (o.contextFor === undefined || inRanges(code, o.contextFor)) && !this.contextOk(p)) return undefined;
    for (let j = 0; j < p.route.length; j++) {
      const r = p.route[j]!;
      if (code >= r.min && code <= r.max) {
        vendor = r.vendor;
        break;
      }
    }
    const entry = set.entry(vendor, code);
    if (entry?.success) return undefined;
    if (o.known && entry === undefined) return undefined;
    return { vendor, code, via: p.id, at };
  }
}

/** The regex, or undefined if the runtime refuses it. */
function compiles(source: string, flags: string): RegExp | undefined {
  try {
    return new RegExp(source, flags);
  } catch {
    return undefined;
  }
}

const cache = new WeakMap<CatalogSet, CompiledExtractor>();

/**
 * Compiles every vendor's patterns and messages once (cached per catalog set), or restores them from the
 * build's snapshot when that was made from these very catalogs (snapshot.ts). `vendorsJson`: the caller's
 * JSON.stringify(set.vendors), when it has it.
 */
export function compileExtractor(set: CatalogSet, vendorsJson?: string): CompiledExtractor {
  let x = cache.get(set);
  if (!x) {
    x = prebuiltExtractor(set, vendorsJson) ?? new CompiledExtractor(set);
    cache.set(set, x);
  }
  return x;
}

export interface SampleResult {
  vendor: string;
  /** Pattern id, or `message` for the vendor's message samples (`extract.samples`). */
  pattern: string;
  line: string;
  expected: string[];
  actual: string[];
  ok: boolean;
}

/**
 * Runs every catalog sample through the whole extractor. A sample fails when it gives nothing, the wrong
 * thing, or more than expected; a positive sample also fails when its own pattern plays no part in it.
 */
export function checkSamples(set: CatalogSet): SampleResult[] {
  const x = compileExtractor(set);
  const out: SampleResult[] = [];
  const one = (vendor: string, pattern: string, s: PatternSample): void => {
    const detail = x.explain(s.line);
    const final = x.extract(s.line).map((h) => `${h.vendor}:${h.code}`);
    const expected = [...s.hits];
    const same = final.length === expected.length && [...final].sort().join('\n') === [...expected].sort().join('\n');
    const own =
      expected.length === 0 ||
      detail.some((f) => expected.includes(`${f.vendor}:${f.code}`) && (pattern === 'message' ? f.via === 'message' : f.via === pattern));
    out.push({ vendor, pattern, line: s.line, expected, actual: final, ok: same && own });
  };
  for (const cat of set.vendors) {
    for (const p of cat.patterns) for (const s of p.samples) one(cat.vendor, p.id, s);
    for (const s of vendorConfig(cat).samples) one(cat.vendor, 'message', s);
  }
  return out;
}

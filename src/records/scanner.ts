// The byte scanner behind the text fast path: finds the lines of a chunk that hold one of the extractor's
// prefilter literals, and counts newlines on the way, in WebAssembly SIMD.
//
// Why not the `candidate` regex: V8 runs a case-insensitive alternation of ~40 literals at 300-400 MB/s, the
// largest single cost of a scan. This is a "Teddy" filter (as in Hyperscan and Rust's aho-corasick): each
// literal gets a 4-byte fingerprint (its rarest 4 bytes in a sample of the input), the literals are spread
// over 8 buckets (16 for very many literals), and for every 16 input bytes eight nibble-table shuffles
// (sixteen) give the bucket mask of each position. Only positions with a bucket bit are verified: their
// 4 bytes, folded, are looked up in a hash table of the literals' windows, and only the literals under that
// window are compared byte by byte. A typical log runs at 1.5-2.5 GB/s on one core. Newlines are counted
// in the same pass.
//
// Weak literals (see src/extract/prefilter.ts) count only if their line also holds one of their required
// literals; the scanner checks that itself, once per line, so such lines never reach JavaScript.
//
// Results are exact whatever the fingerprints: they only decide how often verification runs.
import fs from 'node:fs';
import v8 from 'node:v8';
import type { PrefilterLiteral } from './types.js';
import { encodeModule, i32, op, v128, type Code } from './wasm.js';

// The few WebAssembly globals used here (the project's `lib` has no DOM types, where they are declared).
interface WasmInstance {
  exports: Record<string, unknown>;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => WasmInstance;
};

const OUT = 0;
const TAB = 64;
/** Window lookup: hash shift, slot mask, window length count, table address, then one mask per length. */
const HM = 320;
const RECS = 448;
const REC = 48;
const DATA = 65536;
/** Bytes one `load` takes; longer regions are scanned in slices. */
export const SCAN_CAPACITY = 1 << 20;
const PAGES = (DATA + SCAN_CAPACITY + 65536) / 65536;
/** Zero bytes after a loaded region: blocks read past its end see no data. */
const TAIL = 32;
const W = 4;
const MAX_LITERALS = 256;
const MAX_WEAK = 31;
/** Above this many literals, 16 buckets beat 8 (measured: even at 100, at 130 16 win, at 194 by 60%). */
const MANY_LITERALS = 112;
/** Bytes of the first data seen that fingerprints are chosen on. */
const SAMPLE = 16 * 1024;
/** Rounds of moving literals between buckets after the greedy placement (each ~5-10 ms, once per process). */
const PLAN_PASSES = 2;

interface Lit {
  bytes: number[];
  caseless: boolean;
  requires: Array<{ bytes: number[]; caseless: boolean }> | undefined;
}

/**
 * The scanner's functions: eqAt(p, lit, mask, len), contains(from, to, req), find(from, end), for one set
 * of nibble tables (8 buckets) or two (16 buckets: twice the shuffles, fewer false candidates).
 */
export function wasmModuleBytes(sets: 1 | 2, relaxed: boolean): Uint8Array {
  const { get, set, tee, load, load8, store } = op;
  const c = op.const;
  // eqAt(p, lit, mask, len) → 1 if the bytes at p equal lit after OR-ing mask (0x20 folds ASCII letters).
  const eqAt: Code = [
    c(0), set(4),
    op.block, op.loop,
    get(4), get(3), op.geS, op.if, c(1), op.return, op.end,
    get(0), get(4), op.add, load8(), get(2), get(4), op.add, load8(), op.or,
    get(1), get(4), op.add, load8(), op.ne, op.brIf(1),
    get(4), c(1), op.add, set(4), op.br(0),
    op.end, op.end,
    c(0),
  ];
  // contains(from, to, req) → 1 if the required literal at record `req` occurs in [from, to): its first
  // byte (folded like the literal's) is looked for 16 bytes at a time, then the rest compared.
  // locals: 3 len, 4 lit, 5 mask, 6 p, 7 last, 8 m, 9 lim; v128: 10 first byte, 11 its fold
  const contains: Code = [
    get(2), load(0), set(3), get(2), load(4), set(4), get(2), load(8), set(5),
    get(4), load8(), op.splat8, set(10), get(5), load8(), op.splat8, set(11),
    get(0), set(6), get(1), get(3), op.sub, set(7),
    op.block, op.loop,
    get(6), get(7), op.gtS, op.brIf(1),
    get(6), op.v128load(), get(11), op.vor, get(10), op.eq8, op.bitmask8, set(8),
    get(7), get(6), op.sub, c(1), op.add, tee(9), c(16), op.ltS, op.if,
    get(8), c(1), get(9), op.shl, c(1), op.sub, op.and, set(8),
    op.end,
    op.block, op.loop,
    get(8), op.eqz, op.brIf(1),
    get(6), get(8), op.ctz, op.add, get(4), get(5), get(3), op.call(0), op.if, c(1), op.return, op.end,
    get(8), get(8), c(1), op.sub, op.and, set(8),
    op.br(0),
    op.end, op.end,
    get(6), c(16), op.add, set(6), op.br(0),
    op.end, op.end,
    c(0),
  ];
  // lineEnd(p, end) → the first newline at or after p, or end. locals: 2 m, 3 lim
  const lineEnd: Code = [
    op.block, op.loop,
    get(0), get(1), op.geS, op.brIf(1),
    get(0), op.v128load(), c(10), op.splat8, op.eq8, op.bitmask8, set(2),
    get(1), get(0), op.sub, tee(3), c(16), op.ltS, op.if,
    get(2), c(1), get(3), op.shl, c(1), op.sub, op.and, set(2),
    op.end,
    get(2), op.if, get(0), get(2), op.ctz, op.add, op.return, op.end,
    get(0), c(16), op.add, set(0), op.br(0),
    op.end, op.end,
    get(1),
  ];
  // lineStart(s, from) → just past the last newline in [from, s), or from. locals: 2 b, 3 m
  const lineStart: Code = [
    op.block, op.loop,
    get(0), get(1), op.leS, op.brIf(1),
    get(0), c(16), op.sub, tee(2), op.v128load(), c(10), op.splat8, op.eq8, op.bitmask8, set(3),
    get(2), get(1), op.ltS, op.if,
    get(3), c(-1), get(1), get(2), op.sub, op.shl, op.and, set(3),
    op.end,
    get(3), op.if, get(2), c(32), get(3), op.clz, op.sub, op.add, op.return, op.end,
    get(2), set(0), op.br(0),
    op.end, op.end,
    get(1),
  ];
  // find(from, end): locals
  const [from, end, i, nl, cm, nlm, j, q, w, lim, k, kend, rec, s, wbit, cS, cE, chk, sat, r, rend, ci, key, h, e, mk, prevNlm] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
  ];
  const [v, acc, lo, hi, c15, c10, zero, accB, cur, p0, p1, p2, q0, q1, q2] = [27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41];
  // Set 0's nibble tables live in locals (8, from 42); set 1's are read from memory.
  const tl = (pos: number, half: number): number => 42 + pos * 2 + half;
  const swizzle = relaxed ? op.relaxedSwizzle : op.swizzle;
  const table = (set_: number, pos: number, half: number): Code =>
    set_ === 0 ? get(tl(pos, half)) : [c(0), op.v128load(TAB + set_ * 128 + pos * 32 + half * 16)];
  // Byte e's bucket bits as the k-th byte of a fingerprint: table k's entries for its two nibbles.
  const lookup = (set_: number, k: number): Code => [table(set_, k, 0), get(lo), swizzle, table(set_, k, 1), get(hi), swizzle, op.vand];
  // Lanes 16-n .. 31-n of (previous block, this block): each byte's bits from n bytes before it.
  const back = (n: number): Code => op.shuffle(Array.from({ length: 16 }, (_, x) => 16 - n + x));
  /**
   * One load a block (Hyperscan's Teddy): a fingerprint ending at byte e needs table 3 at e, table 2 at
   * e-1, table 1 at e-2 and table 0 at e-3, the earlier ones carried over from the previous block.
   */
  const lookups = (set_: number, out: number, prev: [number, number, number]): Code => [
    lookup(set_, 3), set(out),
    lookup(set_, 2), tee(cur), get(prev[2]), get(cur), back(1), get(out), op.vand, set(out), set(prev[2]),
    lookup(set_, 1), tee(cur), get(prev[1]), get(cur), back(2), get(out), op.vand, set(out), set(prev[1]),
    lookup(set_, 0), tee(cur), get(prev[0]), get(cur), back(3), get(out), op.vand, set(out), set(prev[0]),
  ];
  const any: Code = sets === 1 ? [get(acc)] : [get(acc), get(accB), op.vor];
  // Newlines before the fingerprint's start q = i + j - 3 (none in [q, s) as a literal spans it; a short
  // literal's fingerprint may run past its end, over newlines): in this block if j >= 3, else less those of
  // the previous block at or after q.
  const found: Code = [
    c(OUT),
    get(nl), get(nlm), c(1), get(j), c(3), op.sub, op.shl, c(1), op.sub, op.and, op.popcnt, op.add,
    get(nl), get(prevNlm), get(j), c(13), op.add, op.shrU, op.popcnt, op.sub,
    get(j), c(3), op.geS, op.select,
    store(), get(s), op.return,
  ];
  // The literals of one window entry, each checked where it would start: in range, the first 4 bytes
  // (folded, masked to the length), then the rest; a weak one also needs a required literal on its line.
  const literals: Code = [
    op.block, op.loop,
    get(k), get(kend), op.geS, op.brIf(1),
    get(k), load(), set(rec),
    get(q), get(rec), load(0), op.sub, set(s),
    get(s), get(from), op.geS, get(s), get(rec), load(4), op.add, get(end), op.leS, op.and, op.if,
    get(s), load(), get(rec), load(32), op.or, get(rec), load(36), op.and, get(rec), load(28), op.eq, op.if,
    get(s), get(rec), load(8), get(rec), load(12), get(rec), load(4), op.call(0), op.if,
    get(rec), load(16), tee(wbit), op.eqz, op.if, found, op.end,
    // A weak literal: does its line hold a required literal? Checked once per line and literal.
    get(s), get(cS), op.geS, get(s), get(cE), op.ltS, op.and, op.eqz, op.if,
    get(s), get(from), op.call(4), set(cS),
    get(s), get(end), op.call(3), set(cE),
    c(0), set(chk), c(0), set(sat),
    op.end,
    get(chk), get(wbit), op.and, op.eqz, op.if,
    get(chk), get(wbit), op.or, set(chk),
    get(rec), load(20), tee(r), get(rec), load(24), c(2), op.shl, op.add, set(rend),
    op.block, op.loop,
    get(r), get(rend), op.geS, op.brIf(1),
    get(cS), get(cE), get(r), load(), op.call(1), op.if, get(sat), get(wbit), op.or, set(sat), op.br(2), op.end,
    get(r), c(4), op.add, set(r), op.br(0),
    op.end, op.end,
    op.end,
    get(sat), get(wbit), op.and, op.if, found, op.end,
    op.end,
    op.end,
    op.end,
    get(k), c(4), op.add, set(k), op.br(0),
    op.end, op.end,
  ];
  // A position some bucket admits: its 4 bytes, ASCII letters folded (SWAR: exact wherever the bytes are
  // ASCII, as any literal's are), looked up under each window length the literals have. One hash probe
  // replaces comparing every literal of the position's buckets (~6 a position on genlog).
  const verify: Code = [
    get(q), load(), tee(w),
    c(0x3f3f3f3f), op.add, get(w), c(0x25252525), op.add, op.xor, c(0x80808080), op.and, c(2), op.shrU, get(w), op.or, set(w),
    c(0), set(ci),
    op.block, op.loop,
    get(ci), c(0), load(HM + 8), op.geS, op.brIf(1),
    get(w), get(ci), c(2), op.shl, load(HM + 16), tee(mk), op.and, tee(key),
    c(0x9e3779b1), op.mul, c(0), load(HM), op.shrU, set(h),
    op.block, op.loop,
    c(0), load(HM + 12), get(h), c(4), op.shl, op.add, tee(e), load(4), tee(kend), op.eqz, op.brIf(1),
    get(kend), get(mk), op.eq, get(e), load(0), get(key), op.eq, op.and, op.if,
    get(e), load(8), tee(k), get(e), load(12), c(2), op.shl, op.add, set(kend),
    literals,
    op.br(2),
    op.end,
    get(h), c(1), op.add, c(0), load(HM + 4), op.and, set(h),
    op.br(0),
    op.end, op.end,
    get(ci), c(1), op.add, set(ci), op.br(0),
    op.end, op.end,
  ];
  const find: Code = [
    c(0), set(nl), get(from), set(i), c(0), set(cS), c(0), set(cE), c(0), set(prevNlm),
    c(15), op.splat8, set(c15), c(10), op.splat8, set(c10), c(0), op.splat8, set(zero),
    ...[0, 1, 2, 3].flatMap((pos) => [0, 1].flatMap((half) => [c(0), op.v128load(TAB + pos * 32 + half * 16), set(tl(pos, half))])),
    get(zero), set(p0), get(zero), set(p1), get(zero), set(p2),
    get(zero), set(q0), get(zero), set(q1), get(zero), set(q2),
    op.block, op.loop,
    // Blocks run to end + 2: the last fingerprint starts at end - 1 (short literals see zeros after it).
    get(i), get(end), c(3), op.add, op.geS, op.brIf(1),
    get(end), get(i), op.sub, set(lim),
    get(i), op.v128load(), set(v),
    get(v), get(c15), op.vand, set(lo),
    get(v), c(4), op.shrU16, get(c15), op.vand, set(hi),
    get(v), get(c10), op.eq8, op.bitmask8, set(nlm),
    lookups(0, acc, [p0, p1, p2]),
    ...(sets === 1 ? [] : [lookups(1, accB, [q0, q1, q2])]),
    c(0), set(cm),
    any, op.anyTrue, op.if,
    any, get(zero), op.ne8, op.bitmask8, set(cm),
    op.end,
    get(lim), c(16), op.ltS, op.if,
    get(nlm), c(1), get(lim), c(0), get(lim), c(0), op.gtS, op.select, op.shl, c(1), op.sub, op.and, set(nlm),
    // A fingerprint ending at j starts at j - 3: it must start before end.
    get(cm), c(1), get(lim), c(3), op.add, op.shl, c(1), op.sub, op.and, set(cm),
    op.end,
    get(cm), op.if,
    op.loop,
    get(cm), op.ctz, set(j),
    get(i), get(j), op.add, c(3), op.sub, set(q),
    verify,
    get(cm), get(cm), c(1), op.sub, op.and, tee(cm), op.brIf(0),
    op.end,
    op.end,
    get(nl), get(nlm), op.popcnt, op.add, set(nl),
    get(nlm), set(prevNlm),
    get(i), c(16), op.add, set(i),
    op.br(0),
    op.end, op.end,
    c(OUT), get(nl), store(),
    c(-1),
  ];
  return encodeModule(
    [
      { params: [i32, i32, i32, i32], results: [i32], locals: [i32], body: eqAt },
      { params: [i32, i32, i32], results: [i32], locals: [i32, i32, i32, i32, i32, i32, i32, v128, v128], body: contains },
      { name: 'find', params: [i32, i32], results: [i32], locals: [...Array<number>(25).fill(i32), ...Array<number>(23).fill(v128)], body: find },
      { params: [i32, i32], results: [i32], locals: [i32, i32], body: lineEnd },
      { params: [i32, i32], results: [i32], locals: [i32, i32], body: lineStart },
    ],
    PAGES,
  );
}

/** Slots of the window table: a power of two, at least twice the literals (at most one window each). */
function windowSlots(literals: number): number {
  let n = 16;
  while (n < 2 * literals) n *= 2;
  return n;
}

/** 16 buckets pay for their second set of shuffles only when there are many literals to spread. */
function bucketSets(literals: number): 1 | 2 {
  return literals > MANY_LITERALS ? 2 : 1;
}

const compiled = new Map<number, object | null>();

function wasmModule(sets: 1 | 2, relaxed: boolean): object | undefined {
  const key = sets * 2 + (relaxed ? 1 : 0);
  let m = compiled.get(key);
  if (m === undefined) {
    const portable = compile(sets, false);
    // Relaxed SIMD only where SIMD itself works (so a runtime without it never sees the flag).
    m = (portable && relaxed ? compileRelaxed(sets) : undefined) ?? portable ?? null;
    compiled.set(key, m);
  }
  return m ?? undefined;
}

/** The module variants, by the key of their bytes in PREBUILT_WASM. */
export const WASM_VARIANTS: ReadonlyArray<{ key: string; sets: 1 | 2; relaxed: boolean }> = [
  { key: '8', sets: 1, relaxed: false },
  { key: '8-relaxed', sets: 1, relaxed: true },
  { key: '16', sets: 2, relaxed: false },
  { key: '16-relaxed', sets: 2, relaxed: true },
];

/**
 * The modules' bytes as the build wrote them (scripts/prebuild-wasm.mjs), beside the bundle only: assembling
 * them is ~7 ms of cold code at each reading thread's start-up. tsc's modules (tests, tools) find no file
 * here and assemble them, so a partial rebuild never pairs new code with old bytes.
 */
export const PREBUILT_WASM = new URL('./scanner-wasm.json', import.meta.url);

let prebuilt: Record<string, unknown> | null | undefined;

function prebuiltBytes(sets: 1 | 2, relaxed: boolean): Uint8Array | undefined {
  if (prebuilt === undefined) {
    try {
      prebuilt = JSON.parse(fs.readFileSync(PREBUILT_WASM, 'utf8')) as Record<string, unknown>;
    } catch {
      prebuilt = null;
    }
  }
  const key = WASM_VARIANTS.find((v) => v.sets === sets && v.relaxed === relaxed)!.key;
  const b64 = prebuilt?.[key];
  return typeof b64 === 'string' ? Buffer.from(b64, 'base64') : undefined;
}

/** Whether a module from the build's file compiled: then the file is sound. */
let fileWorks = false;

function compile(sets: 1 | 2, relaxed: boolean): object | undefined {
  const ready = prebuiltBytes(sets, relaxed);
  if (ready !== undefined) {
    const m = newModule(ready);
    if (m !== undefined) {
      fileWorks = true;
      return m;
    }
    // A relaxed module where a portable one of the file compiled (it is tried first): these bytes are the
    // assembler's too, and it is the runtime that lacks relaxed SIMD (before its flag is on).
    if (relaxed && fileWorks) return undefined;
  }
  return newModule(wasmModuleBytes(sets, relaxed));
}

function newModule(bytes: Uint8Array): object | undefined {
  try {
    return new WebAssembly.Module(bytes);
  } catch {
    // No WebAssembly SIMD (an old or restricted runtime): the regex path does the same work, slower.
    return undefined;
  }
}

let relaxedFlag = false;

/**
 * The relaxed-SIMD module, or undefined. Relaxed SIMD is standard and on by default from Node 22; Node 20's
 * V8 has it behind a flag, turned on here for modules compiled from now on. Without it, swizzles cost twice
 * the instructions.
 */
function compileRelaxed(sets: 1 | 2): object | undefined {
  const m = compile(sets, true);
  if (m !== undefined || relaxedFlag) return m;
  relaxedFlag = true;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return undefined;
  }
  return compile(sets, true);
}

const isLetter = (ch: number): boolean => (ch >= 97 && ch <= 122) || (ch >= 65 && ch <= 90);
const lower = (ch: number): number => (ch >= 65 && ch <= 90 ? ch + 32 : ch);

function toLit(l: PrefilterLiteral): Lit | undefined {
  const bytes = (s: string): number[] | undefined => {
    if (s.length === 0 || !/^[\x20-\x7e]+$/.test(s)) return undefined;
    return [...s].map((ch) => ch.charCodeAt(0));
  };
  const b = bytes(l.lit);
  if (!b) return undefined;
  let requires: Lit['requires'];
  if (l.requires !== undefined) {
    requires = [];
    for (const r of l.requires) {
      const rb = bytes(r.lit);
      if (!rb) return undefined;
      requires.push({ bytes: rb, caseless: r.caseless });
    }
    // A weak literal with nothing to require never counts; keep it strong rather than reason about that.
    if (requires.length === 0) requires = undefined;
  }
  return { bytes: b, caseless: l.caseless, requires };
}

/** Counts of 4-byte windows: open addressing over typed arrays (a Map of 32 K windows cost 15 ms and GC). */
class GramCounts {
  readonly keys: Uint32Array;
  readonly counts: Uint32Array;
  readonly used: Uint8Array;
  readonly order: number[] = [];
  private readonly mask: number;
  readonly shift: number;

  constructor(capacity: number) {
    let size = 1024;
    let bits = 10;
    while (size < capacity * 2) [size, bits] = [size * 2, bits + 1];
    this.shift = 32 - bits;
    this.keys = new Uint32Array(size);
    this.counts = new Uint32Array(size);
    this.used = new Uint8Array(size);
    this.mask = size - 1;
  }

  private slot(key: number): number {
    // Fibonacci hashing: the high bits of the product are the well-mixed ones.
    let h = Math.imul(key, 0x9e3779b1) >>> this.shift;
    for (;;) {
      h &= this.mask;
      if (this.used[h] === 0 || this.keys[h] === key) return h;
      h++;
    }
  }

  add(key: number, n = 1): void {
    const h = this.slot(key);
    if (this.used[h] === 0) {
      this.used[h] = 1;
      this.keys[h] = key;
      this.order.push(h);
    }
    this.counts[h]! += n;
  }

  get(key: number): number {
    const h = this.slot(key);
    return this.used[h] === 0 ? 0 : this.counts[h]!;
  }
}

/** The distinct 4-byte windows of a sample with their counts, exact and with ASCII letters folded to lowercase. */
interface Grams {
  b: Uint8Array[];
  count: Float64Array;
  /** Window indices by first byte, so a mask only looks at the windows its first position admits. */
  byFirst: number[][];
  exact: GramCounts;
  folded: GramCounts;
}

const pack = (a: number, b: number, c: number, d: number): number => (a | (b << 8) | (c << 16) | (d << 24)) >>> 0;

/** ASCII letters folded to lowercase, every other byte as it is. */
const LOWER = Uint8Array.from({ length: 256 }, (_, c) => lower(c));

function grams(sample: Uint8Array): Grams {
  // Planning runs once, mostly before V8 optimizes anything: the loops are kept plain, with no calls in
  // them (in the interpreter each call costs more than the work around it).
  const exact = new GramCounts(sample.length);
  const { keys, counts } = exact;
  const used = exact.used;
  const order = exact.order;
  const mask = keys.length - 1;
  const shift = exact.shift;
  let g = 0;
  for (let i = 0; i < sample.length; i++) {
    g = ((g >>> 8) | (sample[i]! << 24)) >>> 0;
    if (i < W - 1) continue;
    let h = Math.imul(g, 0x9e3779b1) >>> shift;
    while (used[h] !== 0 && keys[h] !== g) h = (h + 1) & mask;
    if (used[h] === 0) {
      used[h] = 1;
      keys[h] = g;
      order.push(h);
    }
    counts[h]!++;
  }
  const n = order.length;
  const folded = new GramCounts(n);
  const fk = folded.keys;
  const fc = folded.counts;
  const fu = folded.used;
  const fo = folded.order;
  const fmask = fk.length - 1;
  const fshift = folded.shift;
  const b0 = new Uint8Array(n);
  const b1 = new Uint8Array(n);
  const b2 = new Uint8Array(n);
  const b3 = new Uint8Array(n);
  const count = new Float64Array(n);
  const byFirst: number[][] = [];
  for (let c = 0; c < 256; c++) byFirst.push([]);
  for (let i = 0; i < n; i++) {
    const h = order[i]!;
    const key = keys[h]!;
    const c0 = key & 0xff;
    const c1 = (key >>> 8) & 0xff;
    const c2 = (key >>> 16) & 0xff;
    const c3 = key >>> 24;
    b0[i] = c0;
    b1[i] = c1;
    b2[i] = c2;
    b3[i] = c3;
    const k = counts[h]!;
    count[i] = k;
    // Windows seen once are most of the distinct ones but little of the text: judging buckets by the
    // repeated ones is ~3x cheaper and ranks them the same.
    if (k > 1) byFirst[c0]!.push(i);
    const f = (LOWER[c0]! | (LOWER[c1]! << 8) | (LOWER[c2]! << 16) | (LOWER[c3]! << 24)) >>> 0;
    let fh = Math.imul(f, 0x9e3779b1) >>> fshift;
    while (fu[fh] !== 0 && fk[fh] !== f) fh = (fh + 1) & fmask;
    if (fu[fh] === 0) {
      fu[fh] = 1;
      fk[fh] = f;
      fo.push(fh);
    }
    fc[fh]! += k;
  }
  return { b: [b0, b1, b2, b3], count, byFirst, exact, folded };
}

interface Plan {
  /** Fingerprint offset of each literal. */
  offsets: number[];
  tables: Uint8Array;
}

/**
 * A scanner's plan as another thread can take it (postMessage clones it): the literals it was made for
 * (`key`), the sample it was made on, and the plan itself. Planning is a pure function of the two, so a
 * scanner for the same literals adopts it for the same sample instead of planning again (~15 ms of a
 * reading thread's start).
 */
export interface SharedPlan {
  key: string;
  sample: Uint8Array;
  offsets: number[];
  tables: Uint8Array;
}

/**
 * Nibble masks of one bucket: entry k (0..3) has bit n set when low nibble n is admitted at fingerprint
 * position k, entry 4 + k the same for high nibbles.
 */
type Masks = number[];

const noMasks = (): Masks => [0, 0, 0, 0, 0, 0, 0, 0];

function union(a: Masks, b: Masks): Masks {
  const m = noMasks();
  for (let k = 0; k < 8; k++) m[k] = a[k]! | b[k]!;
  return m;
}

/**
 * Fingerprints and buckets, judged on a sample of the input: each literal takes its window that occurs
 * least in the sample (rarest bytes on a tie), and goes to the bucket where it adds the fewest
 * verifications (sample windows its bucket would admit, plus what random bytes would); then `passes` rounds
 * move single literals to where they cost less. Planning runs once, mostly before V8 optimizes it, so its
 * loops are kept plain.
 */
function plan(lits: Lit[], sample: Uint8Array, passes: number, BUCKETS: number): Plan {
  const g = grams(sample);
  const variants = (ch: number, caseless: boolean): number[] => (caseless && isLetter(ch) ? [lower(ch), lower(ch) - 32] : [ch]);
  const [g1, g2, g3, count] = [g.b[1]!, g.b[2]!, g.b[3]!, g.count];
  const admits = (m: Masks): number => {
    let total = 0;
    const l0 = m[0]!;
    const h0 = m[4]!;
    const l1 = m[1]!;
    const h1 = m[5]!;
    const l2 = m[2]!;
    const h2 = m[6]!;
    const l3 = m[3]!;
    const h3 = m[7]!;
    for (let first = 0; first < 256; first++) {
      if (((h0 >> (first >> 4)) & 1) === 0) {
        first |= 15; // no first byte with this high nibble
        continue;
      }
      if (((l0 >> (first & 15)) & 1) === 0) continue;
      const list = g.byFirst[first]!;
      for (let j = 0; j < list.length; j++) {
        const i = list[j]!;
        const b = g1[i]!;
        const c = g2[i]!;
        const d = g3[i]!;
        if ((l1 >> (b & 15)) & 1 && (h1 >> (b >> 4)) & 1 && (l2 >> (c & 15)) & 1 && (h2 >> (c >> 4)) & 1 && (l3 >> (d & 15)) & 1 && (h3 >> (d >> 4)) & 1) {
          total += count[i]!;
        }
      }
    }
    return total;
  };
  const window = (l: Lit, o: number): Masks => {
    const m = noMasks();
    for (let k = 0; k < W; k++) {
      if (o + k >= l.bytes.length) {
        m[k] = 0xffff;
        m[4 + k] = 0xffff;
        continue;
      }
      for (const ch of variants(l.bytes[o + k]!, l.caseless)) {
        m[k]! |= 1 << (ch & 15);
        m[4 + k]! |= 1 << (ch >> 4);
      }
    }
    return m;
  };
  // How often a window occurs in the sample: one look-up for a full window, a pass for a short literal.
  const occurs = (l: Lit, o: number): number => {
    const bs = l.bytes;
    if (o + W <= bs.length) {
      const key = l.caseless
        ? pack(LOWER[bs[o]!]!, LOWER[bs[o + 1]!]!, LOWER[bs[o + 2]!]!, LOWER[bs[o + 3]!]!)
        : pack(bs[o]!, bs[o + 1]!, bs[o + 2]!, bs[o + 3]!);
      return (l.caseless ? g.folded : g.exact).get(key);
    }
    return admits(window(l, o));
  };
  // Byte frequencies break ties between windows the sample never shows: rarer bytes admit less noise.
  const uni = new Float64Array(256).fill(1);
  for (let i = 0; i < sample.length; i++) uni[sample[i]!]!++;
  const rarity = (l: Lit, o: number): number => {
    let r = 0;
    const end = Math.min(o + W, l.bytes.length);
    for (let k = o; k < end; k++) {
      const ch = l.bytes[k]!;
      // Both cases of a caseless letter (the sum in the order `variants` gives them).
      r += Math.log(l.caseless && isLetter(ch) ? uni[lower(ch)]! + uni[lower(ch) - 32]! : uni[ch]!);
    }
    return r;
  };
  const offsets = lits.map((l) => {
    let best = 0;
    let bestCount = Infinity;
    let bestRarity = Infinity;
    for (let o = 0; o + Math.min(W, l.bytes.length) <= l.bytes.length; o++) {
      const c = occurs(l, o);
      const r = rarity(l, o);
      if (c < bestCount || (c === bestCount && r < bestRarity)) {
        bestCount = c;
        bestRarity = r;
        best = o;
      }
    }
    return best;
  });
  const windows = lits.map((l, li) => window(l, offsets[li]!));
  const masksOf = (list: number[]): Masks => {
    let m = noMasks();
    for (const li of list) m = union(m, windows[li]!);
    return m;
  };
  // What the sample shows, plus what uniformly random bytes would let through: a bucket's masks grow
  // wide long before a small sample shows it, and literals the sample never has would all pile up in one.
  const popcount = (x: number): number => {
    // 16-bit masks: the bit-parallel count, no loop.
    x -= (x >> 1) & 0x5555;
    x = (x & 0x3333) + ((x >> 2) & 0x3333);
    x = (x + (x >> 4)) & 0x0f0f;
    return (x + (x >> 8)) & 0x1f;
  };
  const width = (m: Masks): number => {
    let p = 1;
    for (let k = 0; k < W; k++) p *= (popcount(m[k]!) * popcount(m[4 + k]!)) / 256;
    return p * sample.length;
  };
  // A bucket costs the positions it admits: each is one window lookup (see `verify`), however many literals
  // share the bucket. (Weighting by its literals, as when each was compared in turn, admitted 8-12% more
  // positions on genlog from nine samples and on the 16 loghub heads.)
  const costWith = (m: Masks, n: number): number => (n === 0 ? 0 : admits(m) + width(m) + 1);
  const buckets: number[][] = Array.from({ length: BUCKETS }, () => []);
  const masks: Masks[] = Array.from({ length: BUCKETS }, noMasks);
  const cost: number[] = Array.from({ length: BUCKETS }, () => 0);
  // Short literals first (they admit the most), then the rest; each to its cheapest bucket.
  const order = lits.map((_, i) => i).sort((a, b) => lits[a]!.bytes.length - lits[b]!.bytes.length || a - b);
  for (const li of order) {
    let best = 0;
    let bestDelta = Infinity;
    let bestCost = 0;
    let bestMasks = masks[0]!;
    for (let bi = 0; bi < BUCKETS; bi++) {
      const m = union(masks[bi]!, windows[li]!);
      const c = costWith(m, buckets[bi]!.length + 1);
      if (c - cost[bi]! < bestDelta) {
        bestDelta = c - cost[bi]!;
        best = bi;
        bestCost = c;
        bestMasks = m;
      }
    }
    buckets[best]!.push(li);
    masks[best] = bestMasks;
    cost[best] = bestCost;
  }
  for (let pass = 0; pass < passes; pass++) {
    let moved = false;
    for (const li of order) {
      const from = buckets.findIndex((b) => b.includes(li));
      const rest = buckets[from]!.filter((x) => x !== li);
      const restMasks = masksOf(rest);
      const restCost = costWith(restMasks, rest.length);
      let to = -1;
      let toCost = 0;
      let toMasks = masks[0]!;
      let gain = 0;
      for (let bi = 0; bi < BUCKETS; bi++) {
        if (bi === from) continue;
        const m = union(masks[bi]!, windows[li]!);
        const c = costWith(m, buckets[bi]!.length + 1);
        const saved = cost[from]! - restCost - (c - cost[bi]!);
        if (saved > gain) {
          to = bi;
          toCost = c;
          toMasks = m;
          gain = saved;
        }
      }
      if (to < 0) continue;
      [buckets[from], masks[from], cost[from]] = [rest, restMasks, restCost];
      buckets[to]!.push(li);
      [masks[to], cost[to]] = [toMasks, toCost];
      moved = true;
    }
    if (!moved) break;
  }
  const tables = new Uint8Array((BUCKETS / 8) * W * 32);
  masks.forEach((m, bi) => {
    const base = (bi >> 3) * W * 32;
    const bit = 1 << (bi & 7);
    for (let k = 0; k < W; k++) {
      for (let x = 0; x < 16; x++) {
        if ((m[k]! >> x) & 1) tables[base + k * 32 + x]! |= bit;
        if ((m[4 + k]! >> x) & 1) tables[base + k * 32 + 16 + x]! |= bit;
      }
    }
  });
  return { offsets, tables };
}

/**
 * Finds candidate lines in byte chunks. One instance per literal set is shared by every reader of the
 * process: `load` and the `next` calls that follow it run synchronously, so readers never interleave.
 */
export class LiteralScanner {
  /** Newlines counted by the last `next` (from its start to the literal's line, or to the end). */
  newlines = 0;
  private readonly mem: Uint8Array;
  private readonly out: Int32Array;
  private readonly find: (from: number, end: number) => number;
  private planned = false;
  /** The plan and the sample it was made on, for `sharedPlan`. */
  private made: { plan: Plan; sample: Uint8Array } | undefined;
  private len = 0;
  /** Address of the loaded region in memory: DATA, or where an in-place region starts. */
  private base = DATA;
  /** The bytes an in-place load zeroed after its region, and where (-1: none). */
  private readonly saved = new Uint8Array(TAIL);
  private savedAt = -1;

  private constructor(
    private readonly lits: Lit[],
    private readonly buckets: number,
    instance: WasmInstance,
  ) {
    const buf = (instance.exports.mem as { buffer: ArrayBuffer }).buffer;
    this.mem = new Uint8Array(buf);
    this.out = new Int32Array(buf, 0, 4);
    this.find = instance.exports.find as (from: number, end: number) => number;
  }

  /** A scanner for these literals, or undefined when they do not suit it (then use the regex). */
  /** @param relaxed use relaxed SIMD where the runtime has it (false: the portable module, for tests). */
  static create(spec: readonly PrefilterLiteral[], relaxed = true): LiteralScanner | undefined {
    if (spec.length === 0 || spec.length > MAX_LITERALS) return undefined;
    const lits: Lit[] = [];
    let weak = 0;
    for (const l of spec) {
      const lit = toLit(l);
      if (!lit) return undefined;
      if (lit.requires && ++weak > MAX_WEAK) lit.requires = undefined;
      lits.push(lit);
    }
    const sets = bucketSets(lits.length);
    const mod = wasmModule(sets, relaxed);
    if (!mod) return undefined;
    const s = new LiteralScanner(lits, 8 * sets, new WebAssembly.Instance(mod, {}));
    return s.layout() ? s : undefined;
  }

  /** Writes the literal records; false if they do not fit below the data area. */
  private layout(): boolean {
    const dv = new DataView(this.mem.buffer);
    let bytesAt = RECS + this.lits.length * REC;
    const reqCount = this.lits.reduce((n, l) => n + (l.requires?.length ?? 0), 0);
    let reqAt = bytesAt;
    bytesAt += reqCount * 16;
    let listAt = bytesAt;
    // Requirement lists, then the window table's literal lists and the table itself (see plan()).
    bytesAt += reqCount * 4 + this.lits.length * 4 + 16 + windowSlots(this.lits.length) * 16;
    const text = (bytes: number[], caseless: boolean): [number, number] => {
      const lit = bytesAt;
      const mask = bytesAt + bytes.length;
      bytesAt += 2 * bytes.length;
      if (bytesAt > DATA - 64) return [0, 0];
      bytes.forEach((ch, k) => {
        const fold = caseless && isLetter(ch);
        this.mem[lit + k] = fold ? lower(ch) : ch;
        this.mem[mask + k] = fold ? 0x20 : 0;
      });
      return [lit, mask];
    };
    let weakBit = 0;
    for (const [n, l] of this.lits.entries()) {
      const rec = RECS + n * REC;
      const [lit, mask] = text(l.bytes, l.caseless);
      dv.setInt32(rec + 4, l.bytes.length, true);
      dv.setInt32(rec + 8, lit, true);
      dv.setInt32(rec + 12, mask, true);
      dv.setInt32(rec + 16, l.requires ? 1 << weakBit++ : 0, true);
      dv.setInt32(rec + 20, listAt, true);
      dv.setInt32(rec + 24, l.requires?.length ?? 0, true);
      for (const r of l.requires ?? []) {
        const [rl, rm] = text(r.bytes, r.caseless);
        dv.setInt32(reqAt, r.bytes.length, true);
        dv.setInt32(reqAt + 4, rl, true);
        dv.setInt32(reqAt + 8, rm, true);
        dv.setInt32(listAt, reqAt, true);
        reqAt += 16;
        listAt += 4;
      }
    }
    return bytesAt <= DATA - 64;
  }

  /** Fingerprints from the first data seen; `listAt` area after the requirement lists holds bucket lists. */
  private plan(sample: Uint8Array): void {
    const p = plan(this.lits, sample, PLAN_PASSES, this.buckets);
    this.made = { plan: p, sample: Uint8Array.from(sample) };
    this.apply(p);
  }

  /** Identity of the literals (bytes, case and requirements): plans are shared only between equal keys. */
  private key(): string {
    const one = (l: { bytes: number[]; caseless: boolean }): string => `${l.caseless ? 'i' : 's'}${l.bytes.join('.')}`;
    return `${this.buckets}:${this.lits.map((l) => `${one(l)}${(l.requires ?? []).map((r) => `+${one(r)}`).join('')}`).join('|')}`;
  }

  /** This scanner's plan for another thread, once it has planned (see SharedPlan). */
  sharedPlan(): SharedPlan | undefined {
    const m = this.made;
    return m === undefined ? undefined : { key: this.key(), sample: m.sample, offsets: m.plan.offsets, tables: m.plan.tables };
  }

  /**
   * Takes another scanner's plan when it was made for the same literals on the same sample as
   * `prepare(sample)` would use (the result is then the same): true if taken.
   */
  adoptPlan(shared: SharedPlan, sample: Uint8Array): boolean {
    if (this.planned) return false;
    const own = sample.subarray(0, SAMPLE);
    if (own.length === 0 || !Buffer.from(own.buffer, own.byteOffset, own.byteLength).equals(shared.sample) || shared.key !== this.key()) return false;
    if (shared.offsets.length !== this.lits.length) return false;
    const p: Plan = { offsets: shared.offsets, tables: shared.tables };
    this.made = { plan: p, sample: Uint8Array.from(own) };
    this.apply(p);
    return true;
  }

  private apply(p: Plan): void {
    const dv = new DataView(this.mem.buffer);
    this.mem.set(p.tables, TAB);
    p.offsets.forEach((o, n) => {
      const rec = RECS + n * REC;
      dv.setInt32(rec, o, true);
      // The first (up to) 4 bytes of the literal as one little-endian word, with its fold and length masks.
      const len = Math.min(4, this.lits[n]!.bytes.length);
      const keep = len === 4 ? -1 : (1 << (8 * len)) - 1;
      dv.setInt32(rec + 28, dv.getInt32(dv.getInt32(rec + 8, true), true) & keep, true);
      dv.setInt32(rec + 32, dv.getInt32(dv.getInt32(rec + 12, true), true) & keep, true);
      dv.setInt32(rec + 36, keep, true);
    });
    // Each literal under its fingerprint window (folded, masked to its length): an open-addressing table of
    // [window, length mask, list address, count], after the window lists, which follow the requirement lists.
    let at = RECS + this.lits.length * REC;
    const reqCount = this.lits.reduce((n, l) => n + (l.requires?.length ?? 0), 0);
    at += reqCount * 16 + reqCount * 4;
    const windows = new Map<string, { key: number; mask: number; lits: number[] }>();
    const masks: number[] = [];
    p.offsets.forEach((o, n) => {
      const l = this.lits[n]!;
      const len = Math.min(W, l.bytes.length - o);
      const mask = len === 4 ? -1 : (1 << (8 * len)) - 1;
      let key = 0;
      for (let b = 0; b < len; b++) key |= LOWER[l.bytes[o + b]!]! << (8 * b);
      key &= mask;
      const id = `${key}/${mask}`;
      let win = windows.get(id);
      if (win === undefined) windows.set(id, (win = { key, mask, lits: [] }));
      win.lits.push(n);
      if (!masks.includes(mask)) masks.push(mask);
    });
    // Longest windows first: the usual case is then decided by the first probe.
    masks.sort((a, b) => (b >>> 0) - (a >>> 0));
    const slots = windowSlots(this.lits.length);
    const bits = Math.log2(slots);
    const tableAt = (at + this.lits.length * 4 + 15) & ~15;
    this.mem.fill(0, tableAt, tableAt + slots * 16);
    for (const win of windows.values()) {
      const listAt = at;
      for (const n of win.lits) {
        dv.setInt32(at, RECS + n * REC, true);
        at += 4;
      }
      let h = Math.imul(win.key, 0x9e3779b1) >>> (32 - bits);
      while (dv.getInt32(tableAt + h * 16 + 4, true) !== 0) h = (h + 1) & (slots - 1);
      dv.setInt32(tableAt + h * 16, win.key, true);
      dv.setInt32(tableAt + h * 16 + 4, win.mask, true);
      dv.setInt32(tableAt + h * 16 + 8, listAt, true);
      dv.setInt32(tableAt + h * 16 + 12, win.lits.length, true);
    }
    dv.setInt32(HM, 32 - bits, true);
    dv.setInt32(HM + 4, slots - 1, true);
    dv.setInt32(HM + 8, masks.length, true);
    dv.setInt32(HM + 12, tableAt, true);
    masks.forEach((m, x) => dv.setInt32(HM + 16 + 4 * x, m, true));
    this.planned = true;
  }

  /** Plans the fingerprints on `sample` now (a thread with time to spare), unless already planned. */
  prepare(sample: Uint8Array): void {
    if (!this.planned && sample.length > 0) this.plan(sample.subarray(0, SAMPLE));
  }

  /**
   * A buffer over the scanner's own input area, for a reader that reads into it: its regions are then
   * scanned where they lie, not copied first (one pass less over each byte, and the bytes are still in cache).
   * Valid until the next `load` of another buffer; undefined if `size` exceeds SCAN_CAPACITY.
   */
  inputArea(size: number): Buffer | undefined {
    return size > 0 && size <= SCAN_CAPACITY ? Buffer.from(this.mem.buffer, DATA, size) : undefined;
  }

  /**
   * Takes buf[start, end) (at most SCAN_CAPACITY bytes); `next` offsets are relative to `start`. Call
   * `release` when done with the region: a region of `inputArea` had the bytes after it zeroed.
   */
  load(buf: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n > SCAN_CAPACITY) throw new RangeError(`scanner load of ${n} bytes exceeds ${SCAN_CAPACITY}`);
    this.release();
    if (!this.planned) this.plan(buf.subarray(start, Math.min(end, start + SAMPLE)));
    if (buf.buffer === this.mem.buffer && buf.byteOffset + end <= DATA + SCAN_CAPACITY && buf.byteOffset >= DATA) {
      this.base = buf.byteOffset + start;
      this.savedAt = this.base + n;
      this.saved.set(this.mem.subarray(this.savedAt, this.savedAt + TAIL));
    } else {
      this.base = DATA;
      this.mem.set(buf.subarray(start, end), DATA);
    }
    this.mem.fill(0, this.base + n, this.base + n + TAIL);
    this.len = n;
  }

  /** Puts back the bytes an in-place `load` zeroed (the start of the line that continues in the next chunk). */
  release(): void {
    if (this.savedAt < 0) return;
    this.mem.set(this.saved, this.savedAt);
    this.savedAt = -1;
  }

  /**
   * The offset of the next candidate literal at or after `from` (which must be a line start), or -1;
   * `newlines` is then the number of newlines from `from` to that literal (or to the end).
   */
  next(from: number): number {
    const s = this.find(this.base + from, this.base + this.len);
    this.newlines = this.out[OUT]!;
    return s < 0 ? -1 : s - this.base;
  }
}

const cache = new WeakMap<readonly PrefilterLiteral[], LiteralScanner | null>();
const bySource = new Map<string, LiteralScanner | null>();

/**
 * The scanner for an extractor: from its `prefilter` literals, else from its `candidate` regex when that is a
 * plain alternation of printable-ASCII literals; undefined when neither works (the reader then uses the regex).
 */
export function scannerFor(x: { candidate: RegExp; prefilter?: readonly PrefilterLiteral[] }): LiteralScanner | undefined {
  if (x.prefilter !== undefined) {
    let s = cache.get(x.prefilter);
    if (s === undefined) cache.set(x.prefilter, (s = LiteralScanner.create(x.prefilter) ?? null));
    return s ?? undefined;
  }
  const key = `${x.candidate.flags}/${x.candidate.source}`;
  let s = bySource.get(key);
  if (s === undefined) {
    s = null;
    const flags = x.candidate.flags.replace(/[gy]/g, '');
    const alts = x.candidate.source.split('|');
    const lits = alts.map((a) => a.replace(/\\([^A-Za-z0-9])/g, '$1'));
    // Only a plain alternation of literals: no metacharacters left once escapes are undone.
    const plain = (flags === '' || flags === 'i') && alts.every((a) => /^(?:[^\\.*+?^${}()|[\]]|\\[^A-Za-z0-9])+$/.test(a));
    if (plain) s = LiteralScanner.create(lits.map((lit) => ({ lit, caseless: flags === 'i' }))) ?? null;
    if (bySource.size < 64) bySource.set(key, s);
  }
  return s ?? undefined;
}

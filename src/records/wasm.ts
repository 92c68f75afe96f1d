// A minimal WebAssembly encoder: just enough to emit the byte scanner (scanner.ts) from TypeScript, so the
// project ships no binary blob and needs no toolchain. Instructions are byte arrays; nested arrays flatten.

export type Code = number | Code[];

export const i32 = 0x7f;
export const v128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export function flat(c: Code): number[] {
  const out: number[] = [];
  const walk = (x: Code): void => {
    if (typeof x === 'number') out.push(x);
    else for (const y of x) walk(y);
  };
  walk(c);
  return out;
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
const name = (s: string): number[] => vec([...Buffer.from(s, 'ascii')].map((b) => [b]));

export interface Func {
  name?: string;
  params: number[];
  results: number[];
  /** Types of the locals after the parameters. */
  locals: number[];
  body: Code;
}

/** A module with one exported memory (`mem`, `pages` × 64 KiB) and the given functions (exported if named). */
export function encodeModule(funcs: Func[], pages: number): Uint8Array {
  const types = section(1, vec(funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))])));
  const decl = section(3, vec(funcs.map((_, i) => uleb(i))));
  const mem = section(5, vec([[0x00, ...uleb(pages)]]));
  const exports: number[][] = [[...name('mem'), 0x02, 0]];
  funcs.forEach((f, i) => {
    if (f.name !== undefined) exports.push([...name(f.name), 0x00, ...uleb(i)]);
  });
  const code = section(
    10,
    vec(
      funcs.map((f) => {
        const body = [...vec(f.locals.map((t) => [1, t])), ...flat(f.body), 0x0b];
        return [...uleb(body.length), ...body];
      }),
    ),
  );
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...types, ...decl, ...mem, ...section(7, vec(exports)), ...code]);
}

const simd = (op: number): number[] => [0xfd, ...uleb(op)];

/** The instructions the scanner uses (names as in the text format). */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  br: (depth: number): number[] => [0x0c, ...uleb(depth)],
  brIf: (depth: number): number[] => [0x0d, ...uleb(depth)],
  return: [0x0f],
  call: (fn: number): number[] => [0x10, ...uleb(fn)],
  get: (local: number): number[] => [0x20, ...uleb(local)],
  set: (local: number): number[] => [0x21, ...uleb(local)],
  tee: (local: number): number[] => [0x22, ...uleb(local)],
  const: (n: number): number[] => [0x41, ...sleb(n | 0)],
  load: (offset = 0): number[] => [0x28, 2, ...uleb(offset)],
  load8: (offset = 0): number[] => [0x2d, 0, ...uleb(offset)],
  store: (offset = 0): number[] => [0x36, 2, ...uleb(offset)],
  select: [0x1b],
  eqz: [0x45],
  eq: [0x46],
  ne: [0x47],
  ltS: [0x48],
  leS: [0x4c],
  geS: [0x4e],
  gtS: [0x4a],
  clz: [0x67],
  ctz: [0x68],
  xor: [0x73],
  popcnt: [0x69],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  and: [0x71],
  or: [0x72],
  shl: [0x74],
  shrU: [0x76],
  v128load: (offset = 0): number[] => [...simd(0x00), 0, ...uleb(offset)],
  v128store: (offset = 0): number[] => [...simd(0x0b), 0, ...uleb(offset)],
  swizzle: simd(0x0e),
  /** i8x16.relaxed_swizzle: like swizzle for indices below 16 (one pshufb on x64, where swizzle needs two). */
  relaxedSwizzle: simd(0x100),
  /** i8x16.shuffle of two vectors by 16 constant lane indices (0-15 the first, 16-31 the second). */
  shuffle: (lanes: number[]): number[] => [...simd(0x0d), ...lanes],
  splat8: simd(0x0f),
  eq8: simd(0x23),
  ne8: simd(0x24),
  vand: simd(0x4e),
  vor: simd(0x50),
  anyTrue: simd(0x53),
  bitmask8: simd(0x64),
  shrU16: simd(0x8d),
};

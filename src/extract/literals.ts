// Every occurrence of a set of ASCII literals in a line, ASCII case ignored, in one pass and without
// allocating: an Aho-Corasick automaton flattened into a transition table over the characters they use. It
// replaces a case-insensitive regex alternation run again after each match, which made a match object per
// literal found, on every hit line.

/** Codes below this are ASCII; a line's other characters match no literal and restart the automaton. */
const ALPHABET = 128;

export class LiteralMatcher {
  /**
   * Class of each ASCII code: the characters the literals use get one each (letters folded to lowercase),
   * every other character class 0, which leads back to the start. Keeps the table small enough for cache.
   */
  readonly classes = new Uint8Array(ALPHABET);
  /** Classes per state: the width of a row of `delta`. */
  readonly width: number;
  /**
   * Next step: `delta[(step >> 1) + classes[code]]`, from step 0 at the start. A step is the next state's row
   * offset (state * width) shifted left once, its low bit set when literals end in that state: the loop then
   * needs no multiply and no second load per character, and states are numbered breadth first, so the
   * shallow ones most characters lead to share a few cache lines.
   */
  readonly delta: Int32Array;
  /** Literals ending in a state: `ids[out[state] .. out[state + 1])`, suffixes included. */
  readonly out: Int32Array;
  readonly ids: Int32Array;
  /** Length of each literal, to find where an occurrence starts from where it ends. */
  readonly lengths: Int32Array;

  /** @param literals lowercase, printable ASCII, non-empty (checked where catalogs are loaded). */
  constructor(literals: readonly string[]) {
    let width = 1;
    for (const lit of literals) {
      for (let i = 0; i < lit.length; i++) {
        const c = fold(lit.charCodeAt(i));
        if (this.classes[c] === 0) this.classes[c] = width++;
      }
    }
    for (let c = 65; c <= 90; c++) this.classes[c] = this.classes[c + 32]!;
    this.width = width;
    // The trie, in typed arrays (a thread builds this before its first line: kept cheap for cold code).
    const most = literals.reduce((n, l) => n + l.length, 1);
    const go = new Int32Array(most * width).fill(-1);
    const ends: Array<number[] | undefined> = [];
    let states = 1;
    literals.forEach((lit, id) => {
      let s = 0;
      for (let i = 0; i < lit.length; i++) {
        const c = this.classes[fold(lit.charCodeAt(i))]!;
        let t = go[s * width + c]!;
        if (t < 0) go[s * width + c] = t = states++;
        s = t;
      }
      (ends[s] ??= []).push(id);
    });
    // Trie states renumbered breadth first (`rank`): the start is 0, and a state's failure link (a shorter
    // state) is complete before the state itself.
    const next = new Int32Array(states * width);
    const fail = new Int32Array(states);
    const order = new Int32Array(states);
    const rank = new Int32Array(states);
    let queued = 1;
    for (let k = 0; k < queued; k++) {
      const s = order[k]!;
      rank[s] = k;
      if (k > 0) {
        const inherited = ends[fail[s]!];
        if (inherited !== undefined) (ends[s] ??= []).push(...inherited);
      }
      const row = s * width;
      const failRow = fail[s]! * width;
      // Class 0 (no literal's character) stays 0: back to the start.
      for (let c = 1; c < width; c++) {
        const t = go[row + c]!;
        if (t < 0) next[row + c] = k === 0 ? 0 : next[failRow + c]!;
        else {
          fail[t] = k === 0 ? 0 : next[failRow + c]!;
          next[row + c] = t;
          order[queued++] = t;
        }
      }
    }
    this.out = new Int32Array(states + 1);
    let n = 0;
    for (let k = 0; k < states; k++) {
      this.out[k] = n;
      n += ends[order[k]!]?.length ?? 0;
    }
    this.out[states] = n;
    this.ids = new Int32Array(n);
    for (let k = 0, j = 0; k < states; k++) for (const id of ends[order[k]!] ?? []) this.ids[j++] = id;
    this.delta = new Int32Array(states * width);
    for (let k = 0; k < states; k++) {
      const row = order[k]! * width;
      for (let c = 1; c < width; c++) {
        const t = rank[next[row + c]!]!;
        this.delta[k * width + c] = ((t * width) << 1) | (this.out[t] !== this.out[t + 1] ? 1 : 0);
      }
    }
    this.lengths = Int32Array.from(literals, (l) => l.length);
  }
}

/** ASCII letters to lowercase; the automaton's input alphabet. */
export function fold(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Every (literal id, start) in `line`, in order of end position: for tests and tools; run() inlines this loop. */
export function occurrences(m: LiteralMatcher, line: string): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  let step = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c >= ALPHABET) {
      step = 0;
      continue;
    }
    step = m.delta[(step >> 1) + m.classes[c]!]!;
    const s = (step >> 1) / m.width;
    for (let k = m.out[s]!; k < m.out[s + 1]!; k++) {
      const id = m.ids[k]!;
      found.push([id, i - m.lengths[id]! + 1]);
    }
  }
  return found;
}

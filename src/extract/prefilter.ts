// The byte scanner's view of the extractor (src/records/scanner.ts): which literals make a line worth
// extracting. An anchor that asks for message matching is *strong*: finding it makes the line a candidate.
// An anchor that only triggers patterns is *weak* when each of those patterns' regexes must match some
// literal text of its own (`license` only triggers the DLS `-20xxx` pattern, which cannot match without
// `-20`): the line is a candidate only if it also holds one of those literals. Without that, `license` in
// every stack frame of `com.example.license.Client` sent ~16% of a typical log through `extract`.
//
// Exactness: a weak anchor's line that holds none of its patterns' required literals gets no hit from
// those patterns, and it triggers nothing else, so skipping it changes no result.
import type { PrefilterLiteral, RequiredLiteral } from '../records/types.js';

/** Case-insensitive ASCII only: with `u`/`v`, `/i` also matches non-ASCII (K, ſ), which bytes would miss. */
function caseless(flags: string): boolean | undefined {
  if (!flags.includes('i')) return false;
  return flags.includes('u') || flags.includes('v') ? undefined : true;
}

/** Index just past the group or class that opens at `i` (`(` or `[`), or -1 if unbalanced. */
function skipGroup(src: string, i: number): number {
  let depth = 0;
  for (let k = i; k < src.length; k++) {
    const c = src[k];
    if (c === '\\') k++;
    else if (c === '[') {
      k = skipClass(src, k) - 1;
      if (k < 0) return -1;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return k + 1;
  }
  return -1;
}

function skipClass(src: string, i: number): number {
  for (let k = i + 1; k < src.length; k++) {
    if (src[k] === '\\') k++;
    else if (src[k] === ']') return k + 1;
  }
  return -1;
}

/** A quantifier at `i`: its length and whether it allows zero repetitions; undefined if none. */
function quantifier(src: string, i: number): { len: number; optional: boolean } | undefined {
  const c = src[i];
  let len = 0;
  let optional = false;
  if (c === '?' || c === '*') [len, optional] = [1, true];
  else if (c === '+') len = 1;
  else if (c === '{') {
    const m = /^\{(\d+)(?:,\d*)?\}/.exec(src.slice(i));
    if (!m) return undefined;
    [len, optional] = [m[0].length, Number(m[1]) === 0];
  } else return undefined;
  if (src[i + len] === '?') len++;
  return { len, optional };
}

/**
 * Literal runs that every match of the regex contains (from its top-level sequence, and groups that are
 * neither optional nor alternated), or undefined when the source is not understood. Conservative: an
 * escape, class, assertion or quantifier ends a run.
 */
export function requiredLiterals(source: string, flags: string): RequiredLiteral[] | undefined {
  const fold = caseless(flags);
  if (fold === undefined || flags.includes('v')) return undefined;
  const out: RequiredLiteral[] = [];
  const seq = (src: string): boolean => {
    let run = '';
    const end = (): void => {
      if (run.length > 0) out.push({ lit: run, caseless: fold });
      run = '';
    };
    for (let i = 0; i < src.length; ) {
      const c = src[i]!;
      let atom: string | undefined;
      let next: number;
      let inner: string | undefined;
      if (c === '|') return false;
      if (c === '\\') {
        const d = src[i + 1];
        if (d === undefined) return false;
        // Escaped punctuation is itself; letters and digits are classes, assertions or references.
        if (/[^A-Za-z0-9]/.test(d) && d.charCodeAt(0) >= 0x20 && d.charCodeAt(0) < 0x7f) atom = d;
        next = i + 2;
        if (/[xuckpP]/.test(d)) return false;
      } else if (c === '[') {
        next = skipClass(src, i);
        if (next < 0) return false;
      } else if (c === '(') {
        next = skipGroup(src, i);
        if (next < 0) return false;
        const body = src.slice(i + 1, next - 1);
        if (body.startsWith('?=') || body.startsWith('?!') || body.startsWith('?<=') || body.startsWith('?<!')) inner = undefined;
        else if (body.startsWith('?:')) inner = body.slice(2);
        else if (body.startsWith('?<')) {
          const close = body.indexOf('>');
          if (close < 0) return false;
          inner = body.slice(close + 1);
        } else if (body.startsWith('?')) return false;
        else inner = body;
      } else if (c === ')' || c === ']') {
        return false;
      } else {
        if (c !== '.' && c !== '^' && c !== '$' && c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) < 0x7f) atom = c;
        next = i + 1;
      }
      const q = quantifier(src, next);
      if (q) next += q.len;
      if (atom !== undefined && (!q || !q.optional)) {
        run += atom;
        if (q) end();
      } else {
        end();
        // A group that must match once: what it must contain, unless it has alternatives.
        if (inner !== undefined && (!q || !q.optional)) {
          const saved = out.length;
          if (!seq(inner)) out.length = saved;
        }
      }
      i = next;
    }
    end();
    return true;
  };
  if (!seq(source)) return undefined;
  return out;
}

/** The anchors and patterns of a compiled extractor, as the prefilter needs them (lowercase literals). */
export interface AnchorInfo {
  lit: string;
  messages: boolean;
  patterns: number[];
}

/**
 * The scanner's literals: every anchor (case-insensitive) with the literals its patterns require, or none
 * when it is strong. An anchor containing a strong one is left out (the inner one finds its lines), and so
 * is a strong anchor containing another strong one.
 */
export function prefilterLiterals(anchors: readonly AnchorInfo[], patterns: ReadonlyArray<{ re: RegExp }>): PrefilterLiteral[] {
  const reqs = patterns.map((p) => requiredLiterals(p.re.source, p.re.flags));
  const info = anchors.map((a) => {
    if (a.messages || a.patterns.length === 0) return { lit: a.lit, requires: undefined };
    const requires: RequiredLiteral[] = [];
    for (const pi of new Set(a.patterns)) {
      // The longest literal the pattern needs that the anchor itself does not supply (one is enough).
      const own = (reqs[pi] ?? [])
        .filter((r) => r.lit.length >= 2 && !a.lit.includes(r.lit.toLowerCase()))
        .sort((x, y) => y.lit.length - x.lit.length)[0];
      if (own === undefined) return { lit: a.lit, requires: undefined };
      if (!requires.some((r) => r.lit === own.lit && r.caseless === own.caseless)) requires.push(own);
    }
    return { lit: a.lit, requires };
  });
  const strong = info.filter((a) => a.requires === undefined).map((a) => a.lit);
  const out: PrefilterLiteral[] = [];
  for (const a of info) {
    if (strong.some((s) => s !== a.lit && a.lit.includes(s))) continue;
    out.push(a.requires === undefined ? { lit: a.lit, caseless: true } : { lit: a.lit, caseless: true, requires: a.requires });
  }
  return out;
}

// The extractor finds message key words with its anchors (one pass over the line) and hands them to
// MessageIndex.findKeys; MessageIndex.find, which hashes every word itself, is the reference it must match.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCatalogs } from '../../src/catalog/index.js';
import { compileExtractor } from '../../src/extract/index.js';
import { LiteralMatcher, occurrences } from '../../src/extract/literals.js';
import { regex, wholeWord, type MessageIndex } from '../../src/extract/messages.js';
import { fixtureLines } from './helpers.js';

const messages = (compileExtractor(loadCatalogs()) as unknown as { messages: MessageIndex }).messages;
const matcher = new LiteralMatcher(messages.keyWords);

/** Occurrences as findKeys gives them, from the key words found the way the extractor finds them. */
function viaKeys(line: string): string[] {
  const keys = occurrences(matcher, line)
    .filter(([id, at]) => wholeWord(line, at, at + messages.keyWords[id]!.length))
    .map(([id]) => id);
  return messages.findKeys(line, Int32Array.from(keys), keys.length).map((o) => `${o.def.id}@${o.start}-${o.end}`);
}
const viaFind = (line: string): string[] => messages.find(line).map((o) => `${o.def.id}@${o.start}-${o.end}`);

/** Every wording's regex run on the line, no key words at all (then the longest of one vendor's overlaps). */
function bruteForce(line: string): string[] {
  const lower = line.toLowerCase();
  const all = messages.defs.flatMap((d) => {
    const m = regex(d).exec(line);
    return m === null || d.veto.some((v) => lower.includes(v)) ? [] : [{ def: d, start: m.index, end: m.index + m[0].length }];
  });
  return all
    .filter((o, i) => !all.some((p, j) => j !== i && p.def.vendor === o.def.vendor && p.start <= o.start && p.end >= o.end && (p.end - p.start > o.end - o.start || j < i)))
    .map((o) => `${o.def.id}@${o.start}-${o.end}`)
    .sort();
}
const viaFindSorted = (line: string): string[] => viaFind(line).sort();

describe('message key words found with the anchors', () => {
  it('give what find gives on every fixture line, and on catalog wordings in JSON, with escapes and case changes', () => {
    const lines = fixtureLines();
    let found = 0;
    for (const line of lines) {
      expect(viaKeys(line)).toEqual(viaFind(line));
      found += viaFind(line).length;
    }
    expect(found).toBeGreaterThan(50);
    for (const d of messages.defs) {
      for (const line of [d.text, `{"message":"x\\n${d.text}\\tend"}`, `ERR:${d.text.toUpperCase()}!`, `\\r${d.text}`, `\\${d.text}`, `C:\\${d.text.toLowerCase()}`]) {
        expect(viaKeys(line)).toEqual(viaFind(line));
      }
    }
  });

  it('skip no wording that matches: what every regex finds run on its own, on fixtures, wordings and mixes of them', () => {
    // Most wordings need other key words than their own (`also`): a line lacking one is not tried.
    expect(messages.defs.filter((d) => d.also.length > 0).length).toBeGreaterThan(150);
    let found = 0;
    for (const line of fixtureLines()) {
      expect(viaFindSorted(line)).toEqual(bruteForce(line));
      found += bruteForce(line).length;
    }
    expect(found).toBeGreaterThan(50);
    const texts = messages.defs.map((d) => d.text);
    for (const t of texts) {
      for (const line of [t, `{"message":"x\\n${t}\\tend"}`, `ERR:${t.toUpperCase()}!`, `w: ${t.split(' ').reverse().join(' ')}`, `${t.split(' ').slice(1).join(' ')}`]) {
        expect(viaFindSorted(line)).toEqual(bruteForce(line));
      }
    }
    // Lines made of the wordings' own words, in any order: key words without the rest, and the rest without them.
    const words = [...new Set(texts.flatMap((t) => t.split(/\s+/)))];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 12 }), fc.constantFrom(' ', '  ', ': ', ' - '), (parts, sep) => {
        const line = parts.join(sep);
        expect(viaFindSorted(line)).toEqual(bruteForce(line));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.constantFrom(...texts), fc.nat(), (a, b, cut) => {
        const aw = a.split(' ');
        const line = `${aw.slice(0, cut % (aw.length + 1)).join(' ')} ${b}`;
        expect(viaFindSorted(line)).toEqual(bruteForce(line));
      }),
      { numRuns: 3000 },
    );
  });

  it('split words where find splits them: escapes, non-ASCII, digits, any case', () => {
    // Key words that start with an escape's letter (n, r, t) matter most: after a backslash they are no word.
    const escapeLike = messages.keyWords.filter((k) => /^[nrt]/.test(k)).slice(0, 20);
    expect(escapeLike.length).toBeGreaterThan(3);
    const words = [...messages.keyWords.slice(0, 30), ...escapeLike, 'n', 'rt', '\\', '\\n', '\\t', '\\\\', 'é', ' ', '.', '0', 'X', 'NT'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...words), { maxLength: 14 }), fc.boolean(), (parts, upper) => {
        const line = upper ? parts.join('').toUpperCase() : parts.join('');
        expect(viaKeys(line)).toEqual(viaFind(line));
      }),
      { numRuns: 5000 },
    );
  });
});

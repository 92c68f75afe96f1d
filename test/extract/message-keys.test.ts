// The extractor finds message key words with its anchors (one pass over the line) and hands them to
// MessageIndex.findKeys; MessageIndex.find, which hashes every word itself, is the reference it must match.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCatalogs } from '../../src/catalog/index.js';
import { compileExtractor } from '../../src/extract/index.js';
import { LiteralMatcher, occurrences } from '../../src/extract/literals.js';
import { wholeWord, type MessageIndex } from '../../src/extract/messages.js';
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

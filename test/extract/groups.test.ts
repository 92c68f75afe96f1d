// Named groups made numbered (src/extract/groups.ts): the same matches, read by index.
import { describe, expect, it } from 'vitest';
import { loadCatalogs } from '../../src/catalog/index.js';
import { patternRegExp } from '../../src/catalog/set.js';
import { numberedGroups } from '../../src/extract/groups.js';
import { fixtureLines } from './helpers.js';

const plain = (source: string, flags = ''): { source: string; groups: Record<string, number> } | undefined => {
  const n = numberedGroups(source, flags);
  return n && { source: n.source, groups: Object.fromEntries(n.groups) };
};

describe('numberedGroups', () => {
  it('makes named groups plain and leaves lookbehinds alone', () => {
    expect(plain('(?<![\\w.-])(?<code>-20[0-2]\\d\\d)(?![\\w-]|[.,:]\\d)')).toEqual({
      source: '(?<![\\w.-])(-20[0-2]\\d\\d)(?![\\w-]|[.,:]\\d)',
      groups: { code: 1 },
    });
    expect(plain('(?<=x)(?<name>[A-Z]\\w+)\\s(?<code>\\d+)')).toEqual({ source: '(?<=x)([A-Z]\\w+)\\s(\\d+)', groups: { name: 1, code: 2 } });
  });

  it('counts plain groups, and not escaped parentheses, classes or non-capturing groups', () => {
    expect(plain('\\((a)[(?<x>](?:b|c)(?<code>\\d)\\)')).toEqual({ source: '\\((a)[(?<x>](?:b|c)(\\d)\\)', groups: { code: 2 } });
    expect(plain('[\\]((]((?<code>\\d))')).toEqual({ source: '[\\]((]((\\d))', groups: { code: 2 } });
  });

  it('turns a named reference into a numbered one that no digit after it can extend', () => {
    const n = plain('(?<code>\\d{4}),"\\k<code>"0');
    expect(n).toEqual({ source: '(\\d{4}),"(?:\\1)"0', groups: { code: 1 } });
    expect(new RegExp(n!.source).exec('1234,"1234"0')?.[1]).toBe('1234');
    expect(new RegExp(n!.source).test('1234,"1235"0')).toBe(false);
  });

  it('gives up on what it does not follow: the v flag, a name twice, an unknown reference, an open class', () => {
    expect(numberedGroups('(?<code>\\d)', 'v')).toBeUndefined();
    expect(numberedGroups('(?<code>\\d)|(?<code>x)', '')).toBeUndefined();
    expect(numberedGroups('(?<code>\\d)\\k<other>', '')).toBeUndefined();
    expect(numberedGroups('(?<code>\\d)[abc', '')).toBeUndefined();
  });

  it('leaves a regex without names as it is', () => {
    expect(plain('a(b)c')).toEqual({ source: 'a(b)c', groups: {} });
  });

  it('finds what the named regex finds, for every shipped pattern, on its samples and every fixture line', () => {
    const lines = fixtureLines();
    let compared = 0;
    for (const cat of loadCatalogs().vendors) {
      for (const p of cat.patterns) {
        const named = new RegExp(patternRegExp(p).source, `${patternRegExp(p).flags.replace(/[gy]/g, '')}g`);
        const n = numberedGroups(named.source, named.flags)!;
        expect(n, `${cat.vendor}:${p.id}`).toBeDefined();
        const numbered = new RegExp(n.source, named.flags);
        for (const line of [...p.samples.map((s) => s.line), ...lines]) {
          const a = [...line.matchAll(named)].map((m) => [m.index, m[0], m.groups?.code, m.groups?.name]);
          const b = [...line.matchAll(numbered)].map((m) => [m.index, m[0], m[n.groups.get('code') ?? -1], m[n.groups.get('name') ?? -1]]);
          expect(b, `${cat.vendor}:${p.id}: ${line}`).toEqual(a);
          compared += a.length;
        }
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});

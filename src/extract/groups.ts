// A pattern's named groups as numbered ones. A match of a regex with named groups carries a `groups` object,
// which V8 builds for every match (~185 bytes and ~15-35 ns more than a numbered match: on a hit line, a
// fifth of what extraction allocates). The extractor runs the numbered twin and reads the groups it needs
// by index. Anything this does not follow keeps the named regex.

/** The source with every `(?<name>` made a plain group and `\k<name>` a numbered reference, and each name's index. */
export interface NumberedSource {
  source: string;
  groups: ReadonlyMap<string, number>;
}

/**
 * Renumbers `source`, or undefined when it cannot be sure to keep the regex's meaning: the `v` flag (other
 * class syntax), a name used twice, a reference to an unknown name, an unbalanced class.
 */
export function numberedGroups(source: string, flags: string): NumberedSource | undefined {
  if (flags.includes('v')) return undefined;
  const groups = new Map<string, number>();
  // First pass: number every capturing group in order of its opening parenthesis.
  let count = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      const end = classEnd(source, i);
      if (end < 0) return undefined;
      i = end;
    } else if (c === '(') {
      if (source[i + 1] !== '?') {
        count++;
      } else if (source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!') {
        const close = source.indexOf('>', i + 3);
        if (close < 0) return undefined;
        const name = source.slice(i + 3, close);
        if (!/^[A-Za-z_$][\w$]*$/.test(name) || groups.has(name)) return undefined;
        groups.set(name, ++count);
      }
    }
  }
  if (groups.size === 0) return { source, groups };
  // Second pass: rewrite names and references.
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      if (source[i + 1] === 'k' && source[i + 2] === '<') {
        const close = source.indexOf('>', i + 3);
        const n = close < 0 ? undefined : groups.get(source.slice(i + 3, close));
        if (n === undefined) return undefined;
        // A group after it could read as more digits (`\1` then `0`): the reference in a group of its own.
        out += `(?:\\${n})`;
        i = close;
        continue;
      }
      out += source.slice(i, i + 2);
      i++;
    } else if (c === '[') {
      const end = classEnd(source, i);
      out += source.slice(i, end + 1);
      i = end;
    } else if (c === '(' && source[i + 1] === '?' && source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!') {
      out += '(';
      i = source.indexOf('>', i + 3);
    } else {
      out += c;
    }
  }
  return { source: out, groups };
}

/** Index of the `]` that closes the class opening at `i`, or -1. */
function classEnd(src: string, i: number): number {
  for (let k = i + 1; k < src.length; k++) {
    if (src[k] === '\\') k++;
    else if (src[k] === ']') return k;
  }
  return -1;
}

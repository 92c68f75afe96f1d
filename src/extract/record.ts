// A parsed JSON record as one line of text, exactly as JSON.stringify writes it (so a record and its
// NDJSON line give the same hits, key names included), but with an explicit stack: records nested
// 100 000 deep neither recurse nor throw. Output stops at MAX_CHARS.

export const MAX_CHARS = 4 * 1024 * 1024;

type Frame = { arr: unknown[]; i: number } | { obj: Record<string, unknown>; keys: string[]; i: number; first: boolean };

function scalar(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return String(v);
    default:
      return v === null ? 'null' : undefined;
  }
}

/** JSON text of `value`; `undefined`, functions and symbols are left out as JSON.stringify does. */
export function recordText(value: unknown): string {
  const out: string[] = [];
  let size = 0;
  const push = (s: string): boolean => {
    out.push(s);
    size += s.length;
    return size < MAX_CHARS;
  };
  const stack: Frame[] = [];
  // Writes a value, or opens a frame for a container; false when the size limit is reached.
  const open = (v: unknown): boolean => {
    const s = scalar(v);
    if (s !== undefined) return push(s);
    if (Array.isArray(v)) {
      stack.push({ arr: v, i: 0 });
      return push('[');
    }
    if (typeof v === 'object' && v !== null) {
      stack.push({ obj: v as Record<string, unknown>, keys: Object.keys(v), i: 0, first: true });
      return push('{');
    }
    return push('null');
  };
  try {
    if (!open(value)) return out.join('');
    while (stack.length > 0) {
      const f = stack[stack.length - 1]!;
      if ('arr' in f) {
        if (f.i >= f.arr.length) {
          stack.pop();
          if (!push(']')) break;
          continue;
        }
        if (f.i > 0 && !push(',')) break;
        const v = f.arr[f.i++];
        const t = typeof v;
        if (!open(t === 'undefined' || t === 'function' || t === 'symbol' ? null : v)) break;
      } else {
        if (f.i >= f.keys.length) {
          stack.pop();
          if (!push('}')) break;
          continue;
        }
        const k = f.keys[f.i++]!;
        const v = f.obj[k];
        const t = typeof v;
        if (t === 'undefined' || t === 'function' || t === 'symbol') continue;
        if (!f.first && !push(',')) break;
        f.first = false;
        if (!push(`${JSON.stringify(k)}:`)) break;
        if (!open(v)) break;
      }
    }
  } catch {
    // A hostile getter or proxy: keep what was written.
  }
  return out.join('');
}

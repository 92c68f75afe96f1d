// Making log and catalog text inert and measuring it for fixed-width output.
import { SPIKE_FACTOR, SPIKE_MIN, SPIKE_WINDOW, type ReportRow } from './types.js';

// C0, DEL, C1, and the invisible bidi/line controls that can reorder or hide text (Trojan Source).
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;

/** Control characters shown as visible escapes (`\x1b`, `\u202e`) so a terminal never acts on them. */
export function escapeControl(s: string): string {
  return s.replace(CONTROL, (c) => {
    const n = c.codePointAt(0)!;
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

/** For one-line contexts: whitespace runs (incl. newlines, tabs) become one space, other controls escaped. */
export function oneLine(s: string): string {
  return escapeControl(s.replace(/[\t\n\r\v\f\u0085\u2028\u2029]+/gu, ' '));
}

const COMBINING = /\p{M}/u;

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

function charWidth(ch: string): number {
  if (COMBINING.test(ch)) return 0;
  return isWide(ch.codePointAt(0)!) ? 2 : 1;
}

/** Terminal columns a string takes (wide East Asian characters count 2, combining marks 0). */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch);
  return w;
}

/** Cut to at most `width` columns, ending with … when cut. */
export function truncate(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  if (width <= 0) return '';
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = charWidth(ch);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

export function padEnd(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

export function padStart(s: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(s))) + s;
}

/** 12,345 */
export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `1 hit`, `12,345 hits`. */
export function plural(n: number, word: string): string {
  return `${int(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** 12.3% (or <0.1% for a small non-zero share). */
export function pct(share: number): string {
  if (share > 0 && share < 0.001) return '<0.1%';
  return `${(share * 100).toFixed(1)}%`;
}

/** +12, −3 (a real minus sign), 0. */
export function signed(n: number): string {
  if (n > 0) return `+${int(n)}`;
  if (n < 0) return `−${int(-n)}`;
  return '0';
}

/** The one-line description of a code: `Name: message`, the message, or what is missing. */
export function describe(r: Pick<ReportRow, 'known' | 'name' | 'message'>): string {
  const parts = [r.name, r.message].filter((x): x is string => !!x && x.trim() !== '');
  if (parts.length === 2 && parts[0] === parts[1]) parts.pop();
  if (parts.length) return parts.join(': ');
  return r.known ? '(no description)' : '(not in the catalog)';
}

const BARS = '▁▂▃▄▅▆▇█';

/** ▁▂▃▄▅▆▇█ scaled to the series' maximum; a day with no hits is `·`. */
export function sparkline(values: number[]): string {
  const max = Math.max(0, ...values);
  return values.map((v) => (v <= 0 || max === 0 ? '·' : BARS[Math.min(7, Math.max(0, Math.ceil((v / max) * 8) - 1))]!)).join('');
}

/** The flags a row carries, as words. */
export function flags(r: Pick<ReportRow, 'isNew' | 'spike'>): string[] {
  const f: string[] = [];
  if (r.isNew) f.push('NEW');
  if (r.spike) f.push('SPIKE');
  return f;
}

export const SPIKE_RULE_TEXT = `SPIKE: count ≥ max(${SPIKE_MIN}, ${SPIKE_FACTOR} × mean of the ${SPIKE_WINDOW} periods before)`;

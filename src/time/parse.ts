// Timestamps in log lines and records. Only lines that hit (and the lines a hit inherits its time
// from) are parsed, so this favours clarity over raw speed; the regex is compiled once.
import { zonedToUtc, zoneOffsetMs } from './zone.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MON = MONTHS.join('|');
const MONTH_INDEX = new Map(MONTHS.map((m, i) => [m, i + 1]));

/** How far into a line a timestamp is looked for: prefixes, not messages that mention dates. */
export const STAMP_WINDOW = 160;

// One pass, leftmost match wins. Groups: i* ISO 8601 / RFC 5424 / log4j, c* Apache/nginx CLF, s* RFC 3164.
const STAMP = new RegExp(
  [
    String.raw`(?<!\d)(?<iy>\d{4})-(?<imo>\d\d)-(?<id>\d\d)[T ](?<ih>\d\d):(?<imi>\d\d)(?::(?<is>\d\d)(?:[.,](?<ifr>\d{1,9}))?)?` +
      String.raw`(?:(?<iz>Z(?![A-Za-z])|[+-]\d\d(?::?\d\d)?(?!\d))|\s?(?<iu>UTC|GMT)(?![A-Za-z]))?`,
    String.raw`(?<!\d)(?<cd>\d\d)\/(?<cmo>${MON})\/(?<cy>\d{4}):(?<ch>\d\d):(?<cmi>\d\d):(?<cs>\d\d)(?:\s(?<cz>[+-]\d{4}))?`,
    String.raw`(?<![A-Za-z])(?<smo>${MON}) {1,2}(?<sd>\d{1,2}) (?<sh>\d\d):(?<smi>\d\d):(?<ss>\d\d)(?:\.(?<sfr>\d{1,9}))?(?!\d)`,
  ].join('|'),
);

/** Fields a JSON record's time is taken from, in order of preference. */
export const TIME_FIELDS = ['time', 'ts', 'timestamp', '@timestamp', 'date'] as const;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function fraction(fr: string | undefined): number {
  return fr ? Number(fr.slice(0, 3).padEnd(3, '0')) : 0;
}

/** `Z`, `+01:00`, `+0100`, `+01` → offset in ms; undefined if malformed. */
function zoneOffset(z: string): number | undefined {
  if (z === 'Z' || z === 'UTC' || z === 'GMT') return 0;
  const sign = z[0] === '-' ? -1 : 1;
  const digits = z.slice(1).replace(':', '');
  const h = Number(digits.slice(0, 2));
  const m = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (h > 14 || m > 59) return undefined;
  return sign * (h * HOUR + m * 60_000);
}

function validClock(h: number, mi: number, s: number): boolean {
  return h <= 23 && mi <= 59 && s <= 60;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(y: number, mo: number, d: number): boolean {
  if (mo < 1 || mo > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!);
}

/** The value of the ASCII digit at `i`, or -1. */
function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/**
 * The most common stamp, `2026-11-20T10:00:00.123Z`, read without the regex when it starts at the line's
 * first digit (within the window): STAMP's leftmost match is then this one, as every alternative starts at
 * a digit or at a month name followed by 1-2 digits and a space. Anything else: undefined, and the regex decides.
 */
export function isoUtcAtFirstDigit(line: string): number | undefined {
  return isoUtcAt(line, firstDigit(line));
}

/** Where the first ASCII digit of the window is (the window's end if none). */
function firstDigit(line: string): number {
  const n = Math.min(line.length, STAMP_WINDOW);
  let i = 0;
  while (i < n && digit(line, i) < 0) i++;
  return i;
}

function isoUtcAt(line: string, i: number): number | undefined {
  const n = Math.min(line.length, STAMP_WINDOW);
  // 2026-11-20T10:00:00Z: 20 characters at least, all inside the window.
  if (i + 20 > n) return undefined;
  // One loop over the shape rather than a call per field: the first lines of a reading thread wait while V8
  // compiles this, and the unrolled version was its second-largest compile (18 ms).
  const f = FIELDS;
  f[0] = f[1] = f[2] = f[3] = f[4] = f[5] = 0;
  for (let k = 0, field = 0; k < 19; k++) {
    const c = line.charCodeAt(i + k);
    const want = ISO_SHAPE.charCodeAt(k);
    if (want === 48) {
      if (c < 48 || c > 57) return undefined;
      f[field] = f[field]! * 10 + c - 48;
    } else {
      if (c !== want && !(k === 10 && c === 32)) return undefined;
      field++;
    }
  }
  let j = i + 19;
  let ms = 0;
  const dot = line.charCodeAt(j);
  if ((dot === 46 || dot === 44) && digit(line, j + 1) >= 0) {
    // The regex takes 1-9 fraction digits; the milliseconds are the first three, padded.
    let k = 0;
    for (j++; k < 9 && j < n && digit(line, j) >= 0; j++, k++) if (k < 3) ms += digit(line, j) * (k === 0 ? 100 : k === 1 ? 10 : 1);
    if (digit(line, j) >= 0) return undefined;
  }
  // Only `Z` not followed by a letter; zones, UTC/GMT and zone-less stamps go to the regex.
  if (j >= n || line.charCodeAt(j) !== 90) return undefined;
  const after = line.charCodeAt(j + 1);
  if ((after >= 65 && after <= 90) || (after >= 97 && after <= 122)) return undefined;
  const y = f[0]!;
  const mo = f[1]!;
  const d = f[2]!;
  const h = f[3]!;
  const mi = f[4]!;
  const s = Math.min(59, f[5]!);
  if (!validDate(y, mo, d) || !validClock(h, mi, s)) return undefined;
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

/**
 * Apache/nginx CLF with its zone, `20/Nov/2026:10:00:00 +0000`, read without the regex when it starts at the
 * line's first digit (within the window). STAMP's leftmost match is then this one: ISO needs four digits
 * there, and RFC 3164 would need a month name before that digit followed by one or two digits and a space.
 * Any other shape (no zone, another space than ' ', a malformed zone): undefined, and the regex decides.
 */
export function clfAtFirstDigit(line: string): number | undefined {
  return clfAt(line, firstDigit(line));
}

function clfAt(line: string, i: number): number | undefined {
  const n = Math.min(line.length, STAMP_WINDOW);
  // 20/Nov/2026:10:00:00 +0000: 26 characters, all inside the window.
  if (i + 26 > n) return undefined;
  if (line.charCodeAt(i + 2) !== 47 || line.charCodeAt(i + 6) !== 47) return undefined;
  const mo = MONTH_INDEX.get(line.slice(i + 3, i + 6));
  if (mo === undefined) return undefined;
  const f = FIELDS;
  f[0] = f[1] = f[2] = f[3] = f[4] = f[5] = f[6] = 0;
  // Fields: day, (month), year, hour, minute, second, zone digits.
  for (let k = 0, field = 0; k < CLF_SHAPE.length; k++) {
    const want = CLF_SHAPE.charCodeAt(k);
    const c = line.charCodeAt(i + k);
    if (want === 48) {
      if (c < 48 || c > 57) return undefined;
      f[field] = f[field]! * 10 + c - 48;
    } else if (want === 43) {
      if (c !== 43 && c !== 45) return undefined;
    } else if (want !== 63) {
      if (c !== want) return undefined;
      field++;
    }
  }
  const d = f[0]!;
  const y = f[2]!;
  const h = f[3]!;
  const mi = f[4]!;
  const s = Math.min(59, f[5]!);
  const zone = f[6]!;
  if (!validDate(y, mo, d) || !validClock(h, mi, s)) return undefined;
  const zh = (zone / 100) | 0;
  const zm = zone % 100;
  if (zh > 14 || zm > 59) return undefined;
  const off = (line.charCodeAt(i + 21) === 45 ? -1 : 1) * (zh * HOUR + zm * 60_000);
  return Date.UTC(y, mo - 1, d, h, mi, s) - off;
}

/** The CLF fast path's stamp: `0` a digit, `?` the month (three letters), `+` the zone's sign. */
const CLF_SHAPE = '00/???/0000:00:00:00 +0000';

/** The fast path's stamp: `0` stands for a digit; the `T` may also be a space. */
const ISO_SHAPE = '0000-00-00T00:00:00';
/** Year, month, day, hour, minute, second of the stamp being read (one thread reads one line at a time). */
const FIELDS = new Int32Array(7);

export class TimeParser {
  /**
   * @param tz IANA zone applied to timestamps without a zone (already validated).
   * @param now Current time in ms; RFC 3164 stamps (no year) take the latest year that does not put
   *   them more than a day in the future (a day of slack absorbs clock skew between hosts).
   */
  constructor(
    readonly tz: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** UTC ms of the first timestamp in the first STAMP_WINDOW characters of `line`, or undefined. */
  parseLine(line: string): number | undefined {
    const i = firstDigit(line);
    return isoUtcAt(line, i) ?? clfAt(line, i) ?? this.parseByRegex(line);
  }

  /** parseLine without its fast path: the reference it must agree with (tests compare the two). */
  parseByRegex(line: string): number | undefined {
    const m = STAMP.exec(line.length > STAMP_WINDOW ? line.slice(0, STAMP_WINDOW) : line);
    if (!m?.groups) return undefined;
    const g = m.groups;
    if (g.iy !== undefined) {
      const y = Number(g.iy);
      const mo = Number(g.imo);
      const d = Number(g.id);
      const h = Number(g.ih);
      const mi = Number(g.imi);
      const s = Math.min(59, Number(g.is ?? 0));
      if (!validDate(y, mo, d) || !validClock(h, mi, s)) return undefined;
      const ms = fraction(g.ifr);
      const z = g.iz ?? g.iu;
      const off = z === undefined ? undefined : zoneOffset(z);
      if (off !== undefined) return Date.UTC(y, mo - 1, d, h, mi, s, ms) - off;
      return zonedToUtc(this.tz, y, mo, d, h, mi, s, ms);
    }
    if (g.cy !== undefined) {
      const y = Number(g.cy);
      const mo = MONTH_INDEX.get(g.cmo!)!;
      const d = Number(g.cd);
      const h = Number(g.ch);
      const mi = Number(g.cmi);
      const s = Math.min(59, Number(g.cs));
      if (!validDate(y, mo, d) || !validClock(h, mi, s)) return undefined;
      const off = g.cz === undefined ? undefined : zoneOffset(g.cz);
      if (off !== undefined) return Date.UTC(y, mo - 1, d, h, mi, s) - off;
      return zonedToUtc(this.tz, y, mo, d, h, mi, s, 0);
    }
    const mo = MONTH_INDEX.get(g.smo!)!;
    const d = Number(g.sd);
    const h = Number(g.sh);
    const mi = Number(g.smi);
    const s = Math.min(59, Number(g.ss));
    if (!validClock(h, mi, s)) return undefined;
    return this.inferYear(mo, d, h, mi, s, fraction(g.sfr));
  }

  private inferYear(mo: number, d: number, h: number, mi: number, s: number, ms: number): number | undefined {
    const now = this.now();
    const limit = now + DAY;
    let y = new Date(now + zoneOffsetMs(this.tz, now)).getUTCFullYear();
    // Feb 29 only exists in leap years: look back far enough to find one.
    for (let tries = 0; tries < 9; tries++, y--) {
      if (!validDate(y, mo, d)) continue;
      const t = zonedToUtc(this.tz, y, mo, d, h, mi, s, ms);
      if (t <= limit) return t;
    }
    return undefined;
  }

  /** A time field's value: epoch seconds or milliseconds (number or digit string), or a timestamp string. */
  parseValue(v: unknown): number | undefined {
    if (typeof v === 'number') return epoch(v);
    if (typeof v !== 'string' || v.length === 0) return undefined;
    if (/^\d+(\.\d+)?$/.test(v)) return epoch(Number(v));
    return this.parseLine(v);
  }

  /** The time of a JSON record from its first present time field (`time`, `ts`, `timestamp`, `@timestamp`, `date`). */
  recordTime(rec: unknown): number | undefined {
    const raw = recordTimeValue(rec);
    return raw === undefined ? undefined : this.parseValue(raw);
  }
}

/** The raw value of a record's time field, without parsing it (cheap enough to do for every record). */
export function recordTimeValue(rec: unknown): unknown {
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) return undefined;
  const o = rec as Record<string, unknown>;
  for (const f of TIME_FIELDS) {
    const v = o[f];
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

/** Seconds (1973..5138) or milliseconds (1973..5138) since the epoch; anything else is not a time. */
function epoch(n: number): number | undefined {
  if (!Number.isFinite(n)) return undefined;
  if (n >= 1e11 && n < 1e14) return Math.round(n);
  if (n >= 1e8 && n < 1e11) return Math.round(n * 1000);
  return undefined;
}

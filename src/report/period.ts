// Report periods in a time zone, built on the store's hourly UTC buckets.
//
// A local day is the set of hour buckets whose start falls on that date in the zone. For whole-hour
// offsets that is exact; for zones with a :30 or :45 offset (Asia/Kolkata, Asia/Kathmandu, ...) every
// day boundary moves to the next whole UTC hour, so a day runs e.g. 00:30 → 00:30 local time.
import { ErrscanError } from '../errors.js';

const HOUR = 3600;
const DAY_MS = 86_400_000;

/** Date and clock of one time zone, through Intl (no tz database of our own). */
export class Zone {
  readonly name: string;
  private readonly dateFmt: Intl.DateTimeFormat;
  private readonly wallFmt: Intl.DateTimeFormat;
  private readonly dateCache = new Map<number, string>();

  constructor(name: string) {
    try {
      this.dateFmt = new Intl.DateTimeFormat('en-US', { timeZone: name, year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch {
      throw new ErrscanError('ERRSCAN_USAGE', `unknown time zone '${name}'`, {
        hint: 'use an IANA name such as UTC, Europe/Berlin or America/New_York',
      });
    }
    this.wallFmt = new Intl.DateTimeFormat('en-US', {
      timeZone: name, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    // Keep the name as given (ICU may turn Asia/Kolkata into Asia/Calcutta), only fixing its case.
    const resolved = this.dateFmt.resolvedOptions().timeZone;
    const lower = name.toLowerCase();
    this.name =
      resolved.toLowerCase() === lower ? resolved : (Intl.supportedValuesOf('timeZone').find((z) => z.toLowerCase() === lower) ?? name);
  }

  /** The zone of this process (TZ, else the system's), as IANA. */
  static local(): Zone {
    return new Zone(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  }

  /** Local date `YYYY-MM-DD` of an instant (unix seconds). */
  dateOf(sec: number): string {
    const hit = this.dateCache.get(sec);
    if (hit !== undefined) return hit;
    const p = parts(this.dateFmt, sec * 1000);
    const d = `${p.year}-${p.month}-${p.day}`;
    if (this.dateCache.size > 100_000) this.dateCache.clear();
    this.dateCache.set(sec, d);
    return d;
  }

  /** Offset from UTC in minutes at an instant. */
  offsetMinutes(sec: number): number {
    const p = parts(this.wallFmt, sec * 1000);
    const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
    return Math.round((wall - sec * 1000) / 60_000);
  }

  /** First hour bucket (unix seconds) whose start falls on `date` or later. */
  dayStart(date: string): number {
    const midnightUtc = Date.parse(`${date}T00:00:00Z`) / 1000;
    // Offsets lie within -12h..+14h, so local midnight is in this window.
    let h = midnightUtc - 15 * HOUR;
    for (let i = 0; i < 30 && this.dateOf(h) < date; i++) h += HOUR;
    return h;
  }

  /** An instant as ISO 8601 local time with its offset, e.g. `2026-11-16T00:00:00+01:00`. */
  iso(sec: number): string {
    const p = parts(this.wallFmt, sec * 1000);
    const off = this.offsetMinutes(sec);
    const sign = off < 0 ? '-' : '+';
    const a = Math.abs(off);
    return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
  }

  /** Local wall clock `HH:MM` of an instant. */
  clock(sec: number): string {
    const p = parts(this.wallFmt, sec * 1000);
    return `${p.hour}:${p.minute}`;
  }
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

interface Parts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

function parts(fmt: Intl.DateTimeFormat, ms: number): Parts {
  const out: Parts = { year: '', month: '', day: '', hour: '00', minute: '00', second: '00' };
  for (const p of fmt.formatToParts(ms)) if (p.type in out) out[p.type as keyof Parts] = p.value;
  return out;
}

/** `date` plus `n` calendar days (n may be negative). */
export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Calendar dates from `first` to `last`, inclusive. */
export function dateRange(first: string, last: string): string[] {
  const out: string[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) out.push(d);
  return out;
}

export function isDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === s;
}

/** A span of hour buckets: [from, to) in unix seconds. */
export interface Span {
  from: number;
  to: number;
}

/**
 * The period a report covers. Day-aligned periods (from `--day`, or dates/ages in days) list their
 * local `days`, and compare with the same number of days before; hour-aligned ones compare with the
 * same number of hours before.
 */
export interface Period extends Span {
  days: string[] | null;
  /** What the header prints: `2026-11-16`, `2026-11-10 … 2026-11-16`, or local times. */
  label: string;
}

/** A point given on the command line, resolved to a local day or hour bucket. */
type Point = { kind: 'day'; date: string } | { kind: 'hour'; bucket: number };

const AGE = /^(\d{1,5})([hdw])$/;

/** Parse `YYYY-MM-DD`, `today`, `yesterday`, or an age `36h`/`7d`/`2w` (counted back from now). */
export function parsePoint(value: string, zone: Zone, nowSec: number, flag: string): Point {
  const v = value.trim().toLowerCase();
  const today = zone.dateOf(nowSec);
  if (v === 'today') return { kind: 'day', date: today };
  if (v === 'yesterday') return { kind: 'day', date: addDays(today, -1) };
  if (isDate(v)) return { kind: 'day', date: v };
  const m = AGE.exec(v);
  if (m) {
    const n = Number(m[1]);
    if (m[2] === 'h') return { kind: 'hour', bucket: Math.floor(nowSec / HOUR) * HOUR - n * HOUR };
    return { kind: 'day', date: addDays(today, -n * (m[2] === 'w' ? 7 : 1)) };
  }
  throw new ErrscanError('ERRSCAN_USAGE', `${flag}: cannot read '${value}'`, {
    hint: 'use YYYY-MM-DD, today, yesterday, or an age such as 36h, 7d, 2w',
  });
}

export interface PeriodOptions {
  day?: string;
  since?: string;
  until?: string;
}

/** Resolve `--day`/`--since`/`--until` (default: yesterday) to a period in `zone`. */
export function resolvePeriod(opts: PeriodOptions, zone: Zone, nowSec: number): Period {
  if (opts.day !== undefined && (opts.since !== undefined || opts.until !== undefined)) {
    throw new ErrscanError('ERRSCAN_USAGE', '--day cannot be combined with --since/--until', {
      hint: 'use --day D for one day, or --since/--until for a range',
    });
  }
  if (opts.until !== undefined && opts.since === undefined) {
    throw new ErrscanError('ERRSCAN_USAGE', '--until needs --since', { hint: 'e.g. --since 7d --until 1d' });
  }
  if (opts.since === undefined) {
    const p = parsePoint(opts.day ?? 'yesterday', zone, nowSec, '--day');
    if (p.kind !== 'day') {
      throw new ErrscanError('ERRSCAN_USAGE', `--day: '${opts.day}' is not a day`, {
        hint: 'use YYYY-MM-DD, today, yesterday or an age in days such as 3d',
      });
    }
    return dayPeriod(p.date, p.date, zone);
  }
  const s = parsePoint(opts.since, zone, nowSec, '--since');
  const u = opts.until !== undefined
    ? parsePoint(opts.until, zone, nowSec, '--until')
    : s.kind === 'day' ? parsePoint('today', zone, nowSec, '--until') : parsePoint('0h', zone, nowSec, '--until');
  if (s.kind === 'day' && u.kind === 'day') {
    if (u.date < s.date) {
      throw new ErrscanError('ERRSCAN_USAGE', `--until ${u.date} is before --since ${s.date}`, {
        hint: 'swap them, or check the dates',
      });
    }
    return dayPeriod(s.date, u.date, zone);
  }
  const from = s.kind === 'day' ? zone.dayStart(s.date) : s.bucket;
  const to = u.kind === 'day' ? zone.dayStart(addDays(u.date, 1)) : u.bucket + HOUR;
  if (to <= from) {
    throw new ErrscanError('ERRSCAN_USAGE', `--until (${opts.until ?? 'now'}) is not after --since (${opts.since})`, {
      hint: 'swap them, or check the values',
    });
  }
  return { from, to, days: null, label: `${zone.iso(from).slice(0, 16).replace('T', ' ')} … ${zone.iso(to).slice(0, 16).replace('T', ' ')}` };
}

export function dayPeriod(first: string, last: string, zone: Zone): Period {
  const days = dateRange(first, last);
  return {
    from: zone.dayStart(first),
    to: zone.dayStart(addDays(last, 1)),
    days,
    label: first === last ? first : `${first} … ${last}`,
  };
}

/**
 * The period and the 7 equally long periods before it, newest first: slot 0 is the period, slot 1
 * the previous one (for `previous`), slots 1..7 the SPIKE baseline.
 */
export function trailingSlots(period: Period, zone: Zone, n = 7): Span[] {
  const slots: Span[] = [{ from: period.from, to: period.to }];
  if (period.days) {
    const len = period.days.length;
    const first = period.days[0]!;
    for (let k = 1; k <= n; k++) {
      slots.push({ from: zone.dayStart(addDays(first, -k * len)), to: zone.dayStart(addDays(first, -(k - 1) * len)) });
    }
  } else {
    const len = period.to - period.from;
    for (let k = 1; k <= n; k++) slots.push({ from: period.from - k * len, to: period.from - (k - 1) * len });
  }
  return slots;
}

/** Parse `--trend`: `7d`, `14`, up to 90 days. */
export function parseTrend(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{1,3})d?$/.exec(String(value).trim());
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= 2 && n <= 90)) {
    throw new ErrscanError('ERRSCAN_USAGE', `--trend: cannot read '${value}'`, { hint: 'use a number of days from 2d to 90d, e.g. --trend 7d' });
  }
  return n;
}

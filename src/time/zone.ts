// IANA zones without a timezone library: offsets come from Intl.DateTimeFormat, cached per zone.
import fs from 'node:fs';
import { ErrscanError } from '../errors.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(tz, f);
  }
  return f;
}

/**
 * Names ICU resolves to `UTC`, as --tz and as $TZ, on Node 20 to 24 (test/time/parse.test.ts holds them to it):
 * answered without asking ICU, whose first time-zone question loads its zone data (~17 ms of a command's
 * start-up). Not `GMT`: as $TZ, newer ICU calls it `+00:00`.
 */
export const UTC_NAMES: ReadonlySet<string> = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'UCT', 'Etc/UCT', 'Zulu', 'Etc/Zulu', 'Universal', 'Etc/Universal']);

/**
 * The zone ICU takes when $TZ is unset, read as it reads it: the name after `zoneinfo/` in the target of the
 * /etc/localtime link (most servers and containers: Etc/UTC). Undefined if that is not a link or names no
 * zone; a `posix/` or `right/` name is left to ICU too.
 */
export function localtimeLink(file = '/etc/localtime'): string | undefined {
  try {
    return /\/zoneinfo\/(.+)$/.exec(fs.readlinkSync(file))?.[1];
  } catch {
    return undefined;
  }
}

/** The local zone (honours $TZ), or UTC when the runtime cannot tell. */
export function localTimeZone(env: NodeJS.ProcessEnv = process.env, localtime = '/etc/localtime'): string {
  const tz = env.TZ;
  if (tz !== undefined ? UTC_NAMES.has(tz) : UTC_NAMES.has(localtimeLink(localtime) ?? '')) return 'UTC';
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Validates `--tz` (an IANA name such as `Europe/Berlin`, or `UTC`); undefined means the local zone. */
export function resolveTimeZone(tz?: string): string {
  if (tz === undefined || tz === '') return localTimeZone();
  if (UTC_NAMES.has(tz)) return 'UTC';
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    throw new ErrscanError('ERRSCAN_USAGE', `unknown time zone "${tz}"`, {
      hint: 'use an IANA name such as UTC, Europe/Berlin or America/New_York',
    });
  }
}

/** Zones always at offset 0: the UTC names, and GMT (whatever ICU calls it). */
function isUtc(tz: string): boolean {
  return tz === 'GMT' || UTC_NAMES.has(tz);
}

/** Offset of `tz` from UTC at the instant `utcMs`, in ms (positive east of Greenwich). */
export function zoneOffsetMs(tz: string, utcMs: number): number {
  if (isUtc(tz)) return 0;
  const parts = formatter(tz).formatToParts(new Date(utcMs));
  let y = 0;
  let mo = 0;
  let d = 0;
  let h = 0;
  let mi = 0;
  let s = 0;
  let bc = false;
  for (const p of parts) {
    switch (p.type) {
      case 'year': y = Number(p.value); break;
      case 'month': mo = Number(p.value); break;
      case 'day': d = Number(p.value); break;
      case 'hour': h = Number(p.value); break;
      case 'minute': mi = Number(p.value); break;
      case 'second': s = Number(p.value); break;
      case 'era': bc = p.value === 'BC' || p.value === 'B'; break;
      default: break;
    }
  }
  if (bc) y = 1 - y;
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  // formatToParts drops milliseconds; compare against the instant truncated to the second.
  return asUtc - (utcMs - (((utcMs % 1000) + 1000) % 1000));
}

const DAY = 86_400_000;
const SLOT = 900_000;
// Logs are mostly chronological: remember the offset chosen for the last wall-clock quarter hour per zone
// (every real zone transition falls on a quarter hour).
const lastSlot = new Map<string, { slot: number; offset: number }>();

/**
 * The UTC instant of a wall-clock time in `tz`. In an overlap (a local time that happened twice, when
 * clocks go back) the earlier instant wins; in a gap (a local time that never happened, when clocks go
 * forward) the time is read with the offset from before the change, i.e. shifted forward by the gap.
 */
export function zonedToUtc(tz: string, y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (isUtc(tz)) return wall;
  const slot = Math.floor(wall / SLOT);
  const cached = lastSlot.get(tz);
  if (cached && cached.slot === slot) return wall - cached.offset;
  // Zones change offset at most once in any two days: the offsets a day either side are the candidates.
  const before = zoneOffsetMs(tz, wall - DAY);
  const after = zoneOffsetMs(tz, wall + DAY);
  let offset: number | undefined;
  for (const o of before === after ? [before] : [before, after]) {
    if (zoneOffsetMs(tz, wall - o) === o && (offset === undefined || o > offset)) offset = o;
  }
  offset ??= before;
  lastSlot.set(tz, { slot, offset });
  return wall - offset;
}

// UTC times as ISO 8601 strings, as Date#toISOString writes them, for the per-hit and per-row paths: the
// date and hour are formatted once per hour (hits come in runs of one hour), the rest by hand. ~10x faster
// than a Date per call.

const HOUR = 3_600_000;
/** 10000-01-01T00:00:00.000Z: from here on toISOString writes a 6-digit year. */
const YEAR_10000 = 253_402_300_800_000;

let cachedHour = NaN;
let cachedPrefix = '';

/** `new Date(ms).toISOString()`, the same string for every input (and the same RangeError for NaN). */
export function isoString(ms: number): string {
  if (!(ms >= 0 && ms < YEAR_10000) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const hour = Math.floor(ms / HOUR);
  if (hour !== cachedHour) {
    cachedPrefix = new Date(hour * HOUR).toISOString().slice(0, 14);
    cachedHour = hour;
  }
  const rest = ms - hour * HOUR;
  const min = Math.floor(rest / 60_000);
  const sec = Math.floor((rest % 60_000) / 1000);
  const milli = rest % 1000;
  return `${cachedPrefix}${min < 10 ? '0' : ''}${min}:${sec < 10 ? '0' : ''}${sec}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

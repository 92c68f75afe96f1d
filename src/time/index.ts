// Timestamps: parsing (ISO 8601, log4j, RFC 3164/5424, CLF, epoch fields) and IANA zones.
export { TimeParser, TIME_FIELDS, STAMP_WINDOW, recordTimeValue } from './parse.js';
export { localTimeZone, resolveTimeZone, zoneOffsetMs, zonedToUtc } from './zone.js';

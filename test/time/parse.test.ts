import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TimeParser, localTimeZone, resolveTimeZone, zonedToUtc, zoneOffsetMs } from '../../src/time/index.js';
import { UTC_NAMES, localtimeLink } from '../../src/time/zone.js';
import { clfAtFirstDigit, isoUtcAtFirstDigit } from '../../src/time/parse.js';
import { ErrscanError } from '../../src/errors.js';

const NOW = Date.parse('2026-11-27T10:15:00Z');
const utc = new TimeParser('UTC', () => NOW);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('TimeParser.parseLine', () => {
  it.each([
    ['2026-11-22T10:00:00Z ERROR x', '2026-11-22T10:00:00.000Z'],
    ['2026-11-22T10:00:00.123456Z x', '2026-11-22T10:00:00.123Z'],
    ['2026-11-22T10:00:00+02:00 x', '2026-11-22T08:00:00.000Z'],
    ['2026-11-22T10:00:00-0530 x', '2026-11-22T15:30:00.000Z'],
    ['2026-11-22T10:00:00+01 x', '2026-11-22T09:00:00.000Z'],
    ['2026-11-22 10:00:00 x', '2026-11-22T10:00:00.000Z'],
    ['2026-11-22 10:00:00,123 INFO log4j', '2026-11-22T10:00:00.123Z'],
    ['2026-11-22 10:00:00.5 UTC done', '2026-11-22T10:00:00.500Z'],
    ['2026-11-22T10:00 short', '2026-11-22T10:00:00.000Z'],
    ['<165>1 2026-11-22T22:14:15.003Z host app - - - msg', '2026-11-22T22:14:15.003Z'],
    ['<34>1 2026-08-24T05:14:15.000003-07:00 host su - ID47 - x', '2026-08-24T12:14:15.000Z'],
    ['10.0.0.1 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200', '2026-11-22T10:00:00.000Z'],
    ['[DWT] 22/Nov/2026:10:00:00 -0100 upload', '2026-11-22T11:00:00.000Z'],
    ['Nov 22 10:00:00 host sshd[1]: x', '2026-11-22T10:00:00.000Z'],
    ['Nov  2 03:04:05 host x', '2026-11-02T03:04:05.000Z'],
    ['{"time":"2026-11-20T01:02:03.004Z","level":"error"}', '2026-11-20T01:02:03.004Z'],
  ])('%s', (line, want) => {
    expect(iso(utc.parseLine(line))).toBe(want);
  });

  it.each([
    'no time here',
    '\tat com.example.Client.verify(Client.java:12)',
    '2026-13-01T10:00:00Z month 13',
    '2026-02-30T10:00:00Z no such day',
    '2026-11-22T25:00:00Z hour 25',
    'version 12026-11-22T10:00:00Z has a digit before',
    'Novak 22 10:00:00',
    '',
  ])('no stamp: %j', (line) => {
    expect(utc.parseLine(line)).toBeUndefined();
  });

  it('takes the leftmost stamp and only looks at the start of a line', () => {
    expect(iso(utc.parseLine('Nov 22 10:00:00 host app: started 2026-01-01T00:00:00Z'))).toBe('2026-11-22T10:00:00.000Z');
    expect(utc.parseLine(`${'x'.repeat(200)} 2026-11-22T10:00:00Z`)).toBeUndefined();
  });

  it('ignores an impossible zone offset but keeps the time', () => {
    expect(iso(utc.parseLine('2026-11-22T10:00:00+23:00 x'))).toBe('2026-11-22T10:00:00.000Z');
  });
});

describe('RFC 3164 year inference', () => {
  it('uses the current year when that is not in the future', () => {
    expect(iso(utc.parseLine('Nov 27 10:00:00 h x'))).toBe('2026-11-27T10:00:00.000Z');
  });
  it('allows a day of clock skew, then falls back a year', () => {
    expect(iso(utc.parseLine('Nov 28 09:00:00 h x'))).toBe('2026-11-28T09:00:00.000Z');
    expect(iso(utc.parseLine('Nov 28 11:00:00 h x'))).toBe('2025-11-28T11:00:00.000Z');
    expect(iso(utc.parseLine('Dec 31 23:59:59 h x'))).toBe('2025-12-31T23:59:59.000Z');
  });
  it('in early January, December lines belong to last year', () => {
    const jan = new TimeParser('UTC', () => Date.parse('2027-01-02T00:00:00Z'));
    expect(iso(jan.parseLine('Dec 31 23:00:00 h x'))).toBe('2026-12-31T23:00:00.000Z');
    expect(iso(jan.parseLine('Jan  1 23:00:00 h x'))).toBe('2027-01-01T23:00:00.000Z');
  });
  it('Feb 29 goes back to the latest leap year', () => {
    expect(iso(utc.parseLine('Feb 29 12:00:00 h x'))).toBe('2024-02-29T12:00:00.000Z');
  });
  it('uses the zone to decide the current year', () => {
    // 2026-12-31T23:30Z is already 2027 in Tokyo.
    const tokyo = new TimeParser('Asia/Tokyo', () => Date.parse('2026-12-31T23:30:00Z'));
    expect(iso(tokyo.parseLine('Jan  1 08:00:00 h x'))).toBe('2026-12-31T23:00:00.000Z');
  });
});

describe('--tz for zone-less stamps', () => {
  const ny = new TimeParser('America/New_York', () => NOW);
  const berlin = new TimeParser('Europe/Berlin', () => NOW);
  it('applies the zone offset of that date (DST aware)', () => {
    expect(iso(ny.parseLine('2026-07-01 12:00:00 x'))).toBe('2026-07-01T16:00:00.000Z');
    expect(iso(ny.parseLine('2026-12-01 12:00:00 x'))).toBe('2026-12-01T17:00:00.000Z');
    expect(iso(berlin.parseLine('2026-07-01T12:00:00 x'))).toBe('2026-07-01T10:00:00.000Z');
    expect(iso(berlin.parseLine('22/Nov/2026:10:00:00 x'))).toBe('2026-11-22T09:00:00.000Z');
  });
  it('leaves explicit zones alone', () => {
    expect(iso(ny.parseLine('2026-07-01T12:00:00Z x'))).toBe('2026-07-01T12:00:00.000Z');
  });
  it('resolves a DST overlap to the earlier instant and a gap forward', () => {
    // New York falls back on 2026-11-01 at 02:00 EDT: 01:30 happens twice.
    expect(iso(zonedToUtc('America/New_York', 2026, 11, 1, 1, 30, 0, 0))).toBe('2026-11-01T05:30:00.000Z');
    // Berlin falls back on 2026-10-25 at 03:00 CEST: 02:30 happens twice.
    expect(iso(zonedToUtc('Europe/Berlin', 2026, 10, 25, 2, 30, 0, 0))).toBe('2026-10-25T00:30:00.000Z');
    // New York springs forward on 2026-03-08: 02:30 never happens, read as 03:30 EDT.
    expect(iso(zonedToUtc('America/New_York', 2026, 3, 8, 2, 30, 0, 0))).toBe('2026-03-08T07:30:00.000Z');
    // Just either side of the change.
    expect(iso(zonedToUtc('America/New_York', 2026, 3, 8, 1, 59, 0, 0))).toBe('2026-03-08T06:59:00.000Z');
    expect(iso(zonedToUtc('America/New_York', 2026, 3, 8, 3, 0, 0, 0))).toBe('2026-03-08T07:00:00.000Z');
  });
  it('handles half-hour zones', () => {
    expect(zoneOffsetMs('Asia/Kolkata', Date.parse('2026-06-01T00:00:00Z'))).toBe(5.5 * 3_600_000);
    expect(iso(zonedToUtc('Asia/Kolkata', 2026, 6, 1, 12, 0, 0, 0))).toBe('2026-06-01T06:30:00.000Z');
  });
});

describe('record time fields', () => {
  it.each([
    [{ time: '2026-11-22T10:00:00Z' }, '2026-11-22T10:00:00.000Z'],
    [{ ts: 1_795_000_000 }, '2026-11-18T11:06:40.000Z'],
    [{ timestamp: 1_795_000_000_123 }, '2026-11-18T11:06:40.123Z'],
    [{ '@timestamp': '2026-11-22T10:00:00.5+01:00' }, '2026-11-22T09:00:00.500Z'],
    [{ date: '1795000000' }, '2026-11-18T11:06:40.000Z'],
    [{ ts: 1_795_000_000.25 }, '2026-11-18T11:06:40.250Z'],
    [{ time: 'Nov 22 10:00:00' }, '2026-11-22T10:00:00.000Z'],
  ])('%j', (rec, want) => {
    expect(iso(utc.recordTime(rec))).toBe(want);
  });
  it.each([[{ time: 42 }], [{ msg: 'x' }], [{ time: 'soon' }], [['2026-11-22T10:00:00Z']], [null], ['2026-11-22T10:00:00Z']])(
    'no time: %j',
    (rec) => {
      expect(utc.recordTime(rec)).toBeUndefined();
    },
  );
  it('prefers time over ts over the others', () => {
    expect(iso(utc.recordTime({ ts: 1_795_000_000, time: '2026-01-01T00:00:00Z' }))).toBe('2026-01-01T00:00:00.000Z');
  });
});

describe('resolveTimeZone', () => {
  it('accepts IANA names and defaults to the local zone', () => {
    expect(resolveTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(resolveTimeZone(undefined)).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });
  it('answers UTC for the names ICU calls UTC, as --tz and as $TZ, without asking it', () => {
    const names = [...UTC_NAMES];
    for (const z of names) {
      expect(new Intl.DateTimeFormat('en-US', { timeZone: z }).resolvedOptions().timeZone).toBe('UTC');
      expect(resolveTimeZone(z)).toBe('UTC');
      expect(localTimeZone({ TZ: z })).toBe('UTC');
    }
    // What a process started with TZ=name gets from ICU (Node re-reads the zone when TZ changes).
    const script = `for (const z of ${JSON.stringify(names)}) { process.env.TZ = z; console.log(Intl.DateTimeFormat().resolvedOptions().timeZone); }`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.stdout.trim().split('\n')).toEqual(names.map(() => 'UTC'));
    expect(localTimeZone({ TZ: 'Europe/Berlin' })).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });
  it('without $TZ, answers UTC from an /etc/localtime link to a UTC zone, as ICU reads it, and asks ICU otherwise', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'errscan-localtime-'));
    const link = (name: string, target: string): string => {
      const f = path.join(dir, name);
      fs.symlinkSync(target, f);
      return f;
    };
    expect(localtimeLink(link('utc', '/usr/share/zoneinfo/Etc/UTC'))).toBe('Etc/UTC');
    expect(localtimeLink(link('rel', '../usr/share/zoneinfo/Europe/Berlin'))).toBe('Europe/Berlin');
    expect(localtimeLink(link('none', '/nowhere/UTC'))).toBeUndefined();
    const plain = path.join(dir, 'plain');
    fs.writeFileSync(plain, 'TZif');
    expect(localtimeLink(plain)).toBeUndefined();
    expect(localtimeLink(path.join(dir, 'missing'))).toBeUndefined();
    expect(localTimeZone({}, path.join(dir, 'utc'))).toBe('UTC');
    expect(localTimeZone({}, link('zulu', '/usr/share/zoneinfo/Zulu'))).toBe('UTC');
    // Not a UTC name (or a posix/ one): ICU answers, for this machine's real zone.
    const icu = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(localTimeZone({}, path.join(dir, 'rel'))).toBe(icu);
    expect(localTimeZone({}, link('posix', '/usr/share/zoneinfo/posix/Etc/UTC'))).toBe(icu);
    // $TZ wins over the link.
    expect(localTimeZone({ TZ: 'Europe/Berlin' }, path.join(dir, 'utc'))).toBe(icu);
    // This machine: what a process without $TZ gets from ICU is what errscan answers.
    const env = { ...process.env };
    delete env.TZ;
    const r = spawnSync(process.execPath, ['-e', 'console.log(Intl.DateTimeFormat().resolvedOptions().timeZone)'], { encoding: 'utf8', env });
    expect(localTimeZone({})).toBe(r.stdout.trim());
  });

  it('rejects an unknown zone with a usage error', () => {
    expect(() => resolveTimeZone('Mars/Olympus')).toThrow(ErrscanError);
    try {
      resolveTimeZone('Mars/Olympus');
    } catch (e) {
      expect((e as ErrscanError).code).toBe('ERRSCAN_USAGE');
      expect((e as ErrscanError).oneLine()).toContain('unknown time zone "Mars/Olympus"');
    }
  });
});

describe('the CLF fast path', () => {
  const p = new TimeParser('Europe/Berlin', () => Date.UTC(2026, 10, 27));

  it('reads CLF stamps with a zone itself, as the regex does', () => {
    const lines = [
      '17/Nov/2026:15:27:21 +0000 GET /',
      '[DWT] 17/Nov/2026:15:27:21 +0000 HTTPUpload failed',
      '- - [17/Nov/2026:15:27:21 -0130] "GET / HTTP/1.1"',
      'x 29/Feb/2028:23:59:60 +1400',
    ];
    for (const l of lines) {
      expect(clfAtFirstDigit(l), l).toBeTypeOf('number');
      expect(clfAtFirstDigit(l), l).toBe(p.parseByRegex(l));
      expect(p.parseLine(l), l).toBe(p.parseByRegex(l));
    }
    expect(clfAtFirstDigit('17/Nov/2026:15:27:21 -0130')).toBe(Date.UTC(2026, 10, 17, 16, 57, 21));
  });

  it('leaves every other shape to the regex', () => {
    for (const l of [
      '17/Nov/2026:15:27:21',
      '17/Nov/2026:15:27:21\t+0000',
      '17/Nov/2026:15:27:21 +000',
      '17/Nov/2026:15:27:21 +1500',
      '17/nov/2026:15:27:21 +0000',
      '30/Feb/2026:15:27:21 +0000',
      '17/Nov/2026:24:27:21 +0000',
      `${'x'.repeat(140)}17/Nov/2026:15:27:21 +0000`,
      'Nov 17 15:27:21 host 17/Nov/2026:15:27:21 +0000',
      'id 7 at 17/Nov/2026:15:27:21 +0000',
      // An address before the stamp: its first digit is not the stamp's.
      '127.0.0.1 - - [17/Nov/2026:15:27:21 -0130] "GET / HTTP/1.1"',
    ]) {
      expect(clfAtFirstDigit(l), l).toBeUndefined();
      expect(p.parseLine(l), l).toBe(p.parseByRegex(l));
    }
  });

  it('never disagrees with the regex (random lines near the stamp shape)', () => {
    const piece = fc.constantFrom(
      '17/Nov/2026:15:27:21',
      '31/Dec/1999:23:59:60',
      ' +0000',
      ' -0130',
      ' +1460',
      '17', '/', 'Nov', 'nov', '2026', ':', '15', '27', '60', '99', ' ', '\t', '+', '-', '0000', '0130', '1500', '[', 'x', '9', 'Nov ', '2026-11-20T10:00:00Z',
    );
    let hits = 0;
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 24 }), (parts) => {
        const line = parts.join('');
        const fast = clfAtFirstDigit(line);
        if (fast !== undefined) {
          hits++;
          expect(fast).toBe(p.parseByRegex(line));
        }
        expect(p.parseLine(line)).toBe(p.parseByRegex(line));
      }),
      { numRuns: 20000, seed: 11 },
    );
    // The fast path was taken often enough for the comparison to mean something.
    expect(hits).toBeGreaterThan(100);
  });
});

describe('the ISO UTC fast path', () => {
  const p = new TimeParser('Europe/Berlin', () => Date.UTC(2026, 10, 27));

  it('reads the common stamps itself, as the regex does', () => {
    const lines = [
      '2026-11-20T10:00:00Z x',
      '2026-11-20T10:00:00.123Z ERROR',
      '2026-11-20 10:00:00,5Z',
      '{"time":"2026-11-17T22:08:10.924Z","level":"error"}',
      '[2026-02-28T23:59:60.123456789Z] leap second, clamped',
    ];
    for (const l of lines) {
      expect(isoUtcAtFirstDigit(l)).toBeTypeOf('number');
      expect(isoUtcAtFirstDigit(l)).toBe(p.parseByRegex(l));
    }
    expect(p.parseLine('2026-11-20T10:00:00.123Z')).toBe(Date.UTC(2026, 10, 20, 10, 0, 0, 123));
  });

  it('leaves every other shape to the regex', () => {
    for (const l of [
      'Nov 20 10:00:00 host 2026-11-20T10:00:00Z',
      '20/Nov/2026:10:00:00 +0000 2026-11-20T10:00:00Z',
      '2026-11-20T10:00:00+01:00',
      '2026-11-20T10:00:00 UTC',
      '2026-11-20T10:00:00',
      '2026-11-20T10:00Z',
      '2026-11-20T10:00:00Zulu',
      '2026-11-20T10:00:00.1234567890Z',
      '2026-02-30T10:00:00Z',
      `${'x'.repeat(150)}2026-11-20T10:00:00Z`,
      'id 7 at 2026-11-20T10:00:00Z',
    ]) {
      expect(isoUtcAtFirstDigit(l), l).toBeUndefined();
    }
  });

  it('never disagrees with the regex (random lines near the stamp shape)', () => {
    const piece = fc.constantFrom('2026', '-', '11', '20', 'T', ' ', '10', ':', '00', '.', ',', '123', 'Z', 'z', 'UTC', '+01:00', 'Nov', '/', 'x', '9', '"', '{"time":"');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 24 }), (parts) => {
        const line = parts.join('');
        const fast = isoUtcAtFirstDigit(line);
        if (fast !== undefined) expect(fast).toBe(p.parseByRegex(line));
        expect(p.parseLine(line)).toBe(p.parseByRegex(line));
      }),
      { numRuns: 20000, seed: 7 },
    );
  });
});

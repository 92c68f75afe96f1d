import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { PrintSink, escapeControl, eventJson, eventLine, useColor } from '../../src/pipeline/print.js';
import { summaryLine, summaryJson, type SummaryData } from '../../src/pipeline/summary.js';
import type { ErrorEvent } from '../../src/types.js';

const ev: ErrorEvent = {
  vendor: 'qlm',
  product: 'Quick License Manager',
  code: 209,
  known: true,
  name: 'License_Expired',
  message: 'The license has expired',
  category: 'license',
  severity: 'error',
  ts: '2026-11-22T10:00:00.000Z',
  source: 'app.log',
  line: 12,
  text: '2026-11-22T10:00:00Z ERROR QlmLicense: ActivateLicense failed: License_Expired (209)',
};

describe('escapeControl', () => {
  it('shows control characters and bidi overrides instead of sending them to the terminal', () => {
    expect(escapeControl('a\x1b[31mred\x07\x00\x7f\x9b\u202ez\tq\r\n')).toBe('a\\x1b[31mred\\x07\\x00\\x7f\\x9b\\u202ez\\tq\\r\\n');
    expect(escapeControl('caf\u00e9 \u2014 ok')).toBe('caf\u00e9 \u2014 ok');
  });
});

describe('useColor', () => {
  it('--color and --no-color win; else a TTY without NO_COLOR', () => {
    expect(useColor(true, false, {})).toBe(true);
    expect(useColor(false, true, {})).toBe(false);
    expect(useColor(undefined, true, {})).toBe(true);
    expect(useColor(undefined, false, {})).toBe(false);
    expect(useColor(undefined, true, { NO_COLOR: '1' })).toBe(false);
    expect(useColor(undefined, true, { NO_COLOR: '' })).toBe(true);
    expect(useColor(undefined, true, { TERM: 'dumb' })).toBe(false);
    expect(useColor(undefined, false, { FORCE_COLOR: '1' })).toBe(true);
    expect(useColor(true, true, { NO_COLOR: '1' })).toBe(true);
  });
});

describe('event formats', () => {
  it('NDJSON has the documented fields in order', () => {
    expect(Object.keys(JSON.parse(eventJson(ev)))).toEqual(['vendor', 'product', 'code', 'known', 'name', 'message', 'category', 'severity', 'ts', 'source', 'line', 'text']);
  });

  it('the human line: time, severity, vendor code, name and message, where', () => {
    expect(eventLine(ev, false)).toBe('2026-11-22 10:00:00Z  error     qlm 209  License_Expired: The license has expired  (app.log:12)');
    expect(eventLine({ ...ev, known: false, name: null, message: null, severity: null, code: 777 }, false)).toBe(
      '2026-11-22 10:00:00Z  unknown   qlm 777  unknown Quick License Manager code  (app.log:12)',
    );
  });

  it('colours by severity, and escapes hostile file names', () => {
    const line = eventLine({ ...ev, severity: 'critical', source: 'x\x1b]0;pwned\x07.log' }, true);
    expect(line).toContain('\x1b[1;31mcritical');
    expect(line).toContain('x\\x1b]0;pwned\\x07.log');
    expect(line.match(/\x1b/g)!.length).toBe(8);
  });
});

class SlowOut extends Writable {
  chunks: string[] = [];
  constructor() {
    super({ highWaterMark: 64 });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(String(chunk));
    setTimeout(cb, 5);
  }
}

describe('PrintSink', () => {
  it('asks the pipeline to wait while stdout is saturated, and resumes on drain', async () => {
    const out = new SlowOut();
    const p = new PrintSink({ json: true, color: false, out });
    expect(p.ready()).toBeUndefined();
    p.event(ev);
    const wait = p.ready();
    expect(wait).toBeInstanceOf(Promise);
    await wait;
    expect(p.ready()).toBeUndefined();
    await p.close({ bytes: 0, lines: 0, hits: 1, unknown: 0, skipped: 0, oversized: 0, errors: 0 });
    expect(out.chunks.join('')).toBe(`${eventJson(ev)}\n`);
  });

  it('on EPIPE stops printing and tells the caller once', async () => {
    const out = new Writable({
      write(_c, _e, cb) {
        cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    let closed = 0;
    const p = new PrintSink({ json: false, color: false, out, onClosed: () => closed++ });
    p.event(ev);
    await new Promise((r) => setTimeout(r, 10));
    p.event(ev);
    p.replayed(ev);
    expect(closed).toBe(1);
    expect(p.closed).toBe(true);
    expect(p.printed).toBe(1);
  });
});

describe('summary', () => {
  const d: SummaryData = { bytes: 2_097_152, lines: 21845, hits: 437, unknown: 1, skipped: 0, oversized: 2, errors: 0, elapsedMs: 210, mbPerSec: 9.5, maxRssKiB: 51200, interrupted: false };
  it('one line for people', () => {
    expect(summaryLine(d)).toBe('errscan: 2.0 MB, 21,845 lines, 437 hits (1 unknown code), 0 skipped, 2 oversized, 0 errors in 0.21 s (9.5 MB/s)');
    expect(summaryLine({ ...d, bytes: 10, errors: 1, interrupted: true })).toBe(
      'errscan: 10 B, 21,845 lines, 437 hits (1 unknown code), 0 skipped, 2 oversized, 1 error in 0.21 s (9.5 MB/s), interrupted',
    );
    expect(summaryLine({ ...d, lines: 1, hits: 1, unknown: 0 })).toBe(
      'errscan: 2.0 MB, 1 line, 1 hit (0 unknown codes), 0 skipped, 2 oversized, 0 errors in 0.21 s (9.5 MB/s)',
    );
  });
  it('JSON with --json', () => {
    expect(JSON.parse(summaryJson(d))).toEqual({ summary: d });
  });
});

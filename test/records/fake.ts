// A small stand-in extractor for reader tests: `ErrorCode: -N` → dwt:-N; records are searched as JSON text.
import type { Hit } from '../../src/types.js';
import type { Extractor, ReaderOptions, RecordHit } from '../../src/records/index.js';
import { TimeParser } from '../../src/time/index.js';

const CODE = /ErrorCode[:=] ?(-?\d+)/g;

export function fakeExtractor(candidate = /ErrorCode/g): Extractor & { calls: number } {
  const x = {
    calls: 0,
    candidate,
    extract(line: string): Hit[] {
      x.calls++;
      const hits: Hit[] = [];
      for (const m of line.matchAll(CODE)) hits.push({ vendor: 'dwt', code: Number(m[1]), via: 'fake' });
      return hits;
    },
    extractRecord(value: unknown): Hit[] {
      return x.extract(JSON.stringify(value));
    },
  };
  return x;
}

export const NOW = Date.parse('2026-11-27T10:15:00Z');

export function collect(opts: Partial<ReaderOptions> = {}): { hits: RecordHit[]; opts: ReaderOptions } {
  const hits: RecordHit[] = [];
  return {
    hits,
    opts: {
      extractor: fakeExtractor(),
      maxLine: 1024 * 1024,
      time: new TimeParser('UTC', () => NOW),
      now: () => NOW,
      onHit: (r) => hits.push(r),
      ...opts,
    },
  };
}

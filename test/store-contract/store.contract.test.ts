// One suite, two stores: every case runs against SQLite and against PostgreSQL, with the same expected
// values, so a report reads the same answers from either. Backend-specific behaviour (WAL, busy timeouts,
// retries, connection loss) lives in test/store and test/store-pg.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrscanError } from '../../src/errors.js';
import { StoreSink } from '../../src/aggregate/index.js';
import { buildReport, renderJson } from '../../src/report/index.js';
import type { Store } from '../../src/store/types.js';
import type { CatalogEntry, ErrorEvent } from '../../src/types.js';
import { batch, count, sample } from '../store/helpers.js';
import { BACKENDS, type Place } from './backends.js';

const H = 1_795_219_200; // 2026-11-21T00:00:00Z
const ZERO = { bytes: 0, lines: 0, hits: 0, unknown: 0, skipped: 0, oversized: 0, errors: 0 };

function entry(over: Partial<CatalogEntry>): CatalogEntry {
  return { vendor: 'dwt', code: -2326, name: null, message: 'The current product key has expired', alternates: [], category: 'license', severity: 'error', ...over };
}

function event(over: Partial<ErrorEvent>): ErrorEvent {
  return {
    vendor: 'dwt', product: 'Dynamic Web TWAIN', code: -2326, known: true, name: null, message: 'm', category: 'license', severity: 'error',
    ts: '2026-11-21T00:10:00.000Z', source: 'app.log', line: 1, text: 'ErrorCode=-2326', ...over,
  } as ErrorEvent;
}

describe.each(BACKENDS)('$name store', (backend) => {
  let place: Place;
  let store: Store;

  beforeEach(async () => {
    place = await backend.fresh();
    store = await place.open();
  });
  afterEach(async () => {
    await store.close();
    await place.dispose();
  });

  describe('writeBatch', () => {
    it('upserts: adds counts to existing keys and widens first/last seen', async () => {
      await store.writeBatch(batch({ counts: [count({ count: 2, firstSeen: '2026-11-21T00:10:00.000Z', lastSeen: '2026-11-21T00:20:00.000Z' })] }));
      await store.writeBatch(
        batch({
          counts: [
            count({ count: 5, firstSeen: '2026-11-21T00:05:00.000Z', lastSeen: '2026-11-21T00:15:00.000Z' }),
            count({ count: 1, code: -1018, firstSeen: '2026-11-21T00:30:00.000Z', lastSeen: '2026-11-21T00:30:00.000Z' }),
            count({ count: 4, source: 'other.log' }),
            count({ count: 6, host: 'web1' }),
            count({ count: 7, bucket: H + 3600, firstSeen: '2026-11-21T01:00:00.000Z', lastSeen: '2026-11-21T01:59:59.000Z' }),
          ],
        }),
      );
      expect(await store.counts({ from: 0, to: 2e9 })).toEqual([
        count({ code: -2326, count: 7, firstSeen: '2026-11-21T00:05:00.000Z', lastSeen: '2026-11-21T00:20:00.000Z' }),
        count({ code: -2326, count: 6, host: 'web1' }),
        count({ code: -2326, count: 4, source: 'other.log' }),
        count({ code: -1018, count: 1, firstSeen: '2026-11-21T00:30:00.000Z', lastSeen: '2026-11-21T00:30:00.000Z' }),
        count({ bucket: H + 3600, count: 7, firstSeen: '2026-11-21T01:00:00.000Z', lastSeen: '2026-11-21T01:59:59.000Z' }),
      ].sort((a, b) => a.bucket - b.bucket || a.code - b.code || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0) || (a.host < b.host ? -1 : 1)));
    });

    it('adds up one key given twice in one batch', async () => {
      await store.writeBatch(
        batch({
          counts: [
            count({ count: 2, firstSeen: '2026-11-21T00:10:00.000Z', lastSeen: '2026-11-21T00:10:00.000Z' }),
            count({ count: 3, firstSeen: '2026-11-21T00:01:00.000Z', lastSeen: '2026-11-21T00:50:00.000Z' }),
          ],
        }),
      );
      expect(await store.counts({ from: 0, to: 2e9 })).toEqual([count({ count: 5, firstSeen: '2026-11-21T00:01:00.000Z', lastSeen: '2026-11-21T00:50:00.000Z' })]);
    });

    it('commits counts, samples and checkpoints together, or none of them', async () => {
      const cp = { source: 'app.log', path: '/logs/app.log', dev: 1, ino: 2, fingerprint: 'f', offset: 100, lines: 10 };
      const bad = sample({ text: null as unknown as string });
      const err = await store.writeBatch(batch({ counts: [count({ count: 1 })], samples: [sample(), bad], checkpoints: [cp] })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ErrscanError);
      expect((err as ErrscanError).code).toBe('ERRSCAN_DB');
      expect(await store.counts({ from: 0, to: 2e9 })).toEqual([]);
      expect(await store.samples('dwt', -2326, 5)).toEqual([]);
      expect(await store.checkpoint(cp)).toBeUndefined();

      await store.writeBatch(batch({ counts: [count({ count: 1 })], checkpoints: [cp] }));
      expect((await store.counts({ from: 0, to: 2e9 })).map((r) => r.count)).toEqual([1]);
      expect(await store.checkpoint(cp)).toEqual(cp);
    });

    it('keeps only the newest samples per vendor:code, ties in arrival order', async () => {
      const ts = (m: number): string => `2026-11-21T00:${String(m).padStart(2, '0')}:00.000Z`;
      await store.writeBatch(batch({ samples: [3, 1, 4, 1, 5].map((m, i) => sample({ ts: ts(m), line: i + 1, text: `a${i}` })) }));
      await store.writeBatch(batch({ samples: [9, 2, 6, 5].map((m, i) => sample({ ts: ts(m), line: 10 + i, text: `b${i}` })) }));
      await store.writeBatch(batch({ samples: [sample({ code: -1018, text: 'other code' })] }));
      expect((await store.samples('dwt', -2326, 10)).map((s) => `${s.ts.slice(14, 16)} ${s.text}`)).toEqual(['09 b0', '06 b2', '05 b3', '05 a4', '04 a2']);
      expect((await store.samples('dwt', -2326, 2)).map((s) => s.text)).toEqual(['b0', 'b2']);
      expect(await store.samples('dwt', -1018, 5)).toEqual([
        { vendor: 'dwt', code: -1018, ts: '2026-11-21T00:10:00.000Z', source: 'app.log', host: '', line: 1, text: 'other code' },
      ]);
      expect(await place.rows('SELECT count(*) AS n FROM samples')).toEqual([{ n: 6 }]);
    });

    it('a store opened read-only refuses writes with ERRSCAN_DB_READONLY', async () => {
      await store.writeBatch(batch({ counts: [count()] }));
      const ro = await place.open({ readonly: true });
      try {
        const err = await ro.writeBatch(batch({ counts: [count()] })).catch((e: unknown) => e as ErrscanError);
        expect(err?.code).toBe('ERRSCAN_DB_READONLY');
        expect((await ro.counts({ from: 0, to: 2e9 })).map((r) => r.count)).toEqual([1]);
      } finally {
        await ro.close();
      }
    });
  });

  describe('checkpoints', () => {
    const id = { source: 'app.log', path: '/logs/app.log', dev: 7, ino: 99, fingerprint: 'abc' };

    it('finds a checkpoint by file identity, also after a rename; a replaced file is new', async () => {
      await store.writeBatch(batch({ checkpoints: [{ ...id, offset: 500, lines: 12, lastTs: '2026-11-21T00:00:00.000Z' }] }));
      expect(await store.checkpoint(id)).toEqual({ ...id, offset: 500, lines: 12, lastTs: '2026-11-21T00:00:00.000Z' });
      expect((await store.checkpoint({ ...id, source: 'app.log.1', path: '/logs/app.log.1' }))?.offset).toBe(500);
      expect(await store.checkpoint({ ...id, ino: 100, fingerprint: 'new' })).toBeUndefined();
      expect(await store.checkpoint({ ...id, fingerprint: 'other' })).toBeUndefined();
    });

    it('keys sources without an identity by path, then by label; the last checkpoint of a key wins', async () => {
      await store.writeBatch(
        batch({ checkpoints: [{ source: 'x', path: '/x', offset: 1, lines: 1 }, { source: 'stdin', offset: 4, lines: 2 }, { source: 'stdin', offset: 9, lines: 3 }] }),
      );
      expect((await store.checkpoint({ source: 'renamed', path: '/x' }))?.offset).toBe(1);
      expect(await store.checkpoint({ source: 'stdin' })).toEqual({ source: 'stdin', offset: 9, lines: 3 });
      expect(await place.rows('SELECT key, "offset" FROM sources ORDER BY key')).toEqual([
        { key: 'label:stdin', offset: 9 },
        { key: 'path:/x', offset: 1 },
      ]);
    });

    it('checkpoints belong to the host that wrote them', async () => {
      const web1 = await place.open({ host: 'web1' });
      const web2 = await place.open({ host: 'web2' });
      try {
        await web1.writeBatch(batch({ checkpoints: [{ ...id, offset: 500, lines: 12 }] }));
        await web2.writeBatch(batch({ checkpoints: [{ ...id, offset: 70, lines: 2 }] }));
        expect((await web1.checkpoint(id))?.offset).toBe(500);
        expect((await web2.checkpoint(id))?.offset).toBe(70);
        expect(await store.checkpoint(id)).toBeUndefined();
        expect(await place.rows('SELECT host, "offset" FROM sources ORDER BY host')).toEqual([
          { host: 'web1', offset: 500 },
          { host: 'web2', offset: 70 },
        ]);
      } finally {
        await web1.close();
        await web2.close();
      }
    });

    it('a checkpoint with a base commits only where the stored offset is still the expected one', async () => {
      const other = await place.open();
      const conflict = (e: unknown): string => (e instanceof ErrscanError ? `${e.code} ${e.message}` : String(e));
      try {
        // Two runs begin reading the same new file (base: nothing stored); the first commit wins.
        await store.writeBatch(batch({ counts: [count({ count: 1 })], checkpoints: [{ ...id, base: null, offset: 100, lines: 1 }] }));
        const lost = await other.writeBatch(batch({ counts: [count({ count: 5 })], checkpoints: [{ ...id, base: null, offset: 60, lines: 1 }] })).catch(conflict);
        expect(lost).toBe(
          'ERRSCAN_SOURCE_CONFLICT another errscan run is reading this file: its checkpoint is at 100 (this run expected none); nothing more of it is counted by this run',
        );
        // The winner goes on from what it stored itself; nothing of the loser's batch was committed.
        await store.writeBatch(batch({ counts: [count({ count: 2 })], checkpoints: [{ ...id, base: null, offset: 200, lines: 2 }] }));
        expect((await store.counts({ from: 0, to: 2e9 })).map((r) => r.count)).toEqual([3]);
        expect((await store.checkpoint(id))?.offset).toBe(200);
        // A later run resumes from 200; then the first run's next commit is the one that conflicts.
        const third = await place.open();
        try {
          await third.writeBatch(batch({ counts: [count({ count: 4 })], checkpoints: [{ ...id, base: 200, offset: 300, lines: 3 }] }));
          await third.writeBatch(batch({ checkpoints: [{ ...id, base: 200, offset: 350, lines: 4 }] }));
        } finally {
          await third.close();
        }
        expect(await store.writeBatch(batch({ counts: [count({ count: 9 })], checkpoints: [{ ...id, base: null, offset: 400, lines: 4 }] })).catch(conflict)).toMatch(
          /^ERRSCAN_SOURCE_CONFLICT .*its checkpoint is at 350 \(this run expected 200\)/,
        );
        expect((await store.counts({ from: 0, to: 2e9 })).map((r) => r.count)).toEqual([7]);
        // Without a base (stdin) there is no check.
        await other.writeBatch(batch({ checkpoints: [{ ...id, offset: 10, lines: 1 }] }));
        expect((await store.checkpoint(id))?.offset).toBe(10);
      } finally {
        await other.close();
      }
    });

    it('a checkpoint that expects a stored offset conflicts when another run deleted the row (--force)', async () => {
      const other = await place.open();
      try {
        await store.writeBatch(batch({ counts: [count({ count: 1 })], checkpoints: [{ ...id, base: null, offset: 100, lines: 1 }] }));
        await other.forgetSource(id);
        const lost = await store.writeBatch(batch({ counts: [count({ count: 1 })], checkpoints: [{ ...id, base: null, offset: 200, lines: 2 }] })).catch((e: unknown) => e as ErrscanError);
        expect(lost).toMatchObject({ code: 'ERRSCAN_SOURCE_CONFLICT', message: expect.stringMatching(/its checkpoint is gone \(this run expected 100\)/) as unknown });
        await other.writeBatch(batch({ counts: [count({ count: 3 })], checkpoints: [{ ...id, base: null, offset: 300, lines: 3 }] }));
        expect((await store.counts({ from: 0, to: 2e9 })).map((r) => r.count)).toEqual([3]);
        expect((await store.checkpoint(id))?.offset).toBe(300);
      } finally {
        await other.close();
      }
    });

    it('after forgetSource, a checkpoint that expects nothing stored commits', async () => {
      await store.writeBatch(batch({ checkpoints: [{ ...id, base: null, offset: 100, lines: 1 }] }));
      await store.forgetSource(id);
      await store.writeBatch(batch({ checkpoints: [{ ...id, base: null, offset: 40, lines: 1 }] }));
      expect((await store.checkpoint(id))?.offset).toBe(40);
    });

    it('forgetSource removes the counts, samples and checkpoints of that source (and its recorded label) only', async () => {
      await store.writeBatch(
        batch({
          counts: [count({ count: 4 }), count({ code: -1018, count: 1 }), count({ source: 'logs/app.log', count: 3 }), count({ source: 'keep.log', count: 2 })],
          samples: [sample(), sample({ source: 'keep.log' })],
          checkpoints: [{ ...id, source: 'logs/app.log', offset: 500, lines: 12 }, { source: 'keep.log', path: '/logs/keep.log', dev: 7, ino: 5, offset: 3, lines: 1 }],
        }),
      );
      expect(await store.forgetSource(id)).toBe(3);
      expect((await store.counts({ from: 0, to: 2e9 })).map((r) => `${r.source}=${r.count}`)).toEqual(['keep.log=2']);
      expect(await place.rows('SELECT source FROM samples')).toEqual([{ source: 'keep.log' }]);
      expect(await place.rows('SELECT source FROM sources')).toEqual([{ source: 'keep.log' }]);
    });
  });

  describe('catalog snapshot and reads', () => {
    beforeEach(async () => {
      await store.syncCatalog(
        [
          entry({}),
          entry({ code: -1018, message: 'File not found', category: 'io', severity: 'warning' }),
          entry({ code: 0, message: 'Successful.', success: true }),
          entry({ code: -3000, message: 'Image processing error', range: { max: -3000 } }),
          entry({ vendor: 'qlm', code: 209, name: 'License_Expired', message: 'The license expired', severity: 'critical' }),
        ],
        { dwt: 'Dynamic Web TWAIN', qlm: 'Soraco QLM', pallycon: 'PallyCon' },
      );
      await store.writeBatch(
        batch({
          counts: [
            count({ count: 5 }),
            count({ bucket: H + 86400, count: 2, firstSeen: '2026-11-22T00:01:00.000Z', lastSeen: '2026-11-22T00:02:00.000Z' }),
            count({ vendor: 'qlm', code: 209, count: 3, source: 'qlm.log' }),
            count({ vendor: 'pallycon', code: 4242, count: 1, host: 'web1', firstSeen: '2026-11-21T00:40:00.000Z', lastSeen: '2026-11-21T00:40:00.000Z' }),
            count({ code: -3005, count: 1 }),
            count({ vendor: 'dls', code: -20199, count: 1, host: 'web1' }),
          ],
          samples: [sample({ vendor: 'pallycon', code: 4242, text: 'PallyCon license error 4242' })],
          codes: [
            { vendor: 'dwt', code: -3005, known: true, product: 'Dynamic Web TWAIN', name: null, message: 'Image processing error', category: 'license', severity: 'error' },
            // An event cannot demote a catalogued code to unknown.
            { vendor: 'dwt', code: -2326, known: false, product: 'Dynamic Web TWAIN', name: null, message: null, category: null, severity: null },
          ],
        }),
      );
    });

    it('codeInfo lists catalogued, range-covered, observed and never-described codes', async () => {
      expect(await store.codeInfo()).toEqual([
        { vendor: 'dls', code: -20199, known: false, product: null, name: null, message: null, category: null, severity: null },
        { vendor: 'dwt', code: -3005, known: true, product: 'Dynamic Web TWAIN', name: null, message: 'Image processing error', category: 'license', severity: 'error' },
        { vendor: 'dwt', code: -3000, known: true, product: 'Dynamic Web TWAIN', name: null, message: 'Image processing error', category: 'license', severity: 'error' },
        { vendor: 'dwt', code: -2326, known: true, product: 'Dynamic Web TWAIN', name: null, message: 'The current product key has expired', category: 'license', severity: 'error' },
        { vendor: 'dwt', code: -1018, known: true, product: 'Dynamic Web TWAIN', name: null, message: 'File not found', category: 'io', severity: 'warning' },
        { vendor: 'pallycon', code: 4242, known: false, product: 'PallyCon', name: null, message: null, category: null, severity: null },
        { vendor: 'qlm', code: 209, known: true, product: 'Soraco QLM', name: 'License_Expired', message: 'The license expired', category: 'license', severity: 'critical' },
      ]);
    });

    it('counts() filters by range, vendor, source and host, in key order', async () => {
      expect((await store.counts({ from: H, to: H + 3600 })).map((r) => `${r.vendor}:${r.code}@${r.host}=${r.count}`)).toEqual([
        'dls:-20199@web1=1',
        'dwt:-3005@=1',
        'dwt:-2326@=5',
        'pallycon:4242@web1=1',
        'qlm:209@=3',
      ]);
      expect(await store.counts({ from: H, to: H + 2 * 86400, vendor: ['dwt'], source: ['app.log'] })).toEqual([
        count({ code: -3005, count: 1 }),
        count({ count: 5 }),
        count({ bucket: H + 86400, count: 2, firstSeen: '2026-11-22T00:01:00.000Z', lastSeen: '2026-11-22T00:02:00.000Z' }),
      ]);
      expect((await store.counts({ from: H, to: H + 3600, host: ['web1'] })).map((r) => r.code)).toEqual([-20199, 4242]);
      expect((await store.counts({ from: H, to: H + 3600, host: ['web1', ''], vendor: ['pallycon', 'qlm'] })).map((r) => r.code)).toEqual([4242, 209]);
      expect(await store.counts({ from: H + 3600, to: H + 86400 })).toEqual([]);
    });

    it('firstLastSeen spans all time per code, with the same filters', async () => {
      expect(await store.firstLastSeen({ vendor: ['dwt'] })).toEqual([
        { vendor: 'dwt', code: -3005, firstSeen: '2026-11-21T00:10:00.000Z', lastSeen: '2026-11-21T00:10:00.000Z' },
        { vendor: 'dwt', code: -2326, firstSeen: '2026-11-21T00:10:00.000Z', lastSeen: '2026-11-22T00:02:00.000Z' },
      ]);
      expect(await store.firstLastSeen({ host: ['web1'] })).toEqual([
        { vendor: 'dls', code: -20199, firstSeen: '2026-11-21T00:10:00.000Z', lastSeen: '2026-11-21T00:10:00.000Z' },
        { vendor: 'pallycon', code: 4242, firstSeen: '2026-11-21T00:40:00.000Z', lastSeen: '2026-11-21T00:40:00.000Z' },
      ]);
    });

    it('the views answer the common questions', async () => {
      expect(await place.rows('SELECT * FROM daily_counts')).toEqual([
        { day: '2026-11-22', vendor: 'dwt', code: -2326, name: 'The current product key has expired', count: 2 },
        { day: '2026-11-21', vendor: 'dwt', code: -2326, name: 'The current product key has expired', count: 5 },
        { day: '2026-11-21', vendor: 'qlm', code: 209, name: 'License_Expired', count: 3 },
        { day: '2026-11-21', vendor: 'dls', code: -20199, name: null, count: 1 },
        { day: '2026-11-21', vendor: 'dwt', code: -3005, name: 'Image processing error', count: 1 },
        { day: '2026-11-21', vendor: 'pallycon', code: 4242, name: null, count: 1 },
      ]);
      expect(await place.rows('SELECT vendor, code, known, count, first_seen, last_seen FROM top_codes')).toEqual([
        { vendor: 'dwt', code: -2326, known: 1, count: 7, first_seen: '2026-11-21T00:10:00.000Z', last_seen: '2026-11-22T00:02:00.000Z' },
        { vendor: 'qlm', code: 209, known: 1, count: 3, first_seen: '2026-11-21T00:10:00.000Z', last_seen: '2026-11-21T00:10:00.000Z' },
        { vendor: 'dls', code: -20199, known: 0, count: 1, first_seen: '2026-11-21T00:10:00.000Z', last_seen: '2026-11-21T00:10:00.000Z' },
        { vendor: 'dwt', code: -3005, known: 1, count: 1, first_seen: '2026-11-21T00:10:00.000Z', last_seen: '2026-11-21T00:10:00.000Z' },
        { vendor: 'pallycon', code: 4242, known: 0, count: 1, first_seen: '2026-11-21T00:40:00.000Z', last_seen: '2026-11-21T00:40:00.000Z' },
      ]);
      expect(await place.rows('SELECT * FROM unknown_codes')).toEqual([
        { vendor: 'dls', code: -20199, count: 1, first_seen: '2026-11-21T00:10:00.000Z', last_seen: '2026-11-21T00:10:00.000Z', sample: null },
        { vendor: 'pallycon', code: 4242, count: 1, first_seen: '2026-11-21T00:40:00.000Z', last_seen: '2026-11-21T00:40:00.000Z', sample: 'PallyCon license error 4242' },
      ]);
    });

    it('info() reports location, schema version, rows, range and sources', async () => {
      await store.writeBatch(batch({ checkpoints: [{ source: 'app.log', path: '/l/app.log', dev: 1, ino: 2, offset: 10, lines: 2 }] }));
      await store.finishRun(await store.beginRun('ingest'), ZERO, 'ok');
      const info = await store.info();
      expect(info.location).toBe(backend.name === 'sqlite' ? place.location : place.location.replace(/\/\/[^@/]*@/, '//***@'));
      expect(info.schemaVersion).toBe(2);
      expect(info.sizeBytes).toBeGreaterThan(0);
      expect(info.rows).toEqual({ counts: 6, samples: 1, codes: 5, vendors: 3, sources: 1, runs: 1 });
      expect(info.firstSeen).toBe('2026-11-21T00:10:00.000Z');
      expect(info.lastSeen).toBe('2026-11-22T00:02:00.000Z');
      expect(info.sources).toEqual([{ source: 'app.log', path: '/l/app.log', offset: 10, lines: 2, updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }]);
    });

    it('prune removes whole hours and samples older than the cut-off, keeping checkpoints; vacuum keeps the rest', async () => {
      await store.writeBatch(batch({ checkpoints: [{ source: 'app.log', path: '/l/app.log', offset: 10, lines: 2 }] }));
      // 00:30 cuts the 00:10 sample, but no count hour lies wholly before it.
      expect(await store.prune(H + 1800)).toBe(1);
      expect(await store.prune(H + 3600)).toBe(5);
      await store.vacuum();
      expect((await store.counts({ from: 0, to: 2e9 })).map((r) => `${r.bucket}=${r.count}`)).toEqual([`${H + 86400}=2`]);
      expect(await place.rows('SELECT count(*) AS n FROM sources')).toEqual([{ n: 1 }]);
    });

    it('syncCatalog is idempotent and does not rewrite unchanged rows', async () => {
      const q = 'SELECT vendor, code, updated_at FROM codes ORDER BY vendor, code';
      const before = await place.rows(q);
      await store.syncCatalog([entry({})], { dwt: 'Dynamic Web TWAIN' });
      expect(await place.rows(q)).toEqual(before);
    });

    it('a report from the store: the same JSON from either', async () => {
      const report = await buildReport(store, { tz: 'UTC', top: 10, day: '2026-11-21' });
      expect(JSON.parse(renderJson(report))).toMatchObject({ total: 11 });
    });
  });

  describe('runs and reopening', () => {
    it('records a run from start to finish', async () => {
      const id = await store.beginRun('ingest');
      expect(await place.rows('SELECT command, status, finished_at FROM runs')).toEqual([{ command: 'ingest', status: 'running', finished_at: null }]);
      await store.finishRun(id, { bytes: 10, lines: 3, hits: 2, unknown: 1, skipped: 0, oversized: 0, errors: 0 }, 'ok');
      expect(await place.rows('SELECT id, command, status, bytes, lines, hits, unknown, skipped, oversized, errors, pid FROM runs')).toEqual([
        { id, command: 'ingest', status: 'ok', bytes: 10, lines: 3, hits: 2, unknown: 1, skipped: 0, oversized: 0, errors: 0, pid: process.pid },
      ]);
    });

    it('reopens an existing store without changing it', async () => {
      await store.writeBatch(batch({ counts: [count({ count: 3 })] }));
      await store.close();
      store = await place.open();
      expect((await store.counts({ from: 0, to: 2e9 })).map((r) => r.count)).toEqual([3]);
    });

    it('mustExist and readonly fail with ERRSCAN_DB_OPEN where there is no store yet', async () => {
      const empty = await backend.fresh();
      try {
        for (const opts of [{ mustExist: true }, { readonly: true }]) {
          const err = await empty.open(opts).catch((e: unknown) => e as ErrscanError);
          expect(err).toBeInstanceOf(ErrscanError);
          expect((err as ErrscanError).code).toBe('ERRSCAN_DB_OPEN');
        }
      } finally {
        await empty.dispose();
      }
    });
  });

  describe('through the StoreSink', () => {
    it('labels counts with the store host and commits exact totals with their checkpoints', async () => {
      await store.close();
      store = await place.open({ host: 'web-7' });
      const sink = new StoreSink(store, { flushMs: 0, maxKeys: 3 });
      let n = 0;
      for (let b = 0; b < 20; b++) {
        for (let i = 0; i < 50; i++) {
          const h = String(i % 5).padStart(2, '0');
          sink.event(event({ code: -2000 - (i % 4), ts: `2026-11-21T${h}:0${i % 10}:00.000Z`, line: ++n, text: `line ${n}` }));
        }
        sink.checkpoint({ source: 'app.log', path: '/l/app.log', dev: 1, ino: 9, offset: (b + 1) * 1000, lines: n });
      }
      await sink.close(ZERO);
      const rows = await store.counts({ from: 0, to: 2e9 });
      expect(rows.reduce((s, r) => s + r.count, 0)).toBe(1000);
      expect(new Set(rows.map((r) => r.host))).toEqual(new Set(['web-7']));
      expect(rows.length).toBe(20);
      expect(await store.checkpoint({ source: 'app.log', path: '/l/app.log', dev: 1, ino: 9 })).toMatchObject({ offset: 20_000, lines: 1000 });
      // -2000 is i % 4 = 0; its newest time is 04:04 (i = 4, 24, 44 of every batch), ties newest arrival first.
      expect((await store.samples('dwt', -2000, 10)).map((s) => [s.host, s.ts, s.text])).toEqual([
        ['web-7', '2026-11-21T04:04:00.000Z', 'line 995'],
        ['web-7', '2026-11-21T04:04:00.000Z', 'line 975'],
        ['web-7', '2026-11-21T04:04:00.000Z', 'line 955'],
        ['web-7', '2026-11-21T04:04:00.000Z', 'line 945'],
        ['web-7', '2026-11-21T04:04:00.000Z', 'line 925'],
      ]);
    });
  });
});

describe('the same data in SQLite and PostgreSQL', () => {
  let places: Place[] = [];
  let stores: Store[] = [];

  beforeEach(async () => {
    places = await Promise.all(BACKENDS.map((b) => b.fresh()));
    stores = await Promise.all(places.map((p) => p.open()));
  });
  afterEach(async () => {
    for (const s of stores) await s.close();
    for (const p of places) await p.dispose();
  });

  it('gives identical reports: each day, groupings, trends and samples', async () => {
    // Deterministic rows over ten days, five hosts, three sources and both known and unknown codes.
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n);
    const codes: Array<[string, number]> = [['dwt', -2326], ['dwt', -1018], ['qlm', 209], ['dls', -20100], ['pallycon', 7011], ['pallycon', 4242]];
    const entries = [entry({}), entry({ code: -1018, message: 'File not found', category: 'io', severity: 'warning' }),
      entry({ vendor: 'qlm', code: 209, name: 'License_Expired', message: 'The license expired', severity: 'critical' })];
    const batches = Array.from({ length: 12 }, () => {
      const counts = Array.from({ length: 150 }, () => {
        const [vendor, code] = codes[rnd(codes.length)]!;
        const bucket = H - 5 * 86400 + rnd(10 * 24) * 3600;
        const a = new Date((bucket + rnd(1800)) * 1000).toISOString();
        const b = new Date((bucket + 1800 + rnd(1799)) * 1000).toISOString();
        return count({ bucket, vendor, code, source: `s${rnd(3)}.log`, host: `h${rnd(5)}`, count: 1 + rnd(40), firstSeen: a, lastSeen: b });
      });
      const samples = counts.slice(0, 20).map((c, i) => sample({ vendor: c.vendor, code: c.code, ts: c.lastSeen, source: c.source, host: c.host, line: i + 1, text: `${c.vendor} ${c.code} #${i}` }));
      return batch({ counts, samples });
    });
    for (const s of stores) {
      await s.syncCatalog(entries, { dwt: 'Dynamic Web TWAIN', qlm: 'Soraco QLM', pallycon: 'PallyCon', dls: 'DLS' });
      for (const b of batches) await s.writeBatch(b);
    }
    const [sqlite, postgres] = stores as [Store, Store];
    const now = H + 6 * 86400;
    const variants = [
      ...Array.from({ length: 10 }, (_, d) => ({ day: new Date((H + (d - 5) * 86400) * 1000).toISOString().slice(0, 10) })),
      { since: '7d', by: 'source' as const, trend: 7 },
      { since: '10d', by: 'vendor' as const },
      { day: '2026-11-19', by: 'category' as const, samples: 3 },
      { day: '2026-11-20', tz: 'America/New_York', vendor: ['dwt', 'pallycon'] },
    ];
    let total = 0;
    for (const v of variants) {
      const opts = { tz: 'UTC', top: 0, now, ...v };
      const a = JSON.parse(renderJson(await buildReport(sqlite, opts))) as Record<string, unknown>;
      const b = JSON.parse(renderJson(await buildReport(postgres, opts))) as Record<string, unknown>;
      delete a.generatedAt;
      delete b.generatedAt;
      expect(b).toEqual(a);
      total += Number(a.total ?? 0);
    }
    // The comparison compared something.
    expect(total).toBeGreaterThan(10_000);
    expect(await postgres.counts({ from: 0, to: 2e9 })).toEqual(await sqlite.counts({ from: 0, to: 2e9 }));
    expect(await postgres.codeInfo()).toEqual(await sqlite.codeInfo());
    expect(await postgres.firstLastSeen({ host: ['h1', 'h3'] })).toEqual(await sqlite.firstLastSeen({ host: ['h1', 'h3'] }));
  });
});

import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreSink, bucketOf } from '../../src/aggregate/index.js';
import { SqliteStore } from '../../src/store/index.js';
import type { Batch, Store } from '../../src/store/types.js';
import type { Checkpoint, RunInfo } from '../../src/pipeline/types.js';
import type { ErrorEvent } from '../../src/types.js';
import { tmpDir } from '../store/helpers.js';

const INFO: RunInfo = { bytes: 0, lines: 0, hits: 0, unknown: 0, skipped: 0, oversized: 0, errors: 0 };

function ev(over: Partial<ErrorEvent> = {}): ErrorEvent {
  return {
    vendor: 'dwt',
    product: 'Dynamic Web TWAIN',
    code: -2326,
    known: true,
    name: null,
    message: 'The current product key has expired',
    category: 'license',
    severity: 'error',
    ts: '2026-11-21T00:10:00.000Z',
    source: 'app.log',
    line: 1,
    text: 'ErrorCode=-2326',
    ...over,
  };
}

function cp(over: Partial<Checkpoint> = {}): Checkpoint {
  return { source: 'app.log', path: '/logs/app.log', dev: 1, ino: 2, offset: 100, lines: 10, ...over };
}

const tick = () => new Promise((r) => setImmediate(r));

let dir: string;
let store: SqliteStore;
beforeEach(() => {
  dir = tmpDir('errscan-sink-');
  store = SqliteStore.open(path.join(dir, 'errscan.db'));
});
afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function table(sql: string): unknown[] {
  return store.db.prepare(sql).all();
}

describe('bucketOf', () => {
  it('floors to the UTC hour and canonicalises the timestamp', () => {
    expect(bucketOf('2026-11-21T00:59:59.999Z')).toEqual({ bucket: 1_795_219_200, iso: '2026-11-21T00:59:59.999Z' });
    expect(bucketOf('2026-11-21T02:30:00+02:00')).toEqual({ bucket: 1_795_219_200, iso: '2026-11-21T00:30:00.000Z' });
  });
});

describe('StoreSink', () => {
  it('pre-aggregates: rows written scale with distinct keys, not hits', async () => {
    const sink = new StoreSink(store, { flushMs: 0 });
    for (let i = 0; i < 1000; i++) {
      const hour = i % 2;
      const code = i % 5 === 0 ? -1018 : -2326;
      const min = String(i % 60).padStart(2, '0');
      sink.event(ev({ code, ts: `2026-11-21T0${hour}:${min}:00.000Z`, line: i + 1 }));
    }
    sink.checkpoint(cp({ offset: 5000, lines: 1000 }));
    await sink.close(INFO);
    expect(sink.stats).toEqual({ events: 1000, committed: 1000, batches: 1, rows: 4, uncovered: 0 });
    expect(table('SELECT bucket, code, count, first_seen, last_seen FROM counts ORDER BY bucket, code')).toEqual([
      { bucket: 1_795_219_200, code: -2326, count: 400, first_seen: '2026-11-21T00:02:00.000Z', last_seen: '2026-11-21T00:58:00.000Z' },
      { bucket: 1_795_219_200, code: -1018, count: 100, first_seen: '2026-11-21T00:00:00.000Z', last_seen: '2026-11-21T00:50:00.000Z' },
      { bucket: 1_795_222_800, code: -2326, count: 400, first_seen: '2026-11-21T01:01:00.000Z', last_seen: '2026-11-21T01:59:00.000Z' },
      { bucket: 1_795_222_800, code: -1018, count: 100, first_seen: '2026-11-21T01:05:00.000Z', last_seen: '2026-11-21T01:55:00.000Z' },
    ]);
    // Newest samples by time, bounded per code.
    expect((await store.samples('dwt', -1018, 10)).map((s) => `${s.ts} ${s.line}`)).toEqual([
      '2026-11-21T01:55:00.000Z 956',
      '2026-11-21T01:55:00.000Z 896',
      '2026-11-21T01:55:00.000Z 836',
      '2026-11-21T01:55:00.000Z 776',
      '2026-11-21T01:55:00.000Z 716',
    ]);
    expect(await store.checkpoint({ source: 'app.log', dev: 1, ino: 2 })).toMatchObject({ offset: 5000, lines: 1000 });
  });

  it('stores unknown codes like known ones, flagged through the catalog snapshot', async () => {
    const sink = new StoreSink(store, { flushMs: 0 });
    sink.event(ev({ vendor: 'pallycon', product: 'PallyCon', code: 4242, known: false, message: null, category: null, severity: null, text: 'error 4242' }));
    sink.checkpoint(cp());
    await sink.close(INFO);
    expect(await store.codeInfo()).toEqual([
      { vendor: 'pallycon', code: 4242, known: false, product: 'PallyCon', name: null, message: null, category: null, severity: null },
    ]);
    expect(table('SELECT vendor, code, count, sample FROM unknown_codes')).toEqual([{ vendor: 'pallycon', code: 4242, count: 1, sample: 'error 4242' }]);
  });

  it('commits only events covered by a checkpoint of their source', async () => {
    const sink = new StoreSink(store, { flushMs: 0 });
    sink.event(ev({ source: 'a.log' }));
    sink.event(ev({ source: 'b.log' }));
    sink.checkpoint(cp({ source: 'a.log', ino: 10 }));
    sink.event(ev({ source: 'a.log' })); // after a's checkpoint: not covered
    await sink.flush();
    expect(table('SELECT source, count FROM counts')).toEqual([{ source: 'a.log', count: 1 }]);
    sink.checkpoint(cp({ source: 'b.log', ino: 11 }));
    await sink.close(INFO);
    // a.log's tail is left for the next run to re-read from its checkpoint.
    expect(table('SELECT source, count FROM counts ORDER BY source')).toEqual([
      { source: 'a.log', count: 1 },
      { source: 'b.log', count: 1 },
    ]);
    expect(sink.stats.uncovered).toBe(1);
  });

  it('at close, commits events of sources that cannot be resumed (stdin)', async () => {
    const sink = new StoreSink(store, { flushMs: 0 });
    sink.event(ev({ source: 'stdin' }));
    sink.event(ev({ source: 'stdin' }));
    await sink.close(INFO);
    expect(table('SELECT source, count FROM counts')).toEqual([{ source: 'stdin', count: 2 }]);
    expect(sink.stats.uncovered).toBe(0);
  });

  it('commits as soon as maxKeys distinct keys are sealed', async () => {
    const sink = new StoreSink(store, { flushMs: 0, maxKeys: 3 });
    for (const code of [-1, -2]) sink.event(ev({ code }));
    sink.checkpoint(cp({ offset: 10 }));
    await tick();
    expect(table('SELECT count(*) AS n FROM counts')).toEqual([{ n: 0 }]);
    sink.event(ev({ code: -3 }));
    sink.checkpoint(cp({ offset: 20 }));
    await tick();
    expect(table('SELECT count(*) AS n FROM counts')).toEqual([{ n: 3 }]);
    expect((await store.checkpoint({ source: 'app.log', dev: 1, ino: 2 }))?.offset).toBe(20);
    await sink.close(INFO);
  });

  it('commits on its timer while streaming', async () => {
    const sink = new StoreSink(store, { flushMs: 20 });
    sink.event(ev());
    sink.checkpoint(cp());
    for (let i = 0; i < 50 && sink.stats.batches === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(table('SELECT count FROM counts')).toEqual([{ count: 1 }]);
    await sink.close(INFO);
    expect(sink.stats.batches).toBe(1);
  });

  it('after a failed batch commits nothing more, and reports the failure', async () => {
    const writes: Batch[] = [];
    let fail = true;
    const flaky = {
      writeBatch: async (b: Batch) => {
        if (fail) {
          fail = false;
          throw new Error('disk gone');
        }
        writes.push(b);
      },
    } as unknown as Store;
    const sink = new StoreSink(flaky, { flushMs: 0 });
    sink.event(ev());
    sink.checkpoint(cp({ offset: 10 }));
    await expect(sink.flush()).rejects.toThrow('disk gone');
    sink.event(ev());
    sink.checkpoint(cp({ offset: 20 }));
    await expect(sink.close(INFO)).rejects.toThrow('disk gone');
    expect(writes).toEqual([]);
  });
});

// A simulated pipeline over several sources, killed at a random step and resumed from the store,
// any number of times: the final totals are exact.
describe('exactly once across crashes', () => {
  interface Src {
    label: string;
    ino: number;
    records: number[][]; // codes per record
  }
  const sourcesArb = fc.array(
    fc.array(fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }), { minLength: 1, maxLength: 40 }),
    { minLength: 1, maxLength: 3 },
  );

  async function run(file: string, srcs: Src[], ops: number[], crashAt: number | undefined, maxKeys: number): Promise<boolean> {
    const s = SqliteStore.open(file);
    const sink = new StoreSink(s, { flushMs: 0, maxKeys });
    let step = 0;
    for (const src of srcs) {
      const id = { source: src.label, path: `/l/${src.label}`, dev: 1, ino: src.ino };
      const start = (await s.checkpoint(id))?.lines ?? 0;
      for (let r = start; r < src.records.length; r++) {
        for (const code of src.records[r]!) sink.event(ev({ source: src.label, code, line: r + 1, ts: `2026-11-21T0${r % 3}:00:00.000Z` }));
        const op = ops[step % ops.length]!;
        if (op % 2 === 0 || r === src.records.length - 1) sink.checkpoint({ ...id, offset: (r + 1) * 10, lines: r + 1 });
        if (op % 3 === 0) await sink.flush();
        if (crashAt !== undefined && step++ >= crashAt) {
          await s.close(); // the process dies: nothing more reaches the database
          return false;
        }
      }
    }
    await sink.close(INFO);
    await s.close();
    return true;
  }

  it('holds for random streams, flush points and kill points', async () => {
    let trial = 0;
    await fc.assert(
      fc.asyncProperty(sourcesArb, fc.array(fc.nat(20), { minLength: 1, maxLength: 30 }), fc.array(fc.nat(60), { maxLength: 4 }), fc.integer({ min: 1, max: 6 }), async (recs, ops, crashes, maxKeys) => {
        const file = path.join(dir, `crash-${trial++}.db`);
        const srcs = recs.map((records, i) => ({ label: `s${i}.log`, ino: 100 + i, records }));
        for (const c of crashes) await run(file, srcs, ops, c, maxKeys);
        expect(await run(file, srcs, ops, undefined, maxKeys)).toBe(true);
        // A re-run after a complete one adds nothing.
        expect(await run(file, srcs, ops, undefined, maxKeys)).toBe(true);
        const want: Record<string, number> = {};
        for (const s of srcs) for (const r of s.records) for (const c of r) want[`${s.label}:${c}`] = (want[`${s.label}:${c}`] ?? 0) + 1;
        const check = SqliteStore.open(file);
        const got: Record<string, number> = {};
        for (const r of check.db.prepare('SELECT source, code, sum(count) AS n FROM counts GROUP BY source, code').all() as Array<{ source: string; code: number; n: number }>) {
          got[`${r.source}:${r.code}`] = r.n;
        }
        await check.close();
        expect(got).toEqual(want);
      }),
      { numRuns: 40 },
    );
  });
});

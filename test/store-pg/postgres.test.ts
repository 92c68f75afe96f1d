// What only the PostgreSQL store has to get right: retries that never count twice, lock ordering that
// never deadlocks, concurrent migrations, its own errors, and staying out of a SQLite run's way.
// (What both stores share is pinned by test/store-contract.)
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrscanError } from '../../src/errors.js';
import { PostgresStore, mergeCounts, pgError } from '../../src/store/postgres.js';
import { PG_SCHEMA_VERSION } from '../../src/store/pg-migrations.js';
import type { Batch, CountRow } from '../../src/store/types.js';
import { ROOT } from '../helpers/cli.js';
import { batch, count, sample, tmpDir } from '../store/helpers.js';
import { freshSchema, pgBaseUrl, pgRows, withClient, withSearchPath, type PgSchema } from './pg.js';

let schema: PgSchema;
const open: PostgresStore[] = [];

async function store(opts: Parameters<typeof PostgresStore.open>[1] = {}): Promise<PostgresStore> {
  const s = await PostgresStore.open(schema.url, opts);
  open.push(s);
  return s;
}

const total = (rows: CountRow[]): number => rows.reduce((n, r) => n + r.count, 0);

beforeEach(async () => {
  schema = await freshSchema('pgstore');
});
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  await schema.drop();
});

/** Closes the client's socket under it, the way a network failure or a server crash would. */
function cutConnection(c: pg.PoolClient): Error {
  (c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
  return Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
}

describe('retries never count twice', () => {
  it('a COMMIT whose answer is lost: the retry finds the batch id and adds nothing', async () => {
    const s = await store({
      onBatchStage: async (stage, c, attempt) => {
        if (stage === 'committed' && attempt === 1) throw cutConnection(c);
      },
    });
    await s.writeBatch(batch({ counts: [count({ count: 5 })], samples: [sample()], checkpoints: [{ source: 'a', path: '/a', offset: 10, lines: 1 }] }));
    expect(s.stats).toEqual({ batches: 0, replayed: 1, retries: { ECONNRESET: 1 } });
    expect(total(await s.counts({ from: 0, to: 2e9 }))).toBe(5);
    expect(await pgRows(schema.url, 'SELECT count(*) AS n FROM samples')).toEqual([{ n: 1 }]);
    expect(await pgRows(schema.url, 'SELECT count(*) AS n FROM batches')).toEqual([{ n: 1 }]);
  });

  it('a connection cut before COMMIT: the transaction is rolled back and applied once on retry', async () => {
    const s = await store({
      onBatchStage: async (stage, c, attempt) => {
        if (stage === 'written' && attempt === 1) {
          // Kill the session from another connection, as an administrator or a failover would.
          const pid = (c as unknown as { processID: number }).processID;
          await withClient(schema.url, (k) => k.query('SELECT pg_terminate_backend($1)', [pid]));
        }
      },
    });
    await s.writeBatch(batch({ counts: [count({ count: 5 }), count({ code: 1, count: 2 })] }));
    expect(s.stats.batches).toBe(1);
    expect(s.stats.replayed).toBe(0);
    expect(Object.values(s.stats.retries).reduce((a, b) => a + b, 0)).toBe(1);
    expect(total(await s.counts({ from: 0, to: 2e9 }))).toBe(7);
    // The pool replaced the dead connection: the store keeps working.
    await s.writeBatch(batch({ counts: [count({ count: 1 })] }));
    expect(total(await s.counts({ from: 0, to: 2e9 }))).toBe(8);
  });

  it('deadlock and serialization failures retry the whole transaction', async () => {
    const s = await store({
      onBatchStage: async (stage, _c, attempt) => {
        if (stage !== 'written') return;
        if (attempt === 1) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        if (attempt === 2) throw Object.assign(new Error('could not serialize access'), { code: '40001' });
      },
    });
    await s.writeBatch(batch({ counts: [count({ count: 3 })], samples: [sample()] }));
    expect(s.stats).toEqual({ batches: 1, replayed: 0, retries: { '40P01': 1, '40001': 1 } });
    expect(total(await s.counts({ from: 0, to: 2e9 }))).toBe(3);
    expect(await pgRows(schema.url, 'SELECT count(*) AS n FROM samples')).toEqual([{ n: 1 }]);
  });

  it('gives up after the retry budget with ERRSCAN_DB_LOCKED, having written nothing', async () => {
    const s = await store({
      retryMs: 300,
      onBatchStage: async (stage) => {
        if (stage === 'written') throw Object.assign(new Error('could not serialize access'), { code: '40001' });
      },
    });
    const err = (await s.writeBatch(batch({ counts: [count()] })).catch((e: unknown) => e)) as ErrscanError;
    expect(err).toBeInstanceOf(ErrscanError);
    expect(err.code).toBe('ERRSCAN_DB_LOCKED');
    expect(err.message).toMatch(/^PostgreSQL kept refusing the transaction after \d+ attempts \(could not serialize access \[40001\]\)$/);
    expect(s.stats.retries['40001']).toBeGreaterThan(1);
    expect(await s.counts({ from: 0, to: 2e9 })).toEqual([]);
  });

  it('a constraint error is not retried', async () => {
    const s = await store();
    const err = (await s.writeBatch(batch({ counts: [count()], samples: [sample({ text: null as unknown as string })] })).catch((e: unknown) => e)) as ErrscanError;
    expect(err.code).toBe('ERRSCAN_DB');
    expect(err.message).toMatch(/null value in column "text".*\[23502\]$/);
    expect(s.stats.retries).toEqual({});
  });
});

describe('many writers at once', () => {
  it('overlapping keys in any order: exact totals, no deadlock, samples bounded', async () => {
    const writers = await Promise.all(Array.from({ length: 6 }, (_, i) => store({ host: `w${i}` })));
    let seed = 99;
    const rnd = (n: number): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n);
    // Every writer hits the same 240 keys (and the same 6 vendor:codes), each batch in its own shuffled order.
    const keys = Array.from({ length: 240 }, (_, k) => count({ bucket: 1_795_219_200 + (k % 40) * 3600, code: -2000 - Math.floor(k / 40), host: 'shared' }));
    let expected = 0;
    const plans: Batch[][] = writers.map(() =>
      Array.from({ length: 25 }, () => {
        const counts = keys.map((k) => ({ ...k, count: 1 + rnd(5) }));
        for (let i = counts.length - 1; i > 0; i--) {
          const j = rnd(i + 1);
          [counts[i], counts[j]] = [counts[j]!, counts[i]!];
        }
        expected += counts.reduce((n, c) => n + c.count, 0);
        const samples = Array.from({ length: 12 }, (_, i) => sample({ code: -2000 - (i % 6), ts: `2026-11-21T00:${String(rnd(60)).padStart(2, '0')}:00.000Z`, text: `s${i}` }));
        const codes = Array.from({ length: 6 }, (_, i) => ({
          vendor: 'dwt', code: -2000 - i, known: false, product: 'DWT', name: null, message: null, category: null, severity: null,
        }));
        return batch({ counts, samples, codes: codes.reverse() });
      }),
    );
    await Promise.all(writers.map(async (w, i) => {
      for (const b of plans[i]!) await w.writeBatch(b);
    }));
    const reader = await store();
    const rows = await reader.counts({ from: 0, to: 2e9 });
    expect(rows.length).toBe(240);
    expect(total(rows)).toBe(expected);
    for (const w of writers) {
      expect(w.stats.batches).toBe(25);
      expect(w.stats.retries).toEqual({});
    }
    expect(await pgRows(schema.url, 'SELECT code, count(*) AS n FROM samples GROUP BY code ORDER BY code')).toEqual(
      [-2005, -2004, -2003, -2002, -2001, -2000].map((code) => ({ code, n: 5 })),
    );
  });

  it('mergeCounts orders rows by the conflict key, the lock order every writer shares', () => {
    const rows = mergeCounts([
      count({ bucket: 7200, source: 'b' }),
      count({ bucket: 3600, vendor: 'qlm' }),
      count({ bucket: 3600, vendor: 'dwt', code: 5 }),
      count({ bucket: 3600, vendor: 'dwt', code: -5, host: 'z' }),
      count({ bucket: 3600, vendor: 'dwt', code: -5, host: 'a' }),
      count({ bucket: 7200, source: 'b', count: 2 }),
    ]);
    expect(rows.map((r) => `${r.bucket} ${r.vendor} ${r.code} ${r.source} ${r.host} ${r.count}`)).toEqual([
      '3600 dwt -5 app.log a 1',
      '3600 dwt -5 app.log z 1',
      '3600 dwt 5 app.log  1',
      '3600 qlm -2326 app.log  1',
      '7200 dwt -2326 b  3',
    ]);
  });

  it('processes starting together on an empty database migrate it once', async () => {
    const stores = await Promise.all(Array.from({ length: 5 }, () => store()));
    expect(stores.length).toBe(5);
    expect(await pgRows(schema.url, 'SELECT version FROM schema_version ORDER BY version')).toEqual([{ version: 1 }, { version: 2 }]);
  });
});

describe('schema', () => {
  it('upgrades an older schema forward, keeping its rows; a reader asks for the upgrade first', async () => {
    const v1 = await store();
    await v1.close();
    // Back to version 1, as an older errscan would have left it.
    await withClient(schema.url, async (c) => {
      await c.query('DROP VIEW daily_counts, top_codes, unknown_codes');
      await c.query('DROP INDEX counts_by_code, counts_by_source, sources_by_source');
      await c.query('DELETE FROM schema_version WHERE version = 2');
      await c.query(`INSERT INTO counts VALUES (1795219200, 'dwt', -2326, 'old.log', 'h', 4, '2026-11-21T00:01:00.000Z', '2026-11-21T00:02:00.000Z')`);
    });
    const err = (await PostgresStore.open(schema.url, { readonly: true }).catch((e: unknown) => e)) as ErrscanError;
    expect(err.code).toBe('ERRSCAN_DB_SCHEMA');
    expect(err.message).toBe(`database schema version 1 is older than this errscan's (${PG_SCHEMA_VERSION})`);
    const s = await store();
    expect((await s.info()).schemaVersion).toBe(2);
    expect(await pgRows(schema.url, 'SELECT code, count FROM daily_counts')).toEqual([{ code: -2326, count: 4 }]);
  });

  it('a newer schema than this errscan knows: ERRSCAN_DB_SCHEMA', async () => {
    await (await store()).close();
    await withClient(schema.url, (c) => c.query("INSERT INTO schema_version (version, description) VALUES (99, 'future')"));
    const err = (await PostgresStore.open(schema.url).catch((e: unknown) => e)) as ErrscanError;
    expect(err.code).toBe('ERRSCAN_DB_SCHEMA');
    expect(err.message).toBe(`database schema version 99 is newer than this errscan supports (${PG_SCHEMA_VERSION})`);
  });

  it("another program's counts table: ERRSCAN_DB_SCHEMA, untouched", async () => {
    await withClient(schema.url, (c) => c.query('CREATE TABLE counts (id int)'));
    const err = (await PostgresStore.open(schema.url).catch((e: unknown) => e)) as ErrscanError;
    expect(err.code).toBe('ERRSCAN_DB_SCHEMA');
    expect(err.message).toBe('has a table named counts but no errscan schema_version');
    expect(await pgRows(schema.url, `SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema.name}'`)).toEqual([{ table_name: 'counts' }]);
  });

  it('text with NUL bytes (PostgreSQL cannot store them) is kept with U+FFFD in their place', async () => {
    const s = await store();
    await s.writeBatch(batch({ counts: [count({ source: 'a\0b' })], samples: [sample({ source: 'a\0b', text: 'x\0y' })] }));
    expect((await s.counts({ from: 0, to: 2e9 }))[0]?.source).toBe('a\uFFFDb');
    expect((await s.samples('dwt', -2326, 1))[0]?.text).toBe('x\uFFFDy');
  });
});

describe('errors name the database with its password hidden', () => {
  it('nothing listening: ERRSCAN_DB_OPEN', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const url = `postgres://me:secret@127.0.0.1:${port}/errscan`;
    const err = (await PostgresStore.open(url, { retryMs: 200 }).catch((e: unknown) => e)) as ErrscanError;
    expect(err.code).toBe('ERRSCAN_DB_OPEN');
    expect(err.oneLine()).toMatch(
      new RegExp(`^errscan: postgres://\\*\\*\\*@127\\.0\\.0\\.1:${port}/errscan: cannot reach PostgreSQL( after \\d+ attempts)? \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${port} \\[ECONNREFUSED\\]\\) \\(check that the server is running and the host, port and database in --db or \\$ERRSCAN_DB\\)$`),
    );
    expect(err.oneLine()).not.toContain('secret');
  });

  it('no such database: ERRSCAN_DB_OPEN with what to do', async () => {
    const u = new URL(pgBaseUrl());
    u.pathname = '/errscan_no_such_db';
    const err = (await PostgresStore.open(u.toString()).catch((e: unknown) => e)) as ErrscanError;
    expect(err.code).toBe('ERRSCAN_DB_OPEN');
    expect(err.message).toBe('database "errscan_no_such_db" does not exist');
    expect(err.hint).toBe('create it first (createdb NAME), or fix the database name in the URL');
  });

  it('pgError maps SQLSTATEs to errscan codes', () => {
    const url = 'postgres://u:p@h/db';
    const e = (code: string) => pgError(Object.assign(new Error('m'), { code }), url).code;
    expect([e('28P01'), e('42501'), e('25006'), e('53100'), e('40P01'), e('XX001'), e('08006'), e('22P02')]).toEqual([
      'ERRSCAN_DB_OPEN', 'ERRSCAN_DB_READONLY', 'ERRSCAN_DB_READONLY', 'ERRSCAN_DB_FULL', 'ERRSCAN_DB_LOCKED', 'ERRSCAN_DB_CORRUPT', 'ERRSCAN_DB_OPEN', 'ERRSCAN_DB',
    ]);
    expect(pgError(new Error('x'), url).file).toBe('postgres://***@h/db');
  });
});

describe('loading', () => {
  it('a SQLite run never loads the PostgreSQL client; a postgres:// URL does', () => {
    const dir = tmpDir('errscan-lazy-');
    const script = `
      import { createRequire } from 'node:module';
      const { openStore } = await import(${JSON.stringify(path.join(ROOT, 'dist/store/index.js'))});
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/pg/'));
      const s = await openStore(${JSON.stringify(path.join(dir, 'x.db'))}); await s.close();
      const a = loaded();
      const p = await openStore(process.argv[1]); await p.close();
      console.log(JSON.stringify([a, loaded(), p.kind]));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, withSearchPath(pgBaseUrl(), schema.name)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([false, true, 'postgres']);
  });
});

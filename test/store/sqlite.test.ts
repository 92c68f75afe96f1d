import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrscanError } from '../../src/errors.js';
import { SqliteStore, SCHEMA_VERSION, openStore } from '../../src/store/index.js';
import type { CatalogEntry } from '../../src/types.js';
import { batch, count, sample, tmpDir } from './helpers.js';

const H = 1_795_219_200; // 2026-11-21T00:00:00Z

let dir: string;
let file: string;
let store: SqliteStore;

beforeEach(() => {
  dir = tmpDir();
  file = path.join(dir, 'errscan.db');
  store = SqliteStore.open(file);
});
afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function rows(sql: string, ...params: unknown[]): unknown[] {
  return store.db.prepare(sql).all(...params);
}

function entry(over: Partial<CatalogEntry>): CatalogEntry {
  return { vendor: 'dwt', code: -2326, name: null, message: 'The current product key has expired', alternates: [], category: 'license', severity: 'error', ...over };
}

describe('opening', () => {
  it('creates a WAL database at the current schema version with NORMAL sync and the busy timeout', () => {
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1);
    expect(store.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const names = (rows("SELECT type, name FROM sqlite_master WHERE type IN ('table','view') ORDER BY type, name") as Array<{ type: string; name: string }>).map(
      (r) => `${r.type}:${r.name}`,
    );
    expect(names).toEqual([
      'table:codes',
      'table:counts',
      'table:runs',
      'table:samples',
      'table:sources',
      'table:vendors',
      'view:daily_counts',
      'view:top_codes',
      'view:unknown_codes',
    ]);
  });

  it('takes the busy timeout from ERRSCAN_DB_BUSY_TIMEOUT', async () => {
    const old = process.env.ERRSCAN_DB_BUSY_TIMEOUT;
    process.env.ERRSCAN_DB_BUSY_TIMEOUT = '123';
    try {
      const s = SqliteStore.open(file);
      expect(s.db.pragma('busy_timeout', { simple: true })).toBe(123);
      await s.close();
      process.env.ERRSCAN_DB_BUSY_TIMEOUT = 'soon';
      expect(() => SqliteStore.open(file)).toThrow(/ERRSCAN_DB_BUSY_TIMEOUT must be a whole number/);
    } finally {
      if (old === undefined) delete process.env.ERRSCAN_DB_BUSY_TIMEOUT;
      else process.env.ERRSCAN_DB_BUSY_TIMEOUT = old;
    }
  });

  it('reopens an existing database without changing it', async () => {
    await store.writeBatch(batch({ counts: [count({ count: 3 })] }));
    await store.close();
    store = SqliteStore.open(file);
    expect(rows('SELECT count FROM counts')).toEqual([{ count: 3 }]);
  });

  it('hands a postgres:// location to the PostgreSQL store, whose errors hide the password', async () => {
    // Port 1 on loopback: nothing listens there (test/store-contract and test/store-pg cover a real server).
    const err = await openStore('postgres://me:secret@127.0.0.1:1/errscan').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ErrscanError);
    expect((err as ErrscanError).code).toBe('ERRSCAN_DB_OPEN');
    expect((err as ErrscanError).oneLine()).toMatch(/^errscan: postgres:\/\/\*\*\*@127\.0\.0\.1:1\/errscan: cannot reach PostgreSQL/);
    expect((err as ErrscanError).oneLine()).not.toContain('secret');
  });
});

describe('writeBatch', () => {
  it('adds counts to existing keys and widens first/last seen', async () => {
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
    expect(rows('SELECT bucket, code, source, host, count, first_seen, last_seen FROM counts ORDER BY bucket, code, source, host')).toEqual([
      { bucket: H, code: -2326, source: 'app.log', host: '', count: 7, first_seen: '2026-11-21T00:05:00.000Z', last_seen: '2026-11-21T00:20:00.000Z' },
      { bucket: H, code: -2326, source: 'app.log', host: 'web1', count: 6, first_seen: '2026-11-21T00:10:00.000Z', last_seen: '2026-11-21T00:10:00.000Z' },
      { bucket: H, code: -2326, source: 'other.log', host: '', count: 4, first_seen: '2026-11-21T00:10:00.000Z', last_seen: '2026-11-21T00:10:00.000Z' },
      { bucket: H, code: -1018, source: 'app.log', host: '', count: 1, first_seen: '2026-11-21T00:30:00.000Z', last_seen: '2026-11-21T00:30:00.000Z' },
      { bucket: H + 3600, code: -2326, source: 'app.log', host: '', count: 7, first_seen: '2026-11-21T01:00:00.000Z', last_seen: '2026-11-21T01:59:59.000Z' },
    ]);
  });

  it('keeps only the newest samples per vendor:code', async () => {
    const ts = (m: number) => `2026-11-21T00:${String(m).padStart(2, '0')}:00.000Z`;
    await store.writeBatch(batch({ samples: [3, 1, 4, 1, 5].map((m, i) => sample({ ts: ts(m), line: i + 1, text: `a${i}` })) }));
    await store.writeBatch(batch({ samples: [9, 2, 6].map((m, i) => sample({ ts: ts(m), line: 10 + i, text: `b${i}` })), counts: [] }));
    await store.writeBatch(batch({ samples: [sample({ code: -1018, text: 'other code' })] }));
    expect((await store.samples('dwt', -2326, 10)).map((s) => `${s.ts.slice(14, 16)} ${s.text}`)).toEqual([
      '09 b0',
      '06 b2',
      '05 a4',
      '04 a2',
      '03 a0',
    ]);
    expect((await store.samples('dwt', -2326, 2)).map((s) => s.text)).toEqual(['b0', 'b2']);
    expect(await store.samples('dwt', -1018, 5)).toEqual([
      { vendor: 'dwt', code: -1018, ts: '2026-11-21T00:10:00.000Z', source: 'app.log', host: '', line: 1, text: 'other code' },
    ]);
  });

  it('commits counts and checkpoints together, or neither', async () => {
    const cp = { source: 'app.log', path: '/logs/app.log', dev: 1, ino: 2, fingerprint: 'f', offset: 100, lines: 10 };
    const bad = count({ count: null as unknown as number });
    const err = await store.writeBatch(batch({ counts: [count({ count: 1 }), bad], checkpoints: [cp] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ErrscanError);
    expect((err as ErrscanError).code).toBe('ERRSCAN_DB');
    expect(rows('SELECT * FROM counts')).toEqual([]);
    expect(await store.checkpoint(cp)).toBeUndefined();

    await store.writeBatch(batch({ counts: [count({ count: 1 })], checkpoints: [cp] }));
    expect(rows('SELECT count FROM counts')).toEqual([{ count: 1 }]);
    expect(await store.checkpoint(cp)).toEqual(cp);
  });
});

describe('checkpoints', () => {
  const id = { source: 'app.log', path: '/logs/app.log', dev: 7, ino: 99, fingerprint: 'abc' };

  it('finds a checkpoint by file identity, also after a rename', async () => {
    await store.writeBatch(batch({ checkpoints: [{ ...id, offset: 500, lines: 12, lastTs: '2026-11-21T00:00:00.000Z' }] }));
    expect(await store.checkpoint(id)).toEqual({ ...id, offset: 500, lines: 12, lastTs: '2026-11-21T00:00:00.000Z' });
    const rotated = await store.checkpoint({ ...id, source: 'app.log.1', path: '/logs/app.log.1' });
    expect(rotated?.offset).toBe(500);
    // A new file under the old name is a new source.
    expect(await store.checkpoint({ ...id, ino: 100, fingerprint: 'new' })).toBeUndefined();
  });

  it('ignores a checkpoint whose fingerprint differs (file replaced, same inode)', async () => {
    await store.writeBatch(batch({ checkpoints: [{ ...id, offset: 500, lines: 12 }] }));
    expect(await store.checkpoint({ ...id, fingerprint: 'other' })).toBeUndefined();
  });

  it('keys sources without an identity by path, then by label', async () => {
    await store.writeBatch(batch({ checkpoints: [{ source: 'x', path: '/x', offset: 1, lines: 1 }, { source: 'stdin', offset: 9, lines: 3 }] }));
    expect((await store.checkpoint({ source: 'renamed', path: '/x' }))?.offset).toBe(1);
    expect((await store.checkpoint({ source: 'stdin' }))?.offset).toBe(9);
    expect(rows('SELECT key FROM sources ORDER BY key')).toEqual([{ key: 'label:stdin' }, { key: 'path:/x' }]);
  });

  it('forgetSource removes that source’s counts, samples and checkpoints in one go', async () => {
    await store.writeBatch(
      batch({
        counts: [count({ count: 4 }), count({ source: 'keep.log', count: 2 })],
        samples: [sample(), sample({ source: 'keep.log' })],
        checkpoints: [{ ...id, offset: 500, lines: 12 }, { source: 'keep.log', path: '/logs/keep.log', dev: 7, ino: 5, offset: 3, lines: 1 }],
      }),
    );
    expect(await store.forgetSource(id)).toBe(1);
    expect(rows('SELECT source, count FROM counts')).toEqual([{ source: 'keep.log', count: 2 }]);
    expect(rows('SELECT source FROM samples')).toEqual([{ source: 'keep.log' }]);
    expect(rows('SELECT source FROM sources')).toEqual([{ source: 'keep.log' }]);
  });

  it('forgetSource also removes counts under the label its checkpoint recorded (a relative path, say)', async () => {
    await store.writeBatch(batch({ counts: [count({ source: 'logs/app.log', count: 4 })], checkpoints: [{ ...id, source: 'logs/app.log', offset: 5, lines: 1 }] }));
    expect(await store.forgetSource({ ...id, source: '/abs/logs/app.log' })).toBe(1);
    expect(rows('SELECT count(*) AS n FROM counts')).toEqual([{ n: 0 }]);
    expect(rows('SELECT count(*) AS n FROM sources')).toEqual([{ n: 0 }]);
  });
});

describe('runs', () => {
  it('records a run from start to finish', async () => {
    const id = await store.beginRun('ingest');
    expect(rows('SELECT command, status, finished_at FROM runs')).toEqual([{ command: 'ingest', status: 'running', finished_at: null }]);
    await store.finishRun(id, { bytes: 10, lines: 3, hits: 2, unknown: 1, skipped: 0, oversized: 0, errors: 0 }, 'ok');
    expect(rows('SELECT id, command, status, bytes, lines, hits, unknown, skipped, oversized, errors, pid FROM runs')).toEqual([
      { id, command: 'ingest', status: 'ok', bytes: 10, lines: 3, hits: 2, unknown: 1, skipped: 0, oversized: 0, errors: 0, pid: process.pid },
    ]);
  });
});

describe('errors', () => {
  it('a file that is not a database: ERRSCAN_DB_CORRUPT naming it, file untouched', () => {
    const bad = path.join(dir, 'notes.txt');
    const content = 'these are my notes, not a database\n'.repeat(200);
    fs.writeFileSync(bad, content);
    const err = (() => {
      try {
        SqliteStore.open(bad);
      } catch (e) {
        return e as ErrscanError;
      }
      return undefined;
    })();
    expect(err?.code).toBe('ERRSCAN_DB_CORRUPT');
    expect(err?.oneLine()).toBe(
      `errscan: ${bad}: not an errscan database, or it is corrupt (file is not a database) (errscan leaves it untouched: move it aside, or choose another path with --db)`,
    );
    expect(fs.readFileSync(bad, 'utf8')).toBe(content);
    expect(fs.existsSync(`${bad}-wal`)).toBe(false);
  });

  it('a SQLite database of another program: ERRSCAN_DB_SCHEMA, untouched', () => {
    const other = path.join(dir, 'other.db');
    const raw = new Database(other);
    raw.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)');
    raw.close();
    expect(() => SqliteStore.open(other)).toThrow(
      expect.objectContaining({ code: 'ERRSCAN_DB_SCHEMA', file: other, message: 'is a SQLite database but not an errscan one (it has table users)' }),
    );
    const check = new Database(other);
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name: 'users' }]);
    check.close();
  });

  it('a newer schema than this errscan knows: ERRSCAN_DB_SCHEMA', async () => {
    await store.close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => SqliteStore.open(file)).toThrow(
      expect.objectContaining({ code: 'ERRSCAN_DB_SCHEMA', message: `database schema version ${SCHEMA_VERSION + 1} is newer than this errscan supports (${SCHEMA_VERSION})` }),
    );
    store = SqliteStore.open(path.join(dir, 'fresh.db'));
  });

  it('a missing folder: ERRSCAN_DB_OPEN naming the folder', () => {
    const missing = path.join(dir, 'no', 'such', 'errscan.db');
    try {
      SqliteStore.open(missing);
      expect.unreachable();
    } catch (e) {
      expect((e as ErrscanError).oneLine()).toBe(
        `errscan: ${missing}: cannot create the database: folder ${path.dirname(missing)} does not exist (create the folder, or choose another path with --db)`,
      );
    }
  });

  it('mustExist: no database yet', () => {
    const none = path.join(dir, 'none.db');
    expect(() => SqliteStore.open(none, { mustExist: true })).toThrow(expect.objectContaining({ code: 'ERRSCAN_DB_OPEN', message: 'no database here yet' }));
    expect(fs.existsSync(none)).toBe(false);
  });

  it('another writer holding the lock past the busy timeout: ERRSCAN_DB_LOCKED', async () => {
    const short = SqliteStore.open(file, { busyTimeoutMs: 50 });
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    try {
      const err = await short.writeBatch(batch({ counts: [count()] })).catch((e: unknown) => e as ErrscanError);
      expect(err?.oneLine()).toBe(
        `errscan: ${file}: database is locked by another process (waited 50 ms) (retry when the other errscan run finishes, or raise ERRSCAN_DB_BUSY_TIMEOUT)`,
      );
    } finally {
      other.exec('ROLLBACK');
      other.close();
      await short.close();
    }
  });

  it('a new database another process holds a write lock on is opened once the lock is gone, not refused at once', async () => {
    // SQLite refuses the switch to WAL at once (no busy handler) while another connection holds a RESERVED lock:
    // what two runs creating one database at the same moment ran into.
    const fresh = path.join(dir, 'fresh.db');
    const holder = spawn(
      process.execPath,
      ['-e', `const D = require('better-sqlite3'); const d = new D(${JSON.stringify(fresh)}); d.exec('BEGIN IMMEDIATE'); console.log('held'); setTimeout(() => { d.exec('COMMIT'); d.close(); }, 400);`],
      { cwd: path.join(__dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    const s = SqliteStore.open(fresh, { busyTimeoutMs: 5000 });
    try {
      expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(s.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      await s.close();
      await new Promise((resolve) => holder.once('close', resolve));
    }
  });

  it('closing while another writer holds the lock does not wait out the busy timeout a second time', async () => {
    const slow = SqliteStore.open(file, { busyTimeoutMs: 5000 });
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    try {
      const started = Date.now();
      await slow.close();
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('a read-only store refuses writes: ERRSCAN_DB_READONLY', async () => {
    const ro = SqliteStore.open(file, { readonly: true });
    const err = await ro.writeBatch(batch({ counts: [count()] })).catch((e: unknown) => e as ErrscanError);
    expect(err?.code).toBe('ERRSCAN_DB_READONLY');
    expect(err?.oneLine()).toContain(`errscan: ${file}: database is read-only (`);
    await ro.close();
  });

  it('a full database: ERRSCAN_DB_FULL, and the batch is not half-applied', async () => {
    await store.writeBatch(batch({ counts: [count({ count: 1 })] }));
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages + 1}`);
    const big = Array.from({ length: 2000 }, (_, i) => count({ source: `s${i}-${'x'.repeat(100)}` }));
    const err = await store.writeBatch(batch({ counts: [count({ count: 1 }), ...big] })).catch((e: unknown) => e as ErrscanError);
    expect(err?.code).toBe('ERRSCAN_DB_FULL');
    expect(err?.oneLine()).toContain('database or disk is full (free disk space, or remove old rows with `errscan db prune --older-than 90d`)');
    expect(rows('SELECT count(*) AS n, sum(count) AS total FROM counts')).toEqual([{ n: 1, total: 1 }]);
  });
});

// Every older schema version migrates forward with its data intact.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION, SqliteStore, migrate } from '../../src/store/index.js';
import { tmpDir } from './helpers.js';

/** Rows written by an errscan at each older version (0 = a brand-new empty file). Add one for each new migration. */
const FIXTURES: Record<number, string> = {
  0: '',
  1: `
INSERT INTO counts VALUES (1795219200, 'dwt', -2326, 'app.log', '', 7, '2026-11-21T00:05:00.000Z', '2026-11-21T00:50:00.000Z');
INSERT INTO counts VALUES (1795222800, 'qlm', 209, 'app.log', 'web1', 2, '2026-11-21T01:00:00.000Z', '2026-11-21T01:10:00.000Z');
INSERT INTO vendors VALUES ('dwt', 'Dynamic Web TWAIN', '2026-11-21T00:00:00.000Z');
INSERT INTO codes VALUES ('dwt', -2326, 1, 'Dynamic Web TWAIN', NULL, 'The product key has expired', 'license', 'error', NULL, NULL, '2026-11-21T00:00:00.000Z');
INSERT INTO samples (vendor, code, ts, source, host, line, text) VALUES ('qlm', 209, '2026-11-21T01:10:00.000Z', 'app.log', 'web1', 42, 'License_Expired (209)');
INSERT INTO sources VALUES ('', 'file:1:2', 'app.log', '/l/app.log', 1, 2, 'ff', 4096, 100, '2026-11-21T01:10:00.000Z', '2026-11-21T02:00:00.000Z');
INSERT INTO runs (command, started_at, finished_at, status, bytes, lines, hits) VALUES ('ingest', 'a', 'b', 'ok', 4096, 100, 9);
`,
};

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('migrations', () => {
  it('are numbered 1..N without gaps, and every older version has a fixture', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
    for (let v = 0; v < SCHEMA_VERSION; v++) expect(FIXTURES[v], `fixture for version ${v}`).toBeTypeOf('string');
  });

  for (let from = 0; from < SCHEMA_VERSION; from++) {
    it(`migrate from version ${from} to ${SCHEMA_VERSION} keeping data`, async () => {
      const dir = tmpDir('errscan-migrate-');
      dirs.push(dir);
      const file = path.join(dir, 'old.db');
      const raw = new Database(file);
      if (from > 0) expect(migrate(raw, from)).toBe(from);
      expect(raw.pragma('user_version', { simple: true })).toBe(from);
      raw.exec(FIXTURES[from]!);
      const before: Record<string, unknown[]> = {};
      const tables = (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
      for (const t of tables) before[t] = raw.prepare(`SELECT * FROM ${t}`).all();
      raw.close();

      const store = SqliteStore.open(file);
      expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      for (const t of tables) expect(store.db.prepare(`SELECT * FROM ${t}`).all(), t).toEqual(before[t]);
      // The migrated database works for reads and writes.
      expect((await store.counts({ from: 0, to: 2e9 })).reduce((n, r) => n + r.count, 0)).toBe(from === 0 ? 0 : 9);
      await store.writeBatch({
        counts: [{ bucket: 1795219200, vendor: 'dwt', code: -2326, source: 'app.log', host: '', count: 1, firstSeen: '2026-11-21T00:01:00.000Z', lastSeen: '2026-11-21T00:01:00.000Z' }],
        samples: [],
        checkpoints: [],
      });
      expect(store.db.prepare('SELECT day, vendor, code, count FROM daily_counts').all()).toEqual(
        from === 0
          ? [{ day: '2026-11-21', vendor: 'dwt', code: -2326, count: 1 }]
          : [
              { day: '2026-11-21', vendor: 'dwt', code: -2326, count: 8 },
              { day: '2026-11-21', vendor: 'qlm', code: 209, count: 2 },
            ],
      );
      if (from > 0) {
        expect(await store.checkpoint({ source: 'app.log', dev: 1, ino: 2, fingerprint: 'ff' })).toMatchObject({ offset: 4096, lines: 100 });
        expect(store.db.prepare('SELECT vendor, code, sample FROM unknown_codes').all()).toEqual([{ vendor: 'qlm', code: 209, sample: 'License_Expired (209)' }]);
      }
      await store.close();
    });
  }
});

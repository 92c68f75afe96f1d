// `errscan db info|prune|vacuum` and database location, through the built binary.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errscan } from '../helpers/cli.js';
import { SqliteStore, defaultDbPath, resolveDbLocation } from '../../src/store/index.js';
import { parseOlderThan } from '../../src/cli/commands/db.js';
import { batch, count, sample, tmpDir } from './helpers.js';

const H = 1_795_219_200; // 2026-11-21T00:00:00Z
let dir: string;
let db: string;

beforeAll(async () => {
  dir = tmpDir('errscan-dbcli-');
  db = path.join(dir, 'errscan.db');
  const s = SqliteStore.open(db);
  await s.writeBatch(
    batch({
      counts: [
        count({ count: 3 }),
        count({ bucket: H + 10 * 86400, count: 2, firstSeen: '2026-12-01T00:00:05.000Z', lastSeen: '2026-12-01T00:00:09.000Z' }),
      ],
      samples: [sample(), sample({ ts: '2026-12-01T00:00:09.000Z' })],
      checkpoints: [{ source: 'app.log', path: '/logs/app.log', dev: 1, ino: 2, offset: 4096, lines: 50 }],
    }),
  );
  await s.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('errscan db', () => {
  it('info --json describes the database', () => {
    const r = errscan(['db', 'info', '--json', '--db', db]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({
      location: db,
      schemaVersion: 2,
      rows: { counts: 2, samples: 2, codes: 0, vendors: 0, sources: 1, runs: 0 },
      firstSeen: '2026-11-21T00:10:00.000Z',
      lastSeen: '2026-12-01T00:00:09.000Z',
      sources: [{ source: 'app.log', path: '/logs/app.log', offset: 4096, lines: 50 }],
    });
    expect(info.sizeBytes).toBeGreaterThan(0);
  });

  it('info prints a readable summary; the database can come from $ERRSCAN_DB', () => {
    const r = errscan(['db', 'info'], { env: { ERRSCAN_DB: db } });
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`database  ${db}`);
    expect(lines[1]).toMatch(/^size {6}\d+\.\d KiB$/);
    expect(lines.slice(2)).toEqual([
      'schema    version 2',
      'rows      counts 2, samples 2, codes 0, vendors 0, sources 1, runs 0',
      'range     2026-11-21T00:10:00.000Z .. 2026-12-01T00:00:09.000Z',
      'sources   1',
      expect.stringMatching(/^ {2}\/logs\/app\.log {2}offset 4096 {2}lines 50 {2}updated \d{4}-/),
      '',
    ]);
  });

  it('prune removes what is older than a date and says how many rows', () => {
    const copy = path.join(dir, 'prune.db');
    fs.copyFileSync(db, copy);
    const r = errscan(['db', 'prune', '--older-than', '2026-11-25', '--db', copy]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('removed 2 rows older than 2026-11-25T00:00:00.000Z\n');
    const again = errscan(['db', 'prune', '--older-than', '2026-11-25', '--db', copy, '--json']);
    expect(JSON.parse(again.stdout)).toEqual({ removed: 0, before: '2026-11-25T00:00:00.000Z' });
    expect(JSON.parse(errscan(['db', 'info', '--json', '--db', copy]).stdout).rows).toMatchObject({ counts: 1, samples: 1, sources: 1 });
  });

  it('vacuum compacts the file', () => {
    const r = errscan(['db', 'vacuum', '--db', db]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^vacuumed ${db}: \\d+\\.\\d KiB -> \\d+\\.\\d KiB\\n$`));
  });

  it('a missing database is a one-line error, and nothing is created', () => {
    const none = path.join(dir, 'none.db');
    const r = errscan(['db', 'info', '--db', none]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`errscan: ${none}: no database here yet (record some logs first with \`errscan ingest\` or \`errscan scan\`, or pass --db)\n`);
    expect(fs.existsSync(none)).toBe(false);
  });

  it('a file that is not a database is reported and left alone', () => {
    const notes = path.join(dir, 'notes.db');
    fs.writeFileSync(notes, 'not sqlite at all\n'.repeat(100));
    const r = errscan(['db', 'info', '--db', notes]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `errscan: ${notes}: not an errscan database, or it is corrupt (file is not a database) (errscan leaves it untouched: move it aside, or choose another path with --db)\n`,
    );
    expect(fs.readFileSync(notes, 'utf8')).toBe('not sqlite at all\n'.repeat(100));
  });

  it('usage errors exit 2', () => {
    expect(errscan(['db', '--db', db]).stderr).toContain('errscan: choose a db command: info, prune or vacuum');
    const bad = errscan(['db', 'prune', '--older-than', 'soon', '--db', db]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n').at(-1)).toBe('errscan: --older-than "soon" is not a duration or a date (use e.g. 90d, 12h, 2w or 2026-01-31)');
  });
});

describe('parseOlderThan', () => {
  const now = Date.UTC(2026, 10, 21, 12);
  it('takes durations and UTC dates', () => {
    expect(parseOlderThan('90d', now)).toBe(now / 1000 - 90 * 86400);
    expect(parseOlderThan('12h', now)).toBe(now / 1000 - 12 * 3600);
    expect(parseOlderThan('2w', now)).toBe(now / 1000 - 14 * 86400);
    expect(parseOlderThan('2026-01-31', now)).toBe(Date.UTC(2026, 0, 31) / 1000);
    expect(() => parseOlderThan('-3d', now)).toThrow(/not a duration or a date/);
  });
});

describe('database location', () => {
  it('--db, else $ERRSCAN_DB, else the XDG default (created on first use)', () => {
    const xdg = path.join(dir, 'xdg');
    expect(resolveDbLocation({ db: '/a.db' }, { ERRSCAN_DB: '/b.db' })).toBe('/a.db');
    expect(resolveDbLocation({}, { ERRSCAN_DB: '/b.db' })).toBe('/b.db');
    expect(resolveDbLocation({}, { XDG_DATA_HOME: xdg })).toBe(path.join(xdg, 'errscan', 'errscan.db'));
    expect(fs.statSync(path.join(xdg, 'errscan')).isDirectory()).toBe(true);
    expect(defaultDbPath({ HOME: '/home/u' })).toMatch(/\.local\/share\/errscan\/errscan\.db$/);
  });

  it('an explicit path in a missing folder is a clear error', () => {
    const r = errscan(['db', 'vacuum', '--db', path.join(dir, 'nope', 'x.db')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `errscan: ${path.join(dir, 'nope', 'x.db')}: cannot create the database: folder ${path.join(dir, 'nope')} does not exist (create the folder, or choose another path with --db)\n`,
    );
  });
});

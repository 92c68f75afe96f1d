// Faults around the database and the inputs. Each must end in one clear line on stderr (no stack
// trace), keep what was committed, and commit no partial batch. Faults are injected for real (a
// write lock held by another process, a read-only tmpfs, a full tmpfs, damaged files); a helper that
// cannot inject its fault throws instead of letting the test pass.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/index.js';
import { createStoreSink, catalogSnapshot, storeCheckpoints } from '../../src/aggregate/index.js';
import { loadCatalogs } from '../../src/catalog/index.js';
import { compileExtractor } from '../../src/extract/index.js';
import { runPipeline } from '../../src/pipeline/index.js';
import { isErrscanError } from '../../src/errors.js';
import {
  addTotals,
  cleanup,
  contentPrefix,
  dbOffset,
  dbSources,
  dbTables,
  dbTotals,
  errscan,
  expectNoStack,
  expectOneLineError,
  fileHash,
  fillDisk,
  genlog,
  integrityOk,
  mountTmpfs,
  oracle,
  remountReadOnly,
  runAsync,
  start,
  sum,
  tmpDir,
  totalsOfJson,
  waitFor,
  type Generated,
} from './helpers.js';

let dir: string;
let a: Generated;
let b: Generated;
const unmounts: Array<() => void> = [];

beforeAll(() => {
  dir = tmpDir('faults');
  a = genlog(path.join(dir, 'a.log'), { mb: 1, seed: 11 });
  b = genlog(path.join(dir, 'b.log'), { mb: 1, seed: 12, days: 30 });
});

afterAll(() => {
  for (const u of unmounts.reverse()) u();
  cleanup(dir);
});

/** A database holding a.log, committed. */
function seeded(name: string): string {
  const db = path.join(dir, name);
  const r = errscan(['ingest', a.file, '--db', db, '--quiet']);
  expect(r.status, r.stderr).toBe(0);
  expect(dbTotals(db)).toEqual(a.counts);
  return db;
}

const hitLine = (i: number): string => `2026-11-20T${String(10 + (i % 10)).padStart(2, '0')}:00:00Z ERROR [webtwain] AcquireImage failed: ErrorCode=-${2300 + (i % 40)}\n`;

describe('a database locked by another writer', () => {
  it('waits up to the busy timeout, then fails with one line and commits nothing', async () => {
    const db = seeded('locked.db');
    const before = fileHash(db);
    const holder = new Database(db);
    holder.exec('BEGIN IMMEDIATE');
    let exit;
    const t0 = Date.now();
    try {
      exit = await runAsync(['ingest', b.file, '--db', db, '--quiet'], { env: { ERRSCAN_DB_BUSY_TIMEOUT: '300' }, timeoutMs: 30_000 });
      // Still holding the lock: errscan gave up on its own, it was not let through.
      expect(holder.inTransaction).toBe(true);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(exit.status).toBe(1);
    expectOneLineError(exit.stderr, /locked by another process.*ERRSCAN_DB_BUSY_TIMEOUT/, db);
    expect(fileHash(db)).toBe(before);
    expect(dbTotals(db)).toEqual(a.counts);
    expect(dbSources(db).map((s) => s.path)).toEqual([a.file]);
    // Once the lock is gone, the same command works and counts b exactly once.
    const again = errscan(['ingest', b.file, '--db', db, '--quiet']);
    expect(again.status, again.stderr).toBe(0);
    expect(dbTotals(db)).toEqual(addTotals(a.counts, b.counts));
  });

  it('a lock taken mid-stream: the next batch fails after the timeout, the batches before it stay, none after', async () => {
    const db = path.join(dir, 'locked-mid.db');
    const p = start(['scan', '--db', db, '--json', '-'], { env: { ERRSCAN_DB_BUSY_TIMEOUT: '300' } });
    p.child.stdin!.on('error', () => undefined);
    let text = '';
    for (let i = 0; i < 40; i++) text += hitLine(i) + `2026-11-20T10:00:00Z INFO noise ${i}\n`;
    p.child.stdin!.write(text);
    await waitFor(() => fs.existsSync(db) && sum(dbTotals(db)) === 40, 15_000, 'the first 40 hits to be committed');
    const committed = dbTotals(db);
    const holder = new Database(db);
    holder.exec('BEGIN IMMEDIATE');
    let exit;
    try {
      let more = '';
      for (let i = 40; i < 100; i++) more += hitLine(i);
      p.child.stdin!.write(more);
      exit = await Promise.race([p.exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('errscan did not give up')), 20_000))]);
      expect(holder.inTransaction).toBe(true);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
      p.child.kill('SIGKILL');
    }
    expect(exit.status).toBe(1);
    expectOneLineError(exit.stderr, /locked by another process/, db);
    // Every hit read before the lock is still there; not one of the 60 behind the lock is.
    expect(dbTotals(db)).toEqual(committed);
    expect(integrityOk(db)).toBe(true);
  });
});

describe('a read-only database', () => {
  it('on a read-only mount (root cannot write there either): one line, the file untouched', () => {
    const mnt = path.join(dir, 'ro');
    unmounts.push(mountTmpfs(mnt, 8 * 1024 * 1024));
    const db = path.join(mnt, 'x.db');
    const r0 = errscan(['ingest', a.file, '--db', db, '--quiet']);
    expect(r0.status, r0.stderr).toBe(0);
    remountReadOnly(mnt);
    const before = fileHash(db);
    const listing = fs.readdirSync(mnt).sort();

    const ingest = errscan(['ingest', b.file, '--db', db, '--quiet']);
    expect(ingest.status).toBe(1);
    expectOneLineError(ingest.stderr, /read-only/, db);

    const scan = errscan(['--db', db, '--quiet'], { input: hitLine(1) });
    expect(scan.status).toBe(1);
    expectOneLineError(scan.stderr, /read-only/, db);

    expect(fileHash(db)).toBe(before);
    expect(fs.readdirSync(mnt).sort()).toEqual(listing);
    // What was committed before is all there (read from a copy: WAL needs a writable folder).
    const copy = path.join(dir, 'ro-copy.db');
    fs.copyFileSync(db, copy);
    expect(dbTotals(copy)).toEqual(a.counts);
  });
});

describe('a missing directory in the --db path', () => {
  it('is an error naming the folder (nothing is created, nothing read); only the default location is created', async () => {
    const db = path.join(dir, 'nope', 'sub', 'x.db');
    const commands = [['ingest', a.file, '--db', db, '--quiet'], ['scan', a.file, '--db', db, '--quiet'], ['report', '--db', db], ['db', 'info', '--db', db]];
    const runs = await Promise.all(commands.map((args) => runAsync(args, { timeoutMs: 30_000 })));
    for (const [i, args] of commands.entries()) {
      const r = runs[i]!;
      expect(r.status, args.join(' ')).toBe(1);
      expectOneLineError(r.stderr, /folder .*nope\/sub does not exist/, db);
      expect(r.stdout).toBe('');
    }
    expect(fs.existsSync(path.join(dir, 'nope'))).toBe(false);
    // $ERRSCAN_DB is an explicit path too.
    const env = errscan(['--quiet'], { input: hitLine(0), env: { ERRSCAN_DB: db } });
    expect(env.status).toBe(1);
    expectOneLineError(env.stderr, /does not exist/, db);
    // The default location's folders are made on first use.
    const xdg = path.join(dir, 'xdg', 'deeper');
    const r = errscan(['--quiet'], { input: hitLine(0), env: { XDG_DATA_HOME: xdg, ERRSCAN_DB: '' } });
    expect(r.status, r.stderr).toBe(0);
    expect(dbTotals(path.join(xdg, 'errscan', 'errscan.db'))).toEqual({ 'dwt:-2300': 1 });
  });
});

describe('a full disk', () => {
  it('full before the run (small tmpfs filled to the last byte): one line, committed data intact, a retry after freeing space counts exactly once', () => {
    const mnt = path.join(dir, 'full1');
    unmounts.push(mountTmpfs(mnt, 4 * 1024 * 1024));
    const db = path.join(mnt, 'x.db');
    expect(errscan(['ingest', a.file, '--db', db, '--quiet']).status).toBe(0);
    const filler = fillDisk(mnt);
    const r = errscan(['ingest', b.file, '--db', db, '--quiet']);
    expect(r.status).toBe(1);
    expectOneLineError(r.stderr, /disk is full/, db);
    fs.rmSync(filler);
    expect(integrityOk(db)).toBe(true);
    expect(dbTotals(db)).toEqual(a.counts);
    const retry = errscan(['ingest', b.file, '--db', db, '--quiet']);
    expect(retry.status, retry.stderr).toBe(0);
    expect(dbTotals(db)).toEqual(addTotals(a.counts, b.counts));
  });

  it('full in the middle of a stream: the batch that does not fit is not half-written', async () => {
    const mnt = path.join(dir, 'full2');
    unmounts.push(mountTmpfs(mnt, 2 * 1024 * 1024));
    const db = path.join(mnt, 'x.db');
    const p = start(['--db', db, '--quiet', '--json'], { ignoreStdout: true });
    p.child.stdin!.on('error', () => undefined);
    let first = '';
    for (let i = 0; i < 50; i++) first += hitLine(i);
    p.child.stdin!.write(first);
    await waitFor(() => fs.existsSync(db) && sum(dbTotals(db)) === 50, 15_000, 'the first 50 hits to be committed');
    const committed = dbTotals(db);
    const filler = fillDisk(mnt);
    // Many distinct keys (days × hours × codes), so the next batch needs new pages.
    let i = 0;
    const feed = setInterval(() => {
      let more = '';
      for (let k = 0; k < 2000; k++, i++) {
        more += `2026-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:00Z DWT ErrorCode=-${3000 + (i % 6000)} ${'x'.repeat(i % 200)}\n`;
      }
      p.child.stdin!.write(more);
    }, 50);
    let exit;
    try {
      exit = await Promise.race([p.exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('errscan did not stop on a full disk')), 30_000))]);
    } finally {
      clearInterval(feed);
      p.child.kill('SIGKILL');
    }
    expect(exit.status).toBe(1);
    expectOneLineError(exit.stderr, /disk is full/, db);
    fs.rmSync(filler);
    expect(integrityOk(db)).toBe(true);
    expect(dbTotals(db)).toEqual(committed);
  });

  it('SQLITE_FULL simulated with max_page_count (works without root): the error is coded, what is stored is a clean prefix', async () => {
    const db = path.join(dir, 'maxpages.db');
    const catalogs = loadCatalogs();
    const extractor = compileExtractor(catalogs);
    const store = SqliteStore.open(db);
    const snap = catalogSnapshot(catalogs.vendors);
    await store.syncCatalog(snap.entries, snap.products);
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages + 2}`);
    let err: unknown;
    try {
      await runPipeline(
        { inputs: [b.file], tz: 'UTC', chunkSize: 16 * 1024 },
        { extractor, catalogs, sinks: [createStoreSink(store, { maxKeys: 50 })], checkpoints: storeCheckpoints(store) },
      );
    } catch (e) {
      err = e;
    } finally {
      await store.close();
    }
    expect(isErrscanError(err) && err.code).toBe('ERRSCAN_DB_FULL');
    expect(isErrscanError(err) && err.oneLine()).toMatch(new RegExp(`^errscan: ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: database or disk is full`));
    expect(integrityOk(db)).toBe(true);
    // Exactly the hits before the committed checkpoint: no partial batch, nothing past it.
    const offset = dbOffset(db, b.file);
    expect(offset).toBeLessThan(fs.statSync(b.file).size);
    expect(dbTotals(db)).toEqual(oracle(contentPrefix(b.file, offset)).totals);
  });
});

describe('a corrupt database file', () => {
  const commands = (db: string): string[][] => [
    ['ingest', a.file, '--db', db, '--quiet'],
    ['scan', '--db', db, '--quiet', '-'],
    ['report', '--db', db],
    ['db', 'info', '--db', db],
    ['db', 'prune', '--older-than', '90d', '--db', db],
    ['db', 'vacuum', '--db', db],
  ];

  async function expectUntouched(db: string, re: RegExp): Promise<void> {
    const before = fileHash(db);
    const listing = fs.readdirSync(path.dirname(db)).sort();
    const ino = fs.statSync(db).ino;
    const runs = await Promise.all(commands(db).map((args) => runAsync(args, { input: hitLine(3), timeoutMs: 30_000 })));
    for (const [i, args] of commands(db).entries()) {
      const r = runs[i]!;
      expect(r.status, args.join(' ')).toBe(1);
      expectOneLineError(r.stderr, re, db);
      expect(fileHash(db), args.join(' ')).toBe(before);
      expect(fs.statSync(db).ino).toBe(ino);
      // Only SQLite's own empty side files may appear (a read-only connection leaves them): nothing was written.
      const extra = fs.readdirSync(path.dirname(db)).filter((f) => !listing.includes(f));
      for (const f of extra) expect([`${path.basename(db)}-wal`, `${path.basename(db)}-shm`], args.join(' ')).toContain(f);
      if (extra.includes(`${path.basename(db)}-wal`)) expect(fs.statSync(`${db}-wal`).size, args.join(' ')).toBe(0);
    }
  }

  it('random bytes: named, never overwritten, no side files', async () => {
    const d = path.join(dir, 'garbage');
    fs.mkdirSync(d);
    const db = path.join(d, 'x.db');
    fs.writeFileSync(db, Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 7919 + 13) % 251)));
    await expectUntouched(db, /corrupt/);
  });

  it('a real errscan database with its pages scrambled, or cut in half: named, never overwritten', async () => {
    const d = path.join(dir, 'scrambled');
    fs.mkdirSync(d);
    const good = seeded('to-damage.db');
    const buf = fs.readFileSync(good);
    const pageSize = buf.readUInt16BE(16);
    const scrambled = Buffer.from(buf);
    // Every third page after the first (which holds the header and schema).
    for (let p = 2; p * pageSize <= scrambled.length; p += 3) {
      for (let i = 0; i < pageSize; i++) scrambled[(p - 1) * pageSize + i] = (i * 31 + p) & 0xff;
    }
    fs.writeFileSync(path.join(d, 'x.db'), scrambled);
    await expectUntouched(path.join(d, 'x.db'), /corrupt/);
    const d2 = path.join(dir, 'halved');
    fs.mkdirSync(d2);
    fs.writeFileSync(path.join(d2, 'x.db'), buf.subarray(0, Math.floor(buf.length / pageSize / 2) * pageSize));
    await expectUntouched(path.join(d2, 'x.db'), /corrupt/);
  });

  it('another program’s SQLite database: refused, byte for byte unchanged (not even switched to WAL)', async () => {
    const d = path.join(dir, 'foreign');
    fs.mkdirSync(d);
    const db = path.join(d, 'x.db');
    const f = new Database(db);
    f.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices (total) VALUES (12.5), (99);");
    f.close();
    await expectUntouched(db, /not an errscan one \(it has table invoices\)/);
    expect(dbTables(db)).toEqual(['table invoices']);
  });

  it('one damaged page met in the middle of a run: one line naming it, the damaged bytes left as they were', () => {
    const d = path.join(dir, 'one-page');
    fs.mkdirSync(d);
    const db = path.join(d, 'x.db');
    fs.copyFileSync(seeded('one-page-src.db'), db);
    const probe = new Database(db);
    probe.pragma('wal_checkpoint(TRUNCATE)');
    const leaf = probe.prepare("SELECT pageno FROM dbstat WHERE name = 'counts' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1").pluck().get() as number;
    const pageSize = probe.pragma('page_size', { simple: true }) as number;
    probe.close();
    const buf = fs.readFileSync(db);
    const at = (leaf - 1) * pageSize;
    for (let i = 100; i < pageSize; i++) buf[at + i] = (i * 131) & 0xff;
    fs.writeFileSync(db, buf);
    const damaged = buf.subarray(at, at + pageSize);
    const r = errscan(['ingest', b.file, '--db', db, '--quiet']);
    expect(r.status).toBe(1);
    expectOneLineError(r.stderr, /corrupt/, db);
    const after = fs.readFileSync(db);
    expect(after.subarray(at, at + pageSize).equals(damaged)).toBe(true);
    expect(after.length).toBeGreaterThanOrEqual(buf.length);
  });
});

describe('an input file deleted or truncated while it is read', () => {
  // `scan --json` with an unread stdout stops reading mid-file (backpressure); the file is changed then.
  async function pausedScan(name: string, change: (file: string) => void): Promise<{ file: string; db: string; exit: Awaited<ReturnType<typeof runAsync>>; offsetAtChange: number }> {
    const file = path.join(dir, `${name}.log`);
    genlog(file, { mb: 3, seed: 21, rate: 0.3 });
    const db = path.join(dir, `${name}.db`);
    const p = start(['scan', '--db', db, '--json', file]);
    p.child.stdout!.pause();
    let last = -1;
    let stableSince = Date.now();
    await waitFor(
      () => {
        const o = fs.existsSync(db) ? dbOffset(db, file) : 0;
        if (o !== last) {
          last = o;
          stableSince = Date.now();
        }
        return o > 0 && Date.now() - stableSince > 1200;
      },
      20_000,
      'the scan to stall on a full stdout',
    );
    const size = fs.statSync(file).size;
    expect(last).toBeLessThan(size);
    change(file);
    p.child.stdout!.resume();
    const exit = await p.exited;
    return { file, db, exit, offsetAtChange: last };
  }

  it('deleted: the open file is read to its end, every hit counted once', async () => {
    let expected: Record<string, number> = {};
    const r = await pausedScan('deleted', (file) => {
      expected = oracle(fs.readFileSync(file)).totals;
      fs.rmSync(file);
    });
    expect(r.exit.status, r.exit.stderr).toBe(0);
    expectNoStack(r.exit.stderr);
    expect(totalsOfJson(r.exit.stdout)).toEqual(expected);
    expect(dbTotals(r.db)).toEqual(expected);
  });

  for (const [label, frac] of [['truncated below what was read', 0.05], ['truncated ahead of the reader', 0.8]] as const) {
    it(`${label}: no crash, and the database holds exactly the hits printed`, async () => {
      const r = await pausedScan(`trunc-${frac}`, (file) => fs.truncateSync(file, Math.floor(fs.statSync(file).size * frac)));
      expect(r.exit.status, r.exit.stderr).toBe(0);
      expectNoStack(r.exit.stderr);
      const printed = totalsOfJson(r.exit.stdout);
      expect(sum(printed)).toBeGreaterThan(0);
      expect(dbTotals(r.db)).toEqual(printed);
      expect(integrityOk(r.db)).toBe(true);
    });
  }
});

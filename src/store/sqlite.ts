// The SQLite store: WAL, a busy timeout, prepared statements and one IMMEDIATE transaction per batch.
// Everything inside a transaction is synchronous (better-sqlite3), so no await can split one.
import type BetterSqlite3 from 'better-sqlite3';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { ErrscanError } from '../errors.js';
import type { CatalogEntry } from '../types.js';
import type { Checkpoint, RunInfo, SourceIdentity } from '../pipeline/types.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import { DEFAULT_SAMPLES_PER_CODE, SourceClaims, sourceConflict, sourceKey, toCheckpoint, type SourceRow } from './rows.js';
import type { Batch, CodeInfo, CountQuery, CountRow, SampleRow, Store, StoreInfo } from './types.js';

// Required, not imported: an ES import of this CommonJS module has Node lex its source for export names first
// (~7 ms of every command's start-up, before the database is even opened).
const require = createRequire(import.meta.url);
const Database = require('better-sqlite3') as typeof BetterSqlite3;

let addon: string | null | undefined;

/** The addon's file, handed to Database: its own search (`bindings`) reads the call stack and tries a dozen paths. */
function nativeBinding(): string | undefined {
  if (addon === undefined) {
    try {
      addon = require.resolve('better-sqlite3/build/Release/better_sqlite3.node');
    } catch {
      addon = null;
    }
  }
  return addon ?? undefined;
}

export interface SqliteOptions {
  /** Open without writing anything (no migration, no WAL switch). */
  readonly?: boolean;
  /** Fail with ERRSCAN_DB_OPEN instead of creating a new database. */
  mustExist?: boolean;
  /** How long to wait for another writer; default $ERRSCAN_DB_BUSY_TIMEOUT or 5000 ms. */
  busyTimeoutMs?: number;
  /** Sample lines kept per vendor:code (the newest by timestamp); default 5. */
  samplesPerCode?: number;
  /** Host recorded with checkpoints and used for lookups; default ''. */
  host?: string;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

const OWN_TABLES = new Set(['counts', 'vendors', 'codes', 'samples', 'sources', 'runs']);

export function busyTimeoutFromEnv(): number {
  const raw = process.env.ERRSCAN_DB_BUSY_TIMEOUT;
  if (raw === undefined || raw === '') return DEFAULT_BUSY_TIMEOUT_MS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new ErrscanError('ERRSCAN_USAGE', `ERRSCAN_DB_BUSY_TIMEOUT must be a whole number of milliseconds, got "${raw}"`);
  }
  return n;
}

/** Why the database or its folder (WAL writes beside it) cannot be written, as ` (…)`; undefined if it can. */
function unwritable(file: string): string | undefined {
  if (file === ':memory:') return undefined;
  const abs = path.resolve(file);
  for (const p of [abs, path.dirname(abs)]) {
    try {
      fs.accessSync(p, fs.constants.W_OK);
    } catch (e) {
      const c = (e as NodeJS.ErrnoException).code;
      if (c === 'EROFS') return ' (read-only file system)';
      if (c === 'EACCES' || c === 'EPERM') return ` (no write permission on ${p})`;
    }
  }
  return undefined;
}

/** No space left where the database lives. */
function diskFull(file: string): boolean {
  if (file === ':memory:') return false;
  try {
    return fs.statfsSync(path.dirname(path.resolve(file))).bavail === 0;
  } catch {
    return false;
  }
}

/** Maps a SQLite failure to a coded one-line error naming the database and what to do. */
export function dbError(e: unknown, file: string, busyMs: number = DEFAULT_BUSY_TIMEOUT_MS): ErrscanError {
  if (e instanceof ErrscanError) return e;
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err?.code === 'string' ? err.code : '';
  const msg = typeof err?.message === 'string' ? err.message : String(e);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new ErrscanError('ERRSCAN_DB_LOCKED', `database is locked by another process (waited ${busyMs} ms)`, {
      file,
      hint: 'retry when the other errscan run finishes, or raise ERRSCAN_DB_BUSY_TIMEOUT',
      cause: e,
    });
  }
  // SQLite says only "unable to open" or "disk I/O error" when WAL's side files cannot be made or grown.
  const opaque = code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_IOERR');
  const readonly = code.startsWith('SQLITE_READONLY') ? '' : opaque ? unwritable(file) : undefined;
  if (readonly !== undefined) {
    return new ErrscanError('ERRSCAN_DB_READONLY', `database is read-only${readonly}`, {
      file,
      hint: 'check the permissions of the file and its folder, or choose another path with --db',
      cause: e,
    });
  }
  if (code === 'SQLITE_FULL' || (code === 'SQLITE_IOERR_WRITE' && /no space|full/i.test(msg)) || (opaque && diskFull(file))) {
    return new ErrscanError('ERRSCAN_DB_FULL', 'database or disk is full', {
      file,
      hint: 'free disk space, or remove old rows with `errscan db prune --older-than 90d`',
      cause: e,
    });
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new ErrscanError('ERRSCAN_DB_CORRUPT', `not an errscan database, or it is corrupt (${msg})`, {
      file,
      hint: 'errscan leaves it untouched: move it aside, or choose another path with --db',
      cause: e,
    });
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH')) {
    return new ErrscanError('ERRSCAN_DB_OPEN', `cannot open database (${msg})`, {
      file,
      hint: 'check that the path is a file you may read and write, or choose another with --db',
      cause: e,
    });
  }
  return new ErrscanError('ERRSCAN_DB', `database error: ${msg}${code ? ` [${code}]` : ''}`, { file, cause: e });
}

/** Throws for a database with tables errscan did not make (another program's file). */
function refuseForeign(db: BetterSqlite3.Database): void {
  const foreign = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>)
    .map((r) => r.name)
    .filter((n) => !OWN_TABLES.has(n));
  if (foreign.length > 0) {
    throw new ErrscanError('ERRSCAN_DB_SCHEMA', `is a SQLite database but not an errscan one (it has table ${foreign[0]})`, {
      hint: 'errscan leaves it untouched: choose another path with --db',
    });
  }
}

/**
 * `PRAGMA journal_mode = WAL`, retried for up to the busy timeout: SQLite answers SQLITE_BUSY at once, without
 * its busy handler, when another connection is switching the same new file (two runs creating one database).
 */
function switchToWal(db: BetterSqlite3.Database, busyMs: number): void {
  const deadline = Date.now() + busyMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (e) {
      const code = (e as { code?: unknown })?.code;
      if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw e;
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}

/** Applies migrations up to `target` (default: the latest) in one IMMEDIATE transaction; returns the version reached. */
export function migrate(db: BetterSqlite3.Database, target: number = SCHEMA_VERSION): number {
  const run = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > SCHEMA_VERSION) return current;
    if (current === 0) refuseForeign(db);
    let v = current;
    for (const m of MIGRATIONS) {
      if (m.version <= current || m.version > target) continue;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
      v = m.version;
    }
    return v;
  });
  return run.immediate();
}

const nowIso = (): string => new Date().toISOString();
const listParam = (xs: string[] | undefined): string | null => (xs && xs.length > 0 ? JSON.stringify(xs) : null);

const FILTERS = `
  AND (@vendors IS NULL OR vendor IN (SELECT value FROM json_each(@vendors)))
  AND (@sources IS NULL OR source IN (SELECT value FROM json_each(@sources)))
  AND (@hosts IS NULL OR host IN (SELECT value FROM json_each(@hosts)))`;

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly db: BetterSqlite3.Database;
  readonly file: string;
  readonly busyTimeoutMs: number;
  readonly samplesPerCode: number;
  readonly host: string;
  private readonly st: ReturnType<SqliteStore['prepare']>;
  private readonly writeTx: (b: Batch) => void;
  /** Sources this process has committed checkpoints of, and where: see SourceClaims. */
  private readonly claims = new SourceClaims();
  private closed = false;

  private constructor(db: BetterSqlite3.Database, file: string, busyMs: number, opts: SqliteOptions) {
    this.db = db;
    this.file = file;
    this.busyTimeoutMs = busyMs;
    this.samplesPerCode = opts.samplesPerCode ?? DEFAULT_SAMPLES_PER_CODE;
    this.host = opts.host ?? '';
    this.st = this.prepare();
    this.writeTx = db.transaction((b: Batch) => this.applyBatch(b)).immediate;
  }

  static open(file: string, opts: SqliteOptions = {}): SqliteStore {
    const busyMs = opts.busyTimeoutMs ?? busyTimeoutFromEnv();
    const memory = file === ':memory:';
    if (!memory) {
      const dir = path.dirname(path.resolve(file));
      if (!fs.existsSync(dir)) {
        throw new ErrscanError('ERRSCAN_DB_OPEN', `cannot create the database: folder ${dir} does not exist`, {
          file,
          hint: 'create the folder, or choose another path with --db',
        });
      }
      if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
        throw new ErrscanError('ERRSCAN_DB_OPEN', 'is a directory, not a database file', { file, hint: 'pass a file path with --db' });
      }
      if ((opts.mustExist || opts.readonly) && !fs.existsSync(file)) {
        throw new ErrscanError('ERRSCAN_DB_OPEN', 'no database here yet', {
          file,
          hint: 'record some logs first with `errscan ingest` or `errscan scan`, or pass --db',
        });
      }
    }
    let db: BetterSqlite3.Database | undefined;
    try {
      const binding = nativeBinding();
      db = new Database(file, { readonly: opts.readonly ?? false, timeout: busyMs, ...(binding === undefined ? {} : { nativeBinding: binding }) });
      db.pragma(`busy_timeout = ${busyMs}`);
      if (!opts.readonly) {
        // Reading the header first is what detects a file that is not a database, before anything is written;
        // another program's database is refused before the WAL switch, which would rewrite its header.
        if ((db.pragma('user_version', { simple: true }) as number) === 0) refuseForeign(db);
        if (!memory) switchToWal(db, busyMs);
        db.pragma('synchronous = NORMAL');
      }
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new ErrscanError('ERRSCAN_DB_SCHEMA', `database schema version ${version} is newer than this errscan supports (${SCHEMA_VERSION})`, {
          file,
          hint: 'upgrade errscan, or choose another path with --db',
        });
      }
      if (version < SCHEMA_VERSION) {
        if (opts.readonly) {
          if (version === 0) refuseForeign(db);
          throw new ErrscanError('ERRSCAN_DB_SCHEMA', `database schema version ${version} is older than this errscan's (${SCHEMA_VERSION})`, {
            file,
            hint: 'run `errscan db info` once to upgrade it',
          });
        }
        migrate(db);
      }
      return new SqliteStore(db, file, busyMs, opts);
    } catch (e) {
      db?.close();
      if (e instanceof ErrscanError) {
        if (e.file === undefined) throw new ErrscanError(e.code, e.message, { file, ...(e.hint ? { hint: e.hint } : {}), cause: e });
        throw e;
      }
      throw dbError(e, file, busyMs);
    }
  }

  private prepare() {
    const db = this.db;
    return {
      upsertCount: db.prepare(`
        INSERT INTO counts (bucket, vendor, code, source, host, count, first_seen, last_seen)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (bucket, vendor, code, source, host) DO UPDATE SET
          count = count + excluded.count,
          first_seen = min(first_seen, excluded.first_seen),
          last_seen = max(last_seen, excluded.last_seen)`),
      insertSample: db.prepare('INSERT INTO samples (vendor, code, ts, source, host, line, text) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      // Every code of a batch in one statement (a JSON array of [vendor, code]): one per code cost a commit
      // of a few hundred codes ~10 ms.
      trimSamples: db.prepare(`
        DELETE FROM samples WHERE id IN (
          SELECT id FROM (
            SELECT id, row_number() OVER (PARTITION BY vendor, code ORDER BY ts DESC, id DESC) AS n FROM samples
            WHERE (vendor, code) IN (SELECT value ->> 0, value ->> 1 FROM json_each(@codes)))
          WHERE n > @keep)`),
      upsertObservedCode: db.prepare(`
        INSERT INTO codes (vendor, code, known, product, name, message, category, severity, updated_at)
        VALUES (@vendor, @code, @known, @product, @name, @message, @category, @severity, @now)
        ON CONFLICT (vendor, code) DO UPDATE SET
          known = excluded.known, product = excluded.product, name = excluded.name, message = excluded.message,
          category = excluded.category, severity = excluded.severity, updated_at = excluded.updated_at
        WHERE (codes.known = 0 OR excluded.known = 1)
          AND (codes.known IS NOT excluded.known OR codes.product IS NOT excluded.product OR codes.name IS NOT excluded.name
               OR codes.message IS NOT excluded.message OR codes.category IS NOT excluded.category
               OR codes.severity IS NOT excluded.severity)`),
      upsertCatalogCode: db.prepare(`
        INSERT INTO codes (vendor, code, known, product, name, message, category, severity, range_min, range_max, updated_at)
        VALUES (@vendor, @code, 1, @product, @name, @message, @category, @severity, @rangeMin, @rangeMax, @now)
        ON CONFLICT (vendor, code) DO UPDATE SET
          known = 1, product = excluded.product, name = excluded.name, message = excluded.message,
          category = excluded.category, severity = excluded.severity, range_min = excluded.range_min,
          range_max = excluded.range_max, updated_at = excluded.updated_at
        WHERE codes.known IS NOT 1 OR codes.product IS NOT excluded.product OR codes.name IS NOT excluded.name
          OR codes.message IS NOT excluded.message OR codes.category IS NOT excluded.category
          OR codes.severity IS NOT excluded.severity OR codes.range_min IS NOT excluded.range_min
          OR codes.range_max IS NOT excluded.range_max`),
      upsertVendor: db.prepare(`
        INSERT INTO vendors (vendor, product, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (vendor) DO UPDATE SET product = excluded.product, updated_at = excluded.updated_at
        WHERE vendors.product IS NOT excluded.product`),
      upsertSource: db.prepare(`
        INSERT INTO sources (host, key, source, path, dev, ino, fingerprint, offset, lines, last_ts, updated_at)
        VALUES (@host, @key, @source, @path, @dev, @ino, @fingerprint, @offset, @lines, @lastTs, @now)
        ON CONFLICT (host, key) DO UPDATE SET
          source = excluded.source, path = excluded.path, dev = excluded.dev, ino = excluded.ino,
          fingerprint = excluded.fingerprint, offset = excluded.offset, lines = excluded.lines,
          last_ts = excluded.last_ts, updated_at = excluded.updated_at`),
      keysByLabel: db.prepare('SELECT key FROM sources WHERE source = ? AND host = ?'),
      sourceByKey: db.prepare('SELECT * FROM sources WHERE host = ? AND key = ?'),
      beginRun: db.prepare("INSERT INTO runs (command, host, pid, started_at, status) VALUES (?, ?, ?, ?, 'running')"),
      finishRun: db.prepare(`
        UPDATE runs SET finished_at = @now, status = @status, bytes = @bytes, lines = @lines, hits = @hits,
          unknown = @unknown, skipped = @skipped, oversized = @oversized, errors = @errors WHERE id = @id`),
      counts: db.prepare(`
        SELECT bucket, vendor, code, source, host, count, first_seen AS firstSeen, last_seen AS lastSeen
        FROM counts WHERE bucket >= @from AND bucket < @to ${FILTERS}
        ORDER BY bucket, vendor, code, source, host`),
      firstLast: db.prepare(`
        SELECT vendor, code, min(first_seen) AS firstSeen, max(last_seen) AS lastSeen
        FROM counts WHERE 1 = 1 ${FILTERS}
        GROUP BY vendor, code ORDER BY vendor, code`),
      codeInfo: db.prepare(`
        SELECT vendor, code, known, product, name, message, category, severity FROM codes
        UNION ALL
        SELECT c.vendor, c.code, 0, v.product, NULL, NULL, NULL, NULL
        FROM (SELECT DISTINCT vendor, code FROM counts) c LEFT JOIN vendors v ON v.vendor = c.vendor
        WHERE NOT EXISTS (SELECT 1 FROM codes k WHERE k.vendor = c.vendor AND k.code = c.code)
        ORDER BY vendor, code`),
      samples: db.prepare(`
        SELECT vendor, code, ts, source, host, line, text FROM samples
        WHERE vendor = ? AND code = ? ORDER BY ts DESC, id DESC LIMIT ?`),
      range: db.prepare('SELECT min(first_seen) AS firstSeen, max(last_seen) AS lastSeen FROM counts'),
      sourcesList: db.prepare('SELECT * FROM sources ORDER BY source, host, key'),
      deleteCountsBySource: db.prepare('DELETE FROM counts WHERE source = ? AND host = ?'),
      deleteSamplesBySource: db.prepare('DELETE FROM samples WHERE source = ? AND host = ?'),
      deleteSourcesByLabel: db.prepare('DELETE FROM sources WHERE source = ? AND host = ?'),
      deleteSourceByKey: db.prepare('DELETE FROM sources WHERE host = ? AND key = ?'),
      pruneCounts: db.prepare('DELETE FROM counts WHERE bucket + 3600 <= ?'),
      pruneSamples: db.prepare('DELETE FROM samples WHERE ts < ?'),
    };
  }

  /** Runs a synchronous piece of work, mapping SQLite errors to coded ones. */
  private guard<T>(fn: () => T): T {
    if (this.closed) throw new ErrscanError('ERRSCAN_INTERNAL', 'store used after close', { file: this.file });
    try {
      return fn();
    } catch (e) {
      throw dbError(e, this.file, this.busyTimeoutMs);
    }
  }

  private applyBatch(b: Batch): void {
    const st = this.st;
    for (const c of b.counts) {
      st.upsertCount.run(c.bucket, c.vendor, c.code, c.source, c.host, c.count, c.firstSeen, c.lastSeen);
    }
    if (b.samples.length > 0) {
      const touched = new Map<string, [string, number]>();
      for (const s of b.samples) {
        st.insertSample.run(s.vendor, s.code, s.ts, s.source, s.host ?? this.host, s.line, s.text);
        touched.set(`${s.vendor}\t${s.code}`, [s.vendor, s.code]);
      }
      st.trimSamples.run({ codes: JSON.stringify([...touched.values()]), keep: this.samplesPerCode });
    }
    if (b.codes && b.codes.length > 0) {
      const now = nowIso();
      for (const c of b.codes) {
        st.upsertObservedCode.run({
          vendor: c.vendor,
          code: c.code,
          known: c.known ? 1 : 0,
          product: c.product,
          name: c.name,
          message: c.message,
          category: c.category,
          severity: c.severity,
          now,
        });
      }
    }
    if (b.checkpoints.length > 0) {
      const now = nowIso();
      // One per source, the last: its expected offset is the stored one before this batch.
      for (const cp of new Map(b.checkpoints.map((c) => [sourceKey(c), c])).values()) {
        const expected = this.claims.expected(cp);
        if (expected !== undefined) {
          // Inside the IMMEDIATE transaction: no other writer can move the row between this check and the write.
          // Thrown here, nothing of this batch is committed.
          const row = st.sourceByKey.get(this.host, sourceKey(cp)) as SourceRow | undefined;
          if ((row?.offset ?? null) !== expected) throw sourceConflict(cp, expected, row?.offset);
        }
        st.upsertSource.run({
          host: this.host,
          key: sourceKey(cp),
          source: cp.source,
          path: cp.path ?? null,
          dev: cp.dev ?? null,
          ino: cp.ino ?? null,
          fingerprint: cp.fingerprint ?? null,
          offset: cp.offset,
          lines: cp.lines,
          lastTs: cp.lastTs ?? null,
          now,
        });
      }
    }
  }

  writeBatchSync(batch: Batch): void {
    this.guard(() => {
      this.writeTx(batch);
      this.claims.committedAll(batch.checkpoints);
    });
  }

  async writeBatch(batch: Batch): Promise<void> {
    this.writeBatchSync(batch);
  }

  syncCatalogSync(entries: CatalogEntry[], products: Record<string, string>): void {
    this.guard(() => {
      const now = nowIso();
      const st = this.st;
      this.db
        .transaction(() => {
          for (const [vendor, product] of Object.entries(products)) st.upsertVendor.run(vendor, product, now);
          for (const e of entries) {
            if (e.success) continue;
            st.upsertCatalogCode.run({
              vendor: e.vendor,
              code: e.code,
              product: products[e.vendor] ?? null,
              name: e.name,
              message: e.message,
              category: e.category,
              severity: e.severity,
              rangeMin: e.range?.min ?? null,
              rangeMax: e.range?.max ?? null,
              now,
            });
          }
        })
        .immediate();
    });
  }

  async syncCatalog(entries: CatalogEntry[], products: Record<string, string>): Promise<void> {
    this.syncCatalogSync(entries, products);
  }

  checkpointSync(id: SourceIdentity): Checkpoint | undefined {
    return this.guard(() => {
      const row = this.st.sourceByKey.get(this.host, sourceKey(id)) as SourceRow | undefined;
      if (!row) return undefined;
      // Same inode but different first bytes: the file was replaced or rewritten, so start over.
      if (id.fingerprint !== undefined && row.fingerprint !== null && id.fingerprint !== row.fingerprint) return undefined;
      return toCheckpoint(row);
    });
  }

  async checkpoint(id: SourceIdentity): Promise<Checkpoint | undefined> {
    return this.checkpointSync(id);
  }

  /**
   * Forget a source before re-reading it (`ingest --force`): its counts and samples (by label) and its
   * checkpoints (by label and by file identity), in one transaction. Returns count rows removed.
   */
  forgetSourceSync(id: SourceIdentity): number {
    const keys = new Set([sourceKey(id)]);
    const removed = this.guard(() =>
      this.db
        .transaction(() => {
          // The labels this file was counted under: the one given, and the one its checkpoint recorded.
          const labels = new Set([id.source]);
          const row = this.st.sourceByKey.get(this.host, sourceKey(id)) as SourceRow | undefined;
          if (row) labels.add(row.source);
          let removed = 0;
          for (const label of labels) {
            for (const k of this.st.keysByLabel.all(label, this.host) as Array<{ key: string }>) keys.add(k.key);
            removed += this.st.deleteCountsBySource.run(label, this.host).changes;
            this.st.deleteSamplesBySource.run(label, this.host);
            this.st.deleteSourcesByLabel.run(label, this.host);
          }
          this.st.deleteSourceByKey.run(this.host, sourceKey(id));
          return removed;
        })
        .immediate(),
    );
    this.claims.forget(keys);
    return removed;
  }

  async forgetSource(id: SourceIdentity): Promise<number> {
    return this.forgetSourceSync(id);
  }

  async beginRun(command: string): Promise<number> {
    return this.guard(() => Number(this.st.beginRun.run(command, this.host, process.pid, nowIso()).lastInsertRowid));
  }

  async finishRun(id: number, info: RunInfo, status: 'ok' | 'failed' | 'interrupted'): Promise<void> {
    this.guard(() => {
      this.st.finishRun.run({
        id,
        now: nowIso(),
        status,
        bytes: info.bytes,
        lines: info.lines,
        hits: info.hits,
        unknown: info.unknown,
        skipped: info.skipped,
        oversized: info.oversized,
        errors: info.errors,
      });
    });
  }

  async counts(q: CountQuery): Promise<CountRow[]> {
    return this.guard(
      () =>
        this.st.counts.all({
          from: q.from,
          to: q.to,
          vendors: listParam(q.vendor),
          sources: listParam(q.source),
          hosts: listParam(q.host),
        }) as CountRow[],
    );
  }

  async firstLastSeen(
    q: Omit<CountQuery, 'from' | 'to'>,
  ): Promise<Array<{ vendor: string; code: number; firstSeen: string; lastSeen: string }>> {
    return this.guard(
      () =>
        this.st.firstLast.all({ vendors: listParam(q.vendor), sources: listParam(q.source), hosts: listParam(q.host) }) as Array<{
          vendor: string;
          code: number;
          firstSeen: string;
          lastSeen: string;
        }>,
    );
  }

  async codeInfo(): Promise<CodeInfo[]> {
    return this.guard(() =>
      (this.st.codeInfo.all() as Array<Omit<CodeInfo, 'known'> & { known: number }>).map((r) => ({ ...r, known: r.known === 1 })),
    );
  }

  async samples(vendor: string, code: number, limit: number): Promise<SampleRow[]> {
    return this.guard(() => this.st.samples.all(vendor, code, limit) as SampleRow[]);
  }

  async info(): Promise<StoreInfo> {
    return this.guard(() => {
      let sizeBytes: number | null = null;
      if (this.file !== ':memory:') {
        sizeBytes = 0;
        for (const f of [this.file, `${this.file}-wal`]) {
          try {
            sizeBytes += fs.statSync(f).size;
          } catch {
            // no WAL file right now
          }
        }
      }
      const rows: Record<string, number> = {};
      for (const t of ['counts', 'samples', 'codes', 'vendors', 'sources', 'runs']) {
        rows[t] = (this.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
      }
      const range = this.st.range.get() as { firstSeen: string | null; lastSeen: string | null };
      const sources = (this.st.sourcesList.all() as SourceRow[]).map((r) => ({
        source: r.source,
        path: r.path,
        offset: r.offset,
        lines: r.lines,
        updatedAt: r.updated_at,
      }));
      return {
        location: this.file,
        sizeBytes,
        schemaVersion: this.db.pragma('user_version', { simple: true }) as number,
        rows,
        firstSeen: range.firstSeen,
        lastSeen: range.lastSeen,
        sources,
      };
    });
  }

  async prune(before: number): Promise<number> {
    return this.guard(() =>
      this.db
        .transaction(() => {
          const counts = this.st.pruneCounts.run(before).changes;
          const samples = this.st.pruneSamples.run(new Date(before * 1000).toISOString()).changes;
          return counts + samples;
        })
        .immediate(),
    );
  }

  async vacuum(): Promise<void> {
    this.guard(() => {
      this.db.exec('VACUUM');
      if (this.file !== ':memory:') this.db.pragma('wal_checkpoint(TRUNCATE)');
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (!this.db.readonly) {
        // Best effort, and not worth a wait: a run that already waited out the busy timeout (another writer
        // holds the lock) would wait it out a second time here.
        this.db.pragma('busy_timeout = 0');
        this.db.pragma('optimize');
      }
    } catch {
      // a busy optimize must not fail a finished run
    }
    this.db.close();
  }
}

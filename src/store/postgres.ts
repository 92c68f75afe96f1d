// The PostgreSQL store, for a fleet of hosts writing one database: same tables, views and semantics as
// the SQLite store, behind the same Store interface. Loaded only for postgres:// locations (see index.ts).
//
// Concurrency rules, which keep totals exact with many writers:
// - one READ COMMITTED transaction per batch; counts are upserted (count = count + excluded.count), so
//   concurrent writers of one key add up instead of overwriting;
// - every statement takes its row locks in one global order (counts by key, then codes by key, then a
//   per-vendor:code advisory lock for samples, then sources by key), so two batches never deadlock;
// - deadlocks, serialization failures and lost connections retry the whole transaction with backoff;
// - each batch records a random id in `batches` in the same transaction, so a retry after a COMMIT whose
//   answer was lost finds the id and stops: a batch counts once, never twice.
import crypto from 'node:crypto';
import pg from 'pg';
import { ErrscanError } from '../errors.js';
import type { CatalogEntry } from '../types.js';
import type { Checkpoint, RunInfo, SourceIdentity } from '../pipeline/types.js';
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from './pg-migrations.js';
import { DEFAULT_SAMPLES_PER_CODE, SourceClaims, sourceConflict, sourceKey, toCheckpoint, type SourceRow } from './rows.js';
import type { Batch, CodeInfo, CountQuery, CountRow, SampleRow, Store, StoreInfo } from './types.js';

export interface PostgresOptions {
  /** Open without writing anything (no migration): fails when the schema is missing or older. */
  readonly?: boolean;
  /** Fail with ERRSCAN_DB_OPEN when the database has no errscan tables yet, instead of creating them. */
  mustExist?: boolean;
  /** Sample lines kept per vendor:code (the newest by timestamp); default 5. */
  samplesPerCode?: number;
  /** Host recorded with checkpoints, runs and samples, and used for checkpoint lookups; default ''. */
  host?: string;
  /** Connections in the pool; default 3 (one writer plus reads). */
  poolSize?: number;
  /** How long to keep retrying a failed transaction or connection, in ms; default $ERRSCAN_PG_RETRY_MS or 30000. */
  retryMs?: number;
  /** Fault injection for tests: called after a batch's statements and after its COMMIT, per attempt. */
  onBatchStage?: (stage: 'written' | 'committed', client: pg.PoolClient, attempt: number) => Promise<void>;
}

export interface PostgresStats {
  /** Batches committed by this store. */
  batches: number;
  /** Batches found already committed when retried (their COMMIT's answer was lost). */
  replayed: number;
  /** Retries, by SQLSTATE or network error code. */
  retries: Record<string, number>;
}

export const DEFAULT_RETRY_MS = 30_000;
export const DEFAULT_POOL_SIZE = 3;
/** Batch ids older than this are deleted by prune: retries happen within seconds. */
const BATCH_ID_TTL = '1 day';
/** Serialises migrations of one database across processes. */
const MIGRATION_LOCK = 7_245_004_217_001;
const TABLES = ['counts', 'samples', 'codes', 'vendors', 'sources', 'runs'] as const;

/** The URL with its user and password hidden, for messages. */
export function maskUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

function retryMsFromEnv(): number {
  const raw = process.env.ERRSCAN_PG_RETRY_MS;
  if (raw === undefined || raw === '') return DEFAULT_RETRY_MS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new ErrscanError('ERRSCAN_USAGE', `ERRSCAN_PG_RETRY_MS must be a whole number of milliseconds, got "${raw}"`);
  }
  return n;
}

const NET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
// 40001 serialization_failure, 40P01 deadlock_detected, 55P03 lock_not_available, 57P01..03 server
// shutting down or starting, 53300 too_many_connections.
const RETRY_STATES = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300']);

function errCode(e: unknown): string {
  const c = (e as { code?: unknown })?.code;
  return typeof c === 'string' ? c : '';
}

function errMessage(e: unknown): string {
  const m = (e as { message?: unknown })?.message;
  return typeof m === 'string' ? m : String(e);
}

/** The connection is gone (or never came): the transaction's outcome may be unknown. */
export function isConnectionError(e: unknown): boolean {
  const code = errCode(e);
  if (code.startsWith('08') || NET_CODES.has(code)) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|not queryable/i.test(
    errMessage(e),
  );
}

export function isRetryable(e: unknown): boolean {
  return RETRY_STATES.has(errCode(e)) || isConnectionError(e);
}

/** Maps a PostgreSQL or network failure to a coded one-line error naming the (masked) URL and what to do. */
export function pgError(e: unknown, url: string, attempts = 1): ErrscanError {
  if (e instanceof ErrscanError) return e;
  const file = maskUrl(url);
  const code = errCode(e);
  const msg = errMessage(e);
  const after = attempts > 1 ? ` after ${attempts} attempts` : '';
  if (isConnectionError(e)) {
    return new ErrscanError('ERRSCAN_DB_OPEN', `cannot reach PostgreSQL${after} (${msg}${code ? ` [${code}]` : ''})`, {
      file,
      hint: 'check that the server is running and the host, port and database in --db or $ERRSCAN_DB',
      cause: e,
    });
  }
  if (code === '28P01' || code === '28000') {
    return new ErrscanError('ERRSCAN_DB_OPEN', `PostgreSQL refused the login (${msg})`, {
      file,
      hint: 'check the user and password in the URL, $PGPASSWORD or ~/.pgpass, and pg_hba.conf',
      cause: e,
    });
  }
  if (code === '3D000') {
    return new ErrscanError('ERRSCAN_DB_OPEN', `${msg}`, { file, hint: 'create it first (createdb NAME), or fix the database name in the URL', cause: e });
  }
  if (code === '42501' || code === '25006') {
    return new ErrscanError('ERRSCAN_DB_READONLY', `PostgreSQL denied a write (${msg})`, {
      file,
      hint: 'grant the user rights on the errscan tables (or connect to the primary), or use another URL',
      cause: e,
    });
  }
  if (code === '53100') {
    return new ErrscanError('ERRSCAN_DB_FULL', `the database server's disk is full (${msg})`, {
      file,
      hint: 'free disk space, or remove old rows with `errscan db prune --older-than 90d`',
      cause: e,
    });
  }
  if (code === '40001' || code === '40P01' || code === '55P03' || code === '53300') {
    return new ErrscanError('ERRSCAN_DB_LOCKED', `PostgreSQL kept refusing the transaction${after} (${msg} [${code}])`, {
      file,
      hint: 'retry later, or raise ERRSCAN_PG_RETRY_MS',
      cause: e,
    });
  }
  if (code.startsWith('XX')) {
    return new ErrscanError('ERRSCAN_DB_CORRUPT', `PostgreSQL reports an internal error or corruption (${msg} [${code}])`, { file, cause: e });
  }
  return new ErrscanError('ERRSCAN_DB', `database error: ${msg}${code ? ` [${code}]` : ''}`, { file, cause: e });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const nowIso = (): string => new Date().toISOString();
/** PostgreSQL text cannot hold NUL; a log line can. */
// (Anything not a string goes through as it is, for the database to reject.)
const clean = (s: string): string => (typeof s === 'string' && s.includes('\0') ? s.replace(/\0/g, '\uFFFD') : s);
const cleanOrNull = (s: string | null | undefined): string | null => (s === null || s === undefined ? null : clean(s));
const listParam = (xs: string[] | undefined): string[] | null => (xs && xs.length > 0 ? xs : null);

function toNumber(v: string | null): number | null {
  if (v === null) return null;
  const n = Number(v);
  if (!Number.isSafeInteger(n) && Number.isInteger(n)) throw new Error(`integer ${v} is too large for JavaScript`);
  return n;
}

// bigint and numeric (sum) as numbers, as better-sqlite3 returns them; every value errscan stores fits.
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return toNumber;
    return (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format);
  },
} as unknown as pg.CustomTypesConfig;

const countKey = (c: CountRow): string => `${c.bucket}\t${c.vendor}\t${c.code}\t${c.source}\t${c.host}`;

/** One row per key (a batch may repeat one: ON CONFLICT may touch a row only once per statement), sorted by key. */
export function mergeCounts(rows: readonly CountRow[]): CountRow[] {
  const by = new Map<string, CountRow>();
  for (const r of rows) {
    const c = { ...r, vendor: clean(r.vendor), source: clean(r.source), host: clean(r.host) };
    const k = countKey(c);
    const have = by.get(k);
    if (!have) by.set(k, c);
    else {
      have.count += c.count;
      if (c.firstSeen < have.firstSeen) have.firstSeen = c.firstSeen;
      if (c.lastSeen > have.lastSeen) have.lastSeen = c.lastSeen;
    }
  }
  return [...by.values()].sort(
    (a, b) =>
      a.bucket - b.bucket ||
      cmp(a.vendor, b.vendor) ||
      a.code - b.code ||
      cmp(a.source, b.source) ||
      cmp(a.host, b.host),
  );
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const SORTED_COUNTS = 'ORDER BY bucket, vendor COLLATE "C", code, source COLLATE "C", host COLLATE "C"';

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly url: string;
  readonly location: string;
  readonly host: string;
  readonly samplesPerCode: number;
  readonly retryMs: number;
  readonly stats: PostgresStats = { batches: 0, replayed: 0, retries: {} };
  private readonly pool: pg.Pool;
  /** Sources this process has committed checkpoints of, and where: see SourceClaims. */
  private readonly claims = new SourceClaims();
  private readonly onBatchStage: PostgresOptions['onBatchStage'];
  private readonly readonly: boolean;
  private closed = false;

  private constructor(url: string, pool: pg.Pool, opts: PostgresOptions, retryMs: number) {
    this.url = url;
    this.location = maskUrl(url);
    this.pool = pool;
    this.host = opts.host ?? '';
    this.samplesPerCode = opts.samplesPerCode ?? DEFAULT_SAMPLES_PER_CODE;
    this.retryMs = retryMs;
    this.onBatchStage = opts.onBatchStage;
    this.readonly = opts.readonly ?? false;
  }

  static async open(url: string, opts: PostgresOptions = {}): Promise<PostgresStore> {
    const retryMs = opts.retryMs ?? retryMsFromEnv();
    const pool = new pg.Pool({
      connectionString: url,
      max: Math.max(1, opts.poolSize ?? DEFAULT_POOL_SIZE),
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 10_000,
      allowExitOnIdle: true,
      application_name: 'errscan',
      types: TYPES,
    });
    // A connection that dies while idle (server restart) must not crash the process: the next query reconnects.
    pool.on('error', () => {});
    pool.on('connect', (c) => c.on('error', () => {}));
    const store = new PostgresStore(url, pool, opts, retryMs);
    try {
      // A wrong URL should fail fast; a server that is restarting gets a few seconds.
      await store.retrying(() => store.prepareSchema(opts), Math.min(retryMs, 3000));
      return store;
    } catch (e) {
      await pool.end().catch(() => {});
      throw e;
    }
  }

  private async prepareSchema(opts: PostgresOptions): Promise<void> {
    const version = await this.schemaVersion(this.pool);
    if (version !== undefined && version > PG_SCHEMA_VERSION) {
      throw new ErrscanError('ERRSCAN_DB_SCHEMA', `database schema version ${version} is newer than this errscan supports (${PG_SCHEMA_VERSION})`, {
        file: this.location,
        hint: 'upgrade errscan on this host, or use another database',
      });
    }
    if (version === PG_SCHEMA_VERSION) return;
    if (opts.readonly || opts.mustExist) {
      if (version === undefined) {
        throw new ErrscanError('ERRSCAN_DB_OPEN', 'no errscan tables in this database yet', {
          file: this.location,
          hint: 'record some logs first with `errscan ingest` or `errscan scan`, or check the URL',
        });
      }
      if (opts.readonly) {
        throw new ErrscanError('ERRSCAN_DB_SCHEMA', `database schema version ${version} is older than this errscan's (${PG_SCHEMA_VERSION})`, {
          file: this.location,
          hint: 'run `errscan db info` once to upgrade it',
        });
      }
    }
    await this.migrate();
  }

  /** The applied schema version, or undefined when the database has no errscan tables. */
  private async schemaVersion(q: pg.Pool | pg.PoolClient): Promise<number | undefined> {
    const r = await q.query<{ present: boolean }>("SELECT to_regclass('schema_version') IS NOT NULL AS present");
    if (!r.rows[0]?.present) return undefined;
    const v = await q.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_version');
    return v.rows[0]?.v ?? 0;
  }

  /**
   * Applies the migrations not yet applied, in one transaction, one process at a time. The lock is a session
   * lock taken before BEGIN: a transaction that starts after the wait sees the tables the winner created
   * (a lock taken inside one could leave this session's catalog cache stale).
   */
  async migrate(target: number = PG_SCHEMA_VERSION): Promise<number> {
    this.check();
    const c = await this.pool.connect();
    let failure: Error | undefined;
    try {
      await c.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await c.query('BEGIN');
        const v = await this.applyMigrations(c, target);
        await c.query('COMMIT');
        return v;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        await c.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
      }
    } catch (e) {
      if (isConnectionError(e)) failure = e as Error;
      throw e;
    } finally {
      c.release(failure ?? false);
    }
  }

  private async applyMigrations(c: pg.PoolClient, target: number): Promise<number> {
    let current = await this.schemaVersion(c);
    if (current === undefined) {
      const foreign = await c.query<{ t: string }>(`SELECT t FROM unnest($1::text[]) AS t WHERE to_regclass(t) IS NOT NULL ORDER BY t`, [[...TABLES, 'batches']]);
      if (foreign.rows.length > 0) {
        throw new ErrscanError('ERRSCAN_DB_SCHEMA', `has a table named ${foreign.rows[0]!.t} but no errscan schema_version`, {
          file: this.location,
          hint: 'errscan leaves it untouched: use another database, or another schema via ?options=-c%20search_path%3Derrscan',
        });
      }
      await c.query(`CREATE TABLE schema_version (
        version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      current = 0;
    }
    if (current > PG_SCHEMA_VERSION) {
      throw new ErrscanError('ERRSCAN_DB_SCHEMA', `database schema version ${current} is newer than this errscan supports (${PG_SCHEMA_VERSION})`, {
        file: this.location,
        hint: 'upgrade errscan on this host, or use another database',
      });
    }
    let v = current;
    for (const m of PG_MIGRATIONS) {
      if (m.version <= current || m.version > target) continue;
      await c.query(m.sql);
      await c.query('INSERT INTO schema_version (version, description) VALUES ($1, $2)', [m.version, m.description]);
      v = m.version;
    }
    return v;
  }

  private check(): void {
    if (this.closed) throw new ErrscanError('ERRSCAN_INTERNAL', 'store used after close', { file: this.location });
  }

  private checkWritable(): void {
    this.check();
    if (this.readonly) {
      throw new ErrscanError('ERRSCAN_DB_READONLY', 'database was opened read-only', { file: this.location, hint: 'this command only reads; report this as a bug' });
    }
  }

  /** Runs `op` until it succeeds, retrying retryable failures with exponential backoff and jitter. */
  private async retrying<T>(op: (attempt: number) => Promise<T>, budgetMs: number = this.retryMs): Promise<T> {
    const start = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await op(attempt);
      } catch (e) {
        const delay = Math.min(2000, 20 * 2 ** attempt) * (0.5 + Math.random());
        if (!isRetryable(e) || Date.now() - start + delay > budgetMs) throw pgError(e, this.url, attempt);
        const code = errCode(e) || 'connection';
        this.stats.retries[code] = (this.stats.retries[code] ?? 0) + 1;
        await sleep(delay);
      }
    }
  }

  /** One READ COMMITTED transaction on one connection, retried whole. */
  private async tx<T>(fn: (c: pg.PoolClient, attempt: number) => Promise<T>, afterCommit?: (c: pg.PoolClient, attempt: number) => Promise<void>): Promise<T> {
    this.check();
    return this.retrying(async (attempt) => {
      const c = await this.pool.connect();
      let failure: Error | undefined;
      try {
        await c.query('BEGIN ISOLATION LEVEL READ COMMITTED');
        const out = await fn(c, attempt);
        await c.query('COMMIT');
        if (afterCommit) await afterCommit(c, attempt);
        return out;
      } catch (e) {
        failure = e as Error;
        // On a dead connection ROLLBACK fails too: then the connection is dropped, not pooled.
        if (await c.query('ROLLBACK').then(() => true, () => false)) failure = undefined;
        throw e;
      } finally {
        c.release(failure ?? false);
      }
    });
  }

  private async read<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    this.check();
    return this.retrying(async () => (await this.pool.query<R>(sql, params)).rows);
  }

  async writeBatch(b: Batch): Promise<void> {
    this.checkWritable();
    const counts = mergeCounts(b.counts);
    const codes = dedupeCodes(b.codes ?? []);
    const checkpoints = dedupeCheckpoints(b.checkpoints);
    if (counts.length === 0 && b.samples.length === 0 && codes.length === 0 && checkpoints.length === 0) return;
    const id = crypto.randomUUID();
    const stage = this.onBatchStage;
    const applied = await this.tx(
      async (c, attempt) => {
        // Taken first: a retry of a batch whose COMMIT went through finds its id and adds nothing; one
        // whose first attempt is still committing waits here for it.
        const mine = await c.query('INSERT INTO batches (id, host) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [id, clean(this.host)]);
        if (mine.rowCount === 0) return false;
        if (counts.length > 0) await this.upsertCounts(c, counts);
        if (codes.length > 0) await this.upsertObservedCodes(c, codes);
        if (b.samples.length > 0) await this.insertSamples(c, b.samples);
        if (checkpoints.length > 0) await this.upsertSources(c, checkpoints);
        if (stage) await stage('written', c, attempt);
        return true;
      },
      stage ? (c, attempt) => stage('committed', c, attempt) : undefined,
    );
    this.claims.committedAll(checkpoints);
    if (applied) this.stats.batches++;
    else this.stats.replayed++;
  }

  private async upsertCounts(c: pg.PoolClient, rows: CountRow[]): Promise<void> {
    await c.query(
      `INSERT INTO counts AS t (bucket, vendor, code, source, host, count, first_seen, last_seen)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[])
         AS u(bucket, vendor, code, source, host, count, first_seen, last_seen)
       ${SORTED_COUNTS}
       ON CONFLICT (bucket, vendor, code, source, host) DO UPDATE SET
         count = t.count + excluded.count,
         first_seen = LEAST(t.first_seen, excluded.first_seen),
         last_seen = GREATEST(t.last_seen, excluded.last_seen)`,
      [
        rows.map((r) => r.bucket),
        rows.map((r) => r.vendor),
        rows.map((r) => r.code),
        rows.map((r) => r.source),
        rows.map((r) => r.host),
        rows.map((r) => r.count),
        rows.map((r) => r.firstSeen),
        rows.map((r) => r.lastSeen),
      ],
    );
  }

  private async upsertObservedCodes(c: pg.PoolClient, codes: CodeInfo[]): Promise<void> {
    // A known entry is never replaced by an unknown one; unchanged rows are left alone.
    await c.query(
      `INSERT INTO codes AS k (vendor, code, known, product, name, message, category, severity, updated_at)
       SELECT vendor, code, known, product, name, message, category, severity, $9::text
       FROM unnest($1::text[], $2::bigint[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
         AS u(vendor, code, known, product, name, message, category, severity)
       ORDER BY vendor COLLATE "C", code
       ON CONFLICT (vendor, code) DO UPDATE SET
         known = excluded.known, product = excluded.product, name = excluded.name, message = excluded.message,
         category = excluded.category, severity = excluded.severity, updated_at = excluded.updated_at
       WHERE (k.known = 0 OR excluded.known = 1)
         AND (k.known IS DISTINCT FROM excluded.known OR k.product IS DISTINCT FROM excluded.product
              OR k.name IS DISTINCT FROM excluded.name OR k.message IS DISTINCT FROM excluded.message
              OR k.category IS DISTINCT FROM excluded.category OR k.severity IS DISTINCT FROM excluded.severity)`,
      [
        codes.map((x) => clean(x.vendor)),
        codes.map((x) => x.code),
        codes.map((x) => (x.known ? 1 : 0)),
        codes.map((x) => cleanOrNull(x.product)),
        codes.map((x) => cleanOrNull(x.name)),
        codes.map((x) => cleanOrNull(x.message)),
        codes.map((x) => cleanOrNull(x.category)),
        codes.map((x) => x.severity),
        nowIso(),
      ],
    );
  }

  private async insertSamples(c: pg.PoolClient, samples: SampleRow[]): Promise<void> {
    const vendors = samples.map((s) => clean(s.vendor));
    const codes = samples.map((s) => s.code);
    // Writers of one vendor:code take turns, so the trim sees every committed sample and the bound holds.
    await c.query(
      `SELECT pg_advisory_xact_lock(k) FROM (
         SELECT DISTINCT hashtextextended('errscan-samples:' || v || ':' || c::text, 0) AS k
         FROM unnest($1::text[], $2::bigint[]) AS u(v, c) ORDER BY 1 OFFSET 0) s`,
      [vendors, codes],
    );
    await c.query(
      `INSERT INTO samples (vendor, code, ts, source, host, line, text)
       SELECT vendor, code, ts, source, host, line, text
       FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[])
         WITH ORDINALITY AS u(vendor, code, ts, source, host, line, text, n)
       ORDER BY n`,
      [
        vendors,
        codes,
        samples.map((s) => s.ts),
        samples.map((s) => clean(s.source)),
        samples.map((s) => clean(s.host ?? this.host)),
        samples.map((s) => s.line),
        samples.map((s) => clean(s.text)),
      ],
    );
    await c.query(
      `DELETE FROM samples WHERE id IN (
         SELECT id FROM (
           SELECT id, row_number() OVER (PARTITION BY vendor, code ORDER BY ts DESC, id DESC) AS rn
           FROM samples WHERE (vendor, code) IN (SELECT DISTINCT v, c FROM unnest($1::text[], $2::bigint[]) AS u(v, c))
         ) r WHERE rn > $3)`,
      [vendors, codes, this.samplesPerCode],
    );
  }

  private async upsertSources(c: pg.PoolClient, cps: Checkpoint[]): Promise<void> {
    const host = clean(this.host);
    // Rows this batch may only move from where this process expects them (SourceClaims): locked and checked
    // first, so another run's commit in between waits, and fails the check once it has committed.
    const checked = cps.flatMap((cp) => {
      const expected = this.claims.expected(cp);
      return expected === undefined ? [] : [{ cp, key: clean(sourceKey(cp)), expected }];
    });
    if (checked.length > 0) {
      const { rows } = await c.query<{ key: string; offset: string }>(
        `SELECT key, "offset" FROM sources WHERE host = $1 AND key = ANY($2::text[]) ORDER BY key COLLATE "C" FOR UPDATE`,
        [host, checked.map((x) => x.key)],
      );
      const stored = new Map(rows.map((r) => [r.key, Number(r.offset)]));
      for (const { cp, key, expected } of checked) {
        const now = stored.get(key);
        if (now !== (expected ?? undefined)) throw sourceConflict(cp, expected, now);
      }
    }
    const written = await c.query<{ key: string; inserted: boolean }>(
      `INSERT INTO sources AS s (host, key, source, path, dev, ino, fingerprint, "offset", lines, last_ts, updated_at)
       SELECT $1::text, key, source, path, dev, ino, fingerprint, off, lines, last_ts, $10::text
       FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::bigint[], $9::bigint[], $11::text[])
         AS u(key, source, path, dev, ino, fingerprint, off, lines, last_ts)
       ORDER BY key COLLATE "C"
       ON CONFLICT (host, key) DO UPDATE SET
         source = excluded.source, path = excluded.path, dev = excluded.dev, ino = excluded.ino,
         fingerprint = excluded.fingerprint, "offset" = excluded."offset", lines = excluded.lines,
         last_ts = excluded.last_ts, updated_at = excluded.updated_at
       RETURNING key, (xmax = 0) AS inserted`,
      [
        host,
        cps.map((cp) => clean(sourceKey(cp))),
        cps.map((cp) => clean(cp.source)),
        cps.map((cp) => cleanOrNull(cp.path)),
        cps.map((cp) => cp.dev ?? null),
        cps.map((cp) => cp.ino ?? null),
        cps.map((cp) => cp.fingerprint ?? null),
        cps.map((cp) => cp.offset),
        cps.map((cp) => cp.lines),
        nowIso(),
        cps.map((cp) => cp.lastTs ?? null),
      ],
    );
    // A row this batch meant to create that another run created meanwhile (the insert waited for it).
    const inserted = new Map(written.rows.map((r) => [r.key, r.inserted]));
    for (const { cp, key, expected } of checked) if (expected === null && inserted.get(key) === false) throw sourceConflict(cp, null, undefined);
  }

  async syncCatalog(entries: CatalogEntry[], products: Record<string, string>): Promise<void> {
    this.checkWritable();
    const byKey = new Map<string, CatalogEntry>();
    for (const e of entries) if (!e.success) byKey.set(`${e.vendor}\t${e.code}`, e);
    const list = [...byKey.values()].sort((a, b) => cmp(a.vendor, b.vendor) || a.code - b.code);
    const vendors = Object.entries(products).sort((a, b) => cmp(a[0], b[0]));
    const now = nowIso();
    await this.tx(async (c) => {
      if (list.length > 0) {
        await c.query(
          `INSERT INTO codes AS k (vendor, code, known, product, name, message, category, severity, range_min, range_max, updated_at)
           SELECT vendor, code, 1, product, name, message, category, severity, range_min, range_max, $10::text
           FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[])
             AS u(vendor, code, product, name, message, category, severity, range_min, range_max)
           ORDER BY vendor COLLATE "C", code
           ON CONFLICT (vendor, code) DO UPDATE SET
             known = 1, product = excluded.product, name = excluded.name, message = excluded.message,
             category = excluded.category, severity = excluded.severity, range_min = excluded.range_min,
             range_max = excluded.range_max, updated_at = excluded.updated_at
           WHERE k.known IS DISTINCT FROM 1 OR k.product IS DISTINCT FROM excluded.product OR k.name IS DISTINCT FROM excluded.name
             OR k.message IS DISTINCT FROM excluded.message OR k.category IS DISTINCT FROM excluded.category
             OR k.severity IS DISTINCT FROM excluded.severity OR k.range_min IS DISTINCT FROM excluded.range_min
             OR k.range_max IS DISTINCT FROM excluded.range_max`,
          [
            list.map((e) => clean(e.vendor)),
            list.map((e) => e.code),
            list.map((e) => cleanOrNull(products[e.vendor])),
            list.map((e) => cleanOrNull(e.name)),
            list.map((e) => cleanOrNull(e.message)),
            list.map((e) => cleanOrNull(e.category)),
            list.map((e) => e.severity),
            list.map((e) => e.range?.min ?? null),
            list.map((e) => e.range?.max ?? null),
            now,
          ],
        );
      }
      if (vendors.length > 0) {
        await c.query(
          `INSERT INTO vendors AS v (vendor, product, updated_at)
           SELECT vendor, product, $3::text FROM unnest($1::text[], $2::text[]) AS u(vendor, product) ORDER BY vendor COLLATE "C"
           ON CONFLICT (vendor) DO UPDATE SET product = excluded.product, updated_at = excluded.updated_at
           WHERE v.product IS DISTINCT FROM excluded.product`,
          [vendors.map(([v]) => clean(v)), vendors.map(([, p]) => clean(p)), now],
        );
      }
    });
  }

  async checkpoint(id: SourceIdentity): Promise<Checkpoint | undefined> {
    const rows = await this.read<SourceRow>('SELECT * FROM sources WHERE host = $1 AND key = $2', [clean(this.host), clean(sourceKey(id))]);
    const row = rows[0];
    if (!row) return undefined;
    // Same inode but different first bytes: the file was replaced or rewritten, so start over.
    if (id.fingerprint !== undefined && row.fingerprint !== null && id.fingerprint !== row.fingerprint) return undefined;
    return toCheckpoint(row);
  }

  async forgetSource(id: SourceIdentity): Promise<number> {
    this.checkWritable();
    const host = clean(this.host);
    const key = clean(sourceKey(id));
    let forgotten: string[] = [];
    const n = await this.tx(async (c) => {
      // The labels this file was counted under: the one given, and the one its checkpoint recorded.
      const labels = new Set([clean(id.source)]);
      const row = (await c.query<{ source: string }>('SELECT source FROM sources WHERE host = $1 AND key = $2', [host, key])).rows[0];
      if (row) labels.add(row.source);
      const list = [...labels].sort(cmp);
      const removed = await c.query(
        `DELETE FROM counts WHERE (bucket, vendor, code, source, host) IN (
           SELECT bucket, vendor, code, source, host FROM counts WHERE source = ANY($1) AND host = $2
           ${SORTED_COUNTS} FOR UPDATE)`,
        [list, host],
      );
      await c.query('DELETE FROM samples WHERE source = ANY($1) AND host = $2', [list, host]);
      const gone = await c.query<{ key: string }>('DELETE FROM sources WHERE (source = ANY($1) AND host = $2) OR (host = $2 AND key = $3) RETURNING key', [list, host, key]);
      forgotten = [sourceKey(id), ...gone.rows.map((r) => r.key)];
      return removed.rowCount ?? 0;
    });
    this.claims.forget(forgotten);
    return n;
  }

  async beginRun(command: string): Promise<number> {
    this.checkWritable();
    return this.tx(async (c) => {
      const r = await c.query<{ id: number }>(
        "INSERT INTO runs (command, host, pid, started_at, status) VALUES ($1, $2, $3, $4, 'running') RETURNING id",
        [command, clean(this.host), process.pid, nowIso()],
      );
      return r.rows[0]!.id;
    });
  }

  async finishRun(id: number, info: RunInfo, status: 'ok' | 'failed' | 'interrupted'): Promise<void> {
    this.checkWritable();
    await this.tx(async (c) => {
      await c.query(
        `UPDATE runs SET finished_at = $2, status = $3, bytes = $4, lines = $5, hits = $6, unknown = $7,
           skipped = $8, oversized = $9, errors = $10 WHERE id = $1`,
        [id, nowIso(), status, info.bytes, info.lines, info.hits, info.unknown, info.skipped, info.oversized, info.errors],
      );
    });
  }

  async counts(q: CountQuery): Promise<CountRow[]> {
    return this.read<CountRow>(
      `SELECT bucket, vendor, code, source, host, count, first_seen AS "firstSeen", last_seen AS "lastSeen"
       FROM counts WHERE bucket >= $1 AND bucket < $2
         AND ($3::text[] IS NULL OR vendor = ANY($3)) AND ($4::text[] IS NULL OR source = ANY($4)) AND ($5::text[] IS NULL OR host = ANY($5))
       ORDER BY bucket, vendor, code, source, host`,
      [q.from, q.to, listParam(q.vendor), listParam(q.source), listParam(q.host)],
    );
  }

  async firstLastSeen(
    q: Omit<CountQuery, 'from' | 'to'>,
  ): Promise<Array<{ vendor: string; code: number; firstSeen: string; lastSeen: string }>> {
    return this.read(
      `SELECT vendor, code, min(first_seen) AS "firstSeen", max(last_seen) AS "lastSeen"
       FROM counts WHERE ($1::text[] IS NULL OR vendor = ANY($1)) AND ($2::text[] IS NULL OR source = ANY($2)) AND ($3::text[] IS NULL OR host = ANY($3))
       GROUP BY vendor, code ORDER BY vendor, code`,
      [listParam(q.vendor), listParam(q.source), listParam(q.host)],
    );
  }

  async codeInfo(): Promise<CodeInfo[]> {
    const rows = await this.read<Omit<CodeInfo, 'known'> & { known: number }>(
      `SELECT vendor, code, known, product, name, message, category, severity FROM codes
       UNION ALL
       SELECT c.vendor, c.code, 0, v.product, NULL, NULL, NULL, NULL
       FROM (SELECT DISTINCT vendor, code FROM counts) c LEFT JOIN vendors v ON v.vendor = c.vendor
       WHERE NOT EXISTS (SELECT 1 FROM codes k WHERE k.vendor = c.vendor AND k.code = c.code)
       ORDER BY vendor, code`,
    );
    return rows.map((r) => ({ ...r, known: r.known === 1 }));
  }

  async samples(vendor: string, code: number, limit: number): Promise<SampleRow[]> {
    return this.read<SampleRow>(
      'SELECT vendor, code, ts, source, host, line, text FROM samples WHERE vendor = $1 AND code = $2 ORDER BY ts DESC, id DESC LIMIT $3',
      [vendor, code, limit],
    );
  }

  async info(): Promise<StoreInfo> {
    const [sizes, version, rows, range, sources] = await Promise.all([
      this.read<{ size: number | null }>(
        `SELECT sum(pg_total_relation_size(to_regclass(t)))::bigint AS size
         FROM unnest($1::text[]) AS t WHERE to_regclass(t) IS NOT NULL`,
        [[...TABLES, 'batches', 'schema_version']],
      ),
      this.read<{ v: number | null }>('SELECT max(version) AS v FROM schema_version'),
      this.read<Record<string, number>>(`SELECT ${TABLES.map((t) => `(SELECT count(*) FROM ${t}) AS ${t}`).join(', ')}`),
      this.read<{ firstSeen: string | null; lastSeen: string | null }>(
        'SELECT min(first_seen) AS "firstSeen", max(last_seen) AS "lastSeen" FROM counts',
      ),
      this.read<SourceRow>('SELECT * FROM sources ORDER BY source, host, key'),
    ]);
    const counted = rows[0] ?? {};
    return {
      location: this.location,
      sizeBytes: sizes[0]?.size ?? 0,
      schemaVersion: version[0]?.v ?? 0,
      rows: Object.fromEntries(TABLES.map((t) => [t, Number(counted[t] ?? 0)])),
      firstSeen: range[0]?.firstSeen ?? null,
      lastSeen: range[0]?.lastSeen ?? null,
      sources: sources.map((r) => ({ source: r.source, path: r.path, offset: r.offset, lines: r.lines, updatedAt: r.updated_at })),
    };
  }

  async prune(before: number): Promise<number> {
    this.checkWritable();
    return this.tx(async (c) => {
      // Locked in key order, like the writers, so a prune beside live writers does not deadlock.
      const counts = await c.query(
        `DELETE FROM counts WHERE (bucket, vendor, code, source, host) IN (
           SELECT bucket, vendor, code, source, host FROM counts WHERE bucket <= $1::bigint - 3600 ${SORTED_COUNTS} FOR UPDATE)`,
        [before],
      );
      const samples = await c.query('DELETE FROM samples WHERE ts < $1', [new Date(before * 1000).toISOString()]);
      await c.query(`DELETE FROM batches WHERE committed_at < now() - interval '${BATCH_ID_TTL}'`);
      return (counts.rowCount ?? 0) + (samples.rowCount ?? 0);
    });
  }

  /** VACUUM ANALYZE the errscan tables: dead rows become reusable and the planner's statistics fresh. */
  async vacuum(): Promise<void> {
    this.checkWritable();
    await this.retrying(async () => {
      await this.pool.query(`VACUUM (ANALYZE) ${[...TABLES, 'batches'].join(', ')}`);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** One entry per vendor:code, as sequential upserts would leave it: a later entry wins unless it would turn known into unknown. */
function dedupeCodes(codes: readonly CodeInfo[]): CodeInfo[] {
  const by = new Map<string, CodeInfo>();
  for (const c of codes) {
    const k = `${c.vendor}\t${c.code}`;
    const have = by.get(k);
    if (!have || !have.known || c.known) by.set(k, c);
  }
  return [...by.values()];
}

/** The last checkpoint per stored key, as sequential upserts would leave it. */
function dedupeCheckpoints(cps: readonly Checkpoint[]): Checkpoint[] {
  const by = new Map<string, Checkpoint>();
  for (const cp of cps) by.set(sourceKey(cp), cp);
  return [...by.values()];
}

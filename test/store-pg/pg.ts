// PostgreSQL for the tests: the server global-setup.ts provides, and a fresh schema per test (selected
// through the URL's search_path), so tests never see each other's rows.
import pg from 'pg';
import { inject } from 'vitest';

/** The test server's URL; throws the reason when there is none, so PostgreSQL tests fail instead of skipping. */
export function pgBaseUrl(): string {
  const url = inject('pgUrl') || process.env.ERRSCAN_TEST_PG || '';
  if (!url) throw new Error(inject('pgError') || 'no PostgreSQL server for the tests (set ERRSCAN_TEST_PG=postgres://…)');
  return url;
}

export function withSearchPath(base: string, schema: string): string {
  const u = new URL(base);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

// bigint/numeric as numbers, as the store reads them.
const types = {
  getTypeParser: (oid: number, format?: string) =>
    oid === 20 || oid === 1700 ? (v: string) => Number(v) : (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format),
} as unknown as pg.CustomTypesConfig;

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, types });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function pgRows(url: string, sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  return withClient(url, async (c) => (await c.query(sql, params)).rows as Array<Record<string, unknown>>);
}

let seq = 0;

export interface PgSchema {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A new empty schema on the test server, and a URL that puts it first on the search_path. */
export async function freshSchema(prefix = 't'): Promise<PgSchema> {
  const base = pgBaseUrl();
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${seq++}`;
  await withClient(base, (c) => c.query(`CREATE SCHEMA ${name}`));
  return {
    name,
    url: withSearchPath(base, name),
    drop: () => withClient(base, (c) => c.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`)).then(() => undefined),
  };
}

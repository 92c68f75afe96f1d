// Where the database lives and which store opens it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ErrscanError } from '../errors.js';
import { SqliteStore, type SqliteOptions } from './sqlite.js';
import type { Store } from './types.js';

export type { Batch, CodeInfo, CountQuery, CountRow, SampleRow, Store, StoreInfo } from './types.js';
export { SqliteStore, dbError, migrate } from './sqlite.js';
export { sourceKey, DEFAULT_SAMPLES_PER_CODE } from './rows.js';
export { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

export type OpenOptions = SqliteOptions;

/** The default database path: `${XDG_DATA_HOME:-~/.local/share}/errscan/errscan.db`. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  const data = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.join(os.homedir(), '.local', 'share');
  return path.join(data, 'errscan', 'errscan.db');
}

/**
 * `--db`, else `$ERRSCAN_DB`, else the default path. Only the default's folders are created (on first
 * use); a folder missing under an explicit path is reported when the store opens, naming the path.
 */
export function resolveDbLocation(argv: { db?: unknown }, env: NodeJS.ProcessEnv = process.env): string {
  const given = typeof argv.db === 'string' && argv.db !== '' ? argv.db : env.ERRSCAN_DB ? env.ERRSCAN_DB : undefined;
  if (given !== undefined) return given;
  const file = defaultDbPath(env);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  } catch (e) {
    throw new ErrscanError('ERRSCAN_DB_OPEN', `cannot create the database folder (${(e as Error).message})`, {
      file: path.dirname(file),
      hint: 'set $ERRSCAN_DB or pass --db with a writable path',
      cause: e,
    });
  }
  return file;
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** A location fit to print: a postgres:// URL with its user and password hidden. */
export function displayLocation(location: string): string {
  return isPostgresUrl(location) ? location.replace(/\/\/[^@/]*@/, '//***@') : location;
}

/** The host label this process writes under: `--host` (which sets $ERRSCAN_HOST), else '' for a local store. */
export function hostLabel(env: NodeJS.ProcessEnv = process.env): string {
  return env.ERRSCAN_HOST ?? '';
}

export async function openStore(location: string, opts: OpenOptions = {}): Promise<Store> {
  const host = opts.host ?? hostLabel();
  if (isPostgresUrl(location)) {
    // Loaded only here, so a SQLite run never loads the PostgreSQL client.
    const { PostgresStore } = await import('./postgres.js');
    return PostgresStore.open(location, { ...opts, host });
  }
  return SqliteStore.open(location, { ...opts, host });
}
